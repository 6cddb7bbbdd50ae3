"""Guest side of the real-kernel suite: initramfs assembly, qemu boot, result parsing."""

import os
import re
import shutil
import subprocess
import time

from ipekt import HERE, log, die

BUSYBOX = "/bin/busybox"
RESULT_RE = re.compile(r"IPE-RESULT (\S+) (\S+) ?(.*?)\s*$")

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mkdir -p /proc /sys /dev /tmp /mnt /run /var/log
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# audit records reach the kernel log through printk_ratelimit(); let them all through
echo 100000 > /proc/sys/kernel/printk_ratelimit_burst 2>/dev/null
SCEN=$(cat /scenario.name)
S=/sys/kernel/security/ipe
R() { echo "IPE-RESULT $SCEN $1 $2"; }
# M CASE CMD...: run CMD, report its exit code as a result and its output as IPE-MSG lines
M() { c=$1; shift; out=$("$@" 2>&1); rc=$?; R "$c" "exit=$rc"; echo "$out" | sed "s/^/IPE-MSG $c /"; }
echo "IPE-BOOT $SCEN lsm=$(cat /sys/kernel/security/lsm 2>/dev/null) ipe=$([ -d $S ] && echo yes || echo no)"
. /scenario.sh
echo "IPE-DONE $SCEN"
sync
reboot -f
"""


_KVM = None


def kvm_usable():
    """True when qemu can start with KVM here; otherwise software emulation (TCG) is used."""
    global _KVM
    if _KVM is None:
        _KVM = False
        if os.access("/dev/kvm", os.R_OK | os.W_OK):
            try:
                r = subprocess.run(["timeout", "20", "qemu-system-x86_64", "-accel", "kvm",
                                    "-machine", "none", "-monitor", "stdio", "-display", "none",
                                    "-nodefaults"], input=b"q\n", capture_output=True)
                _KVM = r.returncode == 0
            except OSError:
                pass
    return _KVM


class Guest:
    def __init__(self, scenario, bzimage, workdir):
        self.scenario = scenario
        self.bzimage = bzimage
        self.work = workdir
        self.root = os.path.join(workdir, "root")
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        for d in ("bin", "sbin", "in", "lib", "lib64", "etc"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        shutil.copy(BUSYBOX, os.path.join(self.root, "bin/busybox"))
        self.disks = []
        self._build_helpers()

    def _build_helpers(self):
        for name in ("ipe-load", "ipe-guest"):
            out = os.path.join(self.root, "bin", name)
            r = subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", out,
                                os.path.join(HERE, "guest", name + ".c")],
                               capture_output=True, text=True)
            if r.returncode != 0:
                die(f"cannot build static guest helper {name}: {r.stderr.strip()}")

    def path(self, rel):
        return os.path.join(self.root, rel.lstrip("/"))

    def add_file(self, src, dest, mode=None):
        dst = self.path(dest)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(src, dst)
        if mode is not None:
            os.chmod(dst, mode)
        return dst

    def add_bytes(self, data, dest, mode=0o644):
        dst = self.path(dest)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        os.chmod(dst, mode)
        return dst

    def add_dynamic(self, src, dest):
        """Copy an executable plus every shared library ldd lists, and the dynamic loader."""
        self.add_file(src, dest, 0o755)
        r = subprocess.run(["ldd", src], capture_output=True, text=True)
        if r.returncode != 0:  # static binary
            return
        for line in r.stdout.splitlines():
            m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
            if not m:
                continue
            lib = m.group(1)
            real = os.path.realpath(lib)
            dst = self.path(lib)
            if not os.path.exists(dst):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copy(real, dst)
                os.chmod(dst, 0o755)

    def add_disk(self, image, readonly=False):
        self.disks.append((image, readonly))

    def build_initramfs(self, script):
        with open(self.path("init"), "w") as f:
            f.write(INIT)
        os.chmod(self.path("init"), 0o755)
        self.add_bytes(self.scenario + "\n", "scenario.name")
        self.add_bytes(script, "scenario.sh", 0o755)
        cpio = os.path.join(self.work, "initramfs.cpio")
        files = subprocess.run(["find", ".", "-mindepth", "1"], cwd=self.root, capture_output=True,
                               check=True).stdout
        with open(cpio, "wb") as out:
            subprocess.run(["cpio", "-o", "-H", "newc", "--quiet", "-R", "0:0"], cwd=self.root,
                           input=files, stdout=out, check=True)
        return cpio

    def boot(self, script, timeout=None):
        """Boot the guest; return (results, lines). results: list of (case, value)."""
        cpio = self.build_initramfs(script)
        timeout = int(os.environ.get("IPE_KT_BOOT_TIMEOUT", timeout or 300))
        accel = os.environ.get("IPE_KT_ACCEL", "")
        if not accel:
            # Software emulation by default: nested KVM here starts but hangs the guest, and a
            # tinyconfig kernel boots in a few seconds under TCG. IPE_KT_ACCEL=kvm opts in.
            accel = "tcg"
        elif accel == "kvm" and not kvm_usable():
            log("IPE_KT_ACCEL=kvm but KVM is not usable here: using software emulation")
            accel = "tcg"
        cmd = ["timeout", "-k", "10", str(timeout), "qemu-system-x86_64", "-nographic",
               "-nic", "none", "-no-reboot", "-m", "512", "-smp", "1", "-kernel", self.bzimage,
               "-initrd", cpio,
               "-append", "console=ttyS0 panic=-1 audit=1 no_timer_check loglevel=%s" %
               os.environ.get("IPE_KT_LOGLEVEL", "1")]
        # no_timer_check: under TCG on an overloaded host the guest's IO-APIC timer check can
        # miss its deadline and panic ("IO-APIC + timer doesn't work!") before init runs
        cmd += ["-accel", accel]
        for img, ro in self.disks:
            cmd += ["-drive", "file=%s,format=raw,if=virtio%s" % (img, ",readonly=on" if ro else "")]
        console = os.path.join(self.work, "console.log")
        log(f"booting guest for scenario {self.scenario} (accel {accel}, timeout {timeout}s); "
            f"console log: {console}")
        t0 = time.monotonic()
        with open(console, "wb") as out:
            proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL)
            while True:
                try:
                    proc.wait(timeout=15)
                    break
                except subprocess.TimeoutExpired:
                    with open(console, "rb") as f:
                        n = f.read().count(b"IPE-RESULT ")
                    log(f"  ... guest running {int(time.monotonic() - t0)}s, {n} results so far")
            r = subprocess.CompletedProcess(cmd, proc.returncode)
        dt = time.monotonic() - t0
        with open(console, "rb") as f:
            text = f.read().decode(errors="replace")
        lines = [l.rstrip("\r") for l in text.splitlines()]
        done = any(f"IPE-DONE {self.scenario}" in l for l in lines)
        if r.returncode in (124, 137) or not done:
            log(f"guest FAILED: " + (f"timed out after {timeout}s (hung guest)"
                                     if r.returncode in (124, 137) else
                                     f"qemu exited {r.returncode} before the scenario finished"))
            log("last console lines:")
            for l in lines[-40:]:
                print("    " + l, flush=True)
            raise SystemExit(1)
        boot = [l for l in lines if "IPE-BOOT" in l]
        if boot:
            log("guest: " + boot[0][boot[0].index("IPE-BOOT"):])
            if "ipe=no" in boot[0] or "ipe" not in boot[0].split("lsm=")[-1]:
                log("guest kernel has no active IPE LSM; console tail:")
                for l in lines[-40:]:
                    print("    " + l, flush=True)
                raise SystemExit(1)
        log(f"guest finished in {dt:.1f}s")
        results = []
        for l in lines:
            i = l.find("IPE-RESULT ")
            if i >= 0:
                m = RESULT_RE.match(l[i:])
                if m and m.group(1) == self.scenario:
                    results.append((m.group(2), m.group(3)))
        return results, lines


def messages(lines, case):
    """IPE-MSG lines the guest printed for CASE (output of a tool run)."""
    out = []
    tag = f"IPE-MSG {case} "
    for l in lines:
        i = l.find(tag)
        if i >= 0:
            out.append(l[i + len(tag):])
    return [m for m in out if m.strip()]
