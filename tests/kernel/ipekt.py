#!/usr/bin/env python3
"""ipekt: harness for the real-kernel IPE test suite (python3 stdlib only).

Pieces:
  * host packages: installs what the suite needs with apt-get when missing;
  * test keys: generated once with the openssl CLI and stored in the kernel cache,
    because the kernel embeds the trusted certificates (CONFIG_SYSTEM_TRUSTED_KEYS);
  * kernel: Debian's linux-source-6.12, `make tinyconfig` + ipe.config, cached under
    /var/cache/ipe-tools/kernel/ keyed by a hash of config fragment + trusted certs +
    source package version (+ harness revision);
  * initramfs: busybox-static, our tools (with their libraries and the dynamic loader),
    static guest helpers, the scenario script and its inputs;
  * boot: qemu-system-x86_64 under `timeout`, results read from the serial console.

Environment:
  IPE_KERNEL_CACHE   cache directory (default /var/cache/ipe-tools/kernel)
  IPE_KERNEL_JOBS    make -j value (default 2)
  IPE_KERNEL_NO_APT  set to 1 to never call apt-get
"""

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
HARNESS_REV = "1"  # bump to force a kernel rebuild when the build recipe changes
SOURCE_PKG = "linux-source-6.12"
SOURCE_TARBALL = "/usr/src/linux-source-6.12.tar.xz"
HOST_PACKAGES = {
    # package: a file that proves it is installed (checked before asking dpkg)
    SOURCE_PKG: SOURCE_TARBALL,
    "qemu-system-x86": "/usr/bin/qemu-system-x86_64",
    "busybox-static": "/bin/busybox",
    "cpio": "/usr/bin/cpio",
    "e2fsprogs": "/sbin/mkfs.ext4",
    "fsverity": "/usr/bin/fsverity",
    "cryptsetup-bin": "/sbin/veritysetup",
    "bc": "/usr/bin/bc",
    "libelf-dev": "/usr/include/libelf.h",
    "flex": "/usr/bin/flex",
    "bison": "/usr/bin/bison",
    "libssl-dev": "/usr/include/openssl/evp.h",
    "xz-utils": "/usr/bin/xz",
    "openssl": "/usr/bin/openssl",
}

# Options that must survive `make olddefconfig`; if one is dropped the kernel is useless
# for the suite and we stop with a clear message instead of booting a kernel without IPE.
REQUIRED_OPTIONS = [
    "CONFIG_SECURITY_IPE=y", 'CONFIG_LSM="ipe"', "CONFIG_SECURITYFS=y",
    "CONFIG_IPE_PROP_FS_VERITY=y", "CONFIG_IPE_PROP_DM_VERITY=y",
    "CONFIG_IPE_POLICY_SIG_SECONDARY_KEYRING=y", "CONFIG_SERIAL_8250_CONSOLE=y",
    "CONFIG_BLK_DEV_INITRD=y", "CONFIG_EXT4_FS=y", "CONFIG_FS_VERITY=y",
    "CONFIG_DM_VERITY=y", "CONFIG_VIRTIO_BLK=y", "CONFIG_CRYPTO_ECDSA=y",
]


def log(msg):
    print(f"[ipekt {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def die(msg):
    log("FATAL: " + msg)
    sys.exit(1)


def skip(msg):
    """Skip the current meson test (exit code 77) with a clear reason."""
    log("SKIP: " + msg)
    sys.exit(77)


def run(cmd, **kw):
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def cache_dir():
    return os.environ.get("IPE_KERNEL_CACHE", "/var/cache/ipe-tools/kernel")


# ---------------------------------------------------------------------------- packages

def ensure_packages():
    missing = [p for p, f in HOST_PACKAGES.items() if not os.path.exists(f)]
    if not missing:
        return
    if os.environ.get("IPE_KERNEL_NO_APT") == "1":
        skip("missing host packages and IPE_KERNEL_NO_APT=1: " + " ".join(missing))
    if os.geteuid() != 0:
        skip("missing host packages and not root (cannot apt-get install): " + " ".join(missing))
    log("installing host packages: " + " ".join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    r = run(["apt-get", "update"], env=env, check=False)
    if r.returncode != 0:
        log("warning: apt-get update failed (exit %d), trying install anyway" % r.returncode)
    r = run(["apt-get", "install", "-y", "--no-install-recommends"] + missing, env=env, check=False)
    still = [p for p in missing if not os.path.exists(HOST_PACKAGES[p])]
    if r.returncode != 0 or still:
        skip("cannot install the host packages the real-kernel suite needs (apt-get install "
             "failed, no mirror?): " + " ".join(still or missing))


def source_version():
    r = run(["dpkg-query", "-W", "-f=${Version}", SOURCE_PKG], capture_output=True, text=True,
            check=False)
    if r.returncode != 0 or not r.stdout.strip():
        die(f"{SOURCE_PKG} is not installed (dpkg-query: {r.stderr.strip()})")
    return r.stdout.strip()


# ---------------------------------------------------------------------------- keys

# name: (kind, trusted-in-builtin-keyring, signature digest for the certificate)
KEYS = {
    "rsa2048": ("rsa:2048", True, "sha256"),
    "rsa3072": ("rsa:3072", True, "sha256"),
    "p256": ("P-256", True, "sha256"),
    "p384": ("P-384", True, "sha384"),
    "ca": ("rsa:2048", True, "sha256"),
    "leaf": ("rsa:2048", False, "sha256"),        # issued by "ca", not builtin
    "untrusted": ("rsa:2048", False, "sha256"),   # self-signed, trusted by nobody
}
TRUSTED = [k for k, v in KEYS.items() if v[1]]


def _newkey_args(kind):
    if kind.startswith("rsa:"):
        return ["-newkey", kind]
    return ["-newkey", "ec", "-pkeyopt", f"ec_paramgen_curve:{kind}"]


def ensure_keys(cache):
    """Create the test keys once; return the key directory."""
    kdir = os.path.join(cache, "keys")
    stamp = os.path.join(kdir, "complete")
    if os.path.exists(stamp):
        return kdir
    log(f"generating test keys in {kdir}")
    tmp = kdir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    ossl = ["openssl"]
    for name, (kind, _trusted, md) in KEYS.items():
        key, crt = os.path.join(tmp, name + ".key"), os.path.join(tmp, name + ".crt")
        subj = f"/O=ipe-tools test/CN=ipe-tools test {name}"
        if name == "leaf":
            csr = os.path.join(tmp, "leaf.csr")
            ext = os.path.join(tmp, "leaf.ext")
            with open(ext, "w") as f:
                f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=digitalSignature\n"
                        "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
            run(ossl + ["req", "-new"] + _newkey_args(kind) + ["-nodes", "-keyout", key,
                "-subj", subj, "-out", csr], capture_output=True)
            run(ossl + ["x509", "-req", "-in", csr, "-CA", os.path.join(tmp, "ca.crt"),
                "-CAkey", os.path.join(tmp, "ca.key"), "-set_serial", "0x1e4f",
                "-days", "36500", "-" + md, "-extfile", ext, "-out", crt], capture_output=True)
        else:
            extra = ["-addext", "basicConstraints=critical,CA:TRUE",
                     "-addext", "keyUsage=keyCertSign,digitalSignature"] if name == "ca" else \
                    ["-addext", "keyUsage=digitalSignature"]
            run(ossl + ["req", "-x509"] + _newkey_args(kind) + ["-nodes", "-keyout", key,
                "-subj", subj, "-days", "36500", "-" + md, "-out", crt] + extra,
                capture_output=True)
        run(ossl + ["x509", "-in", crt, "-outform", "DER", "-out",
                    os.path.join(tmp, name + ".der")], capture_output=True)
    with open(os.path.join(tmp, "trusted.pem"), "w") as out:
        for name in TRUSTED:
            with open(os.path.join(tmp, name + ".crt")) as f:
                out.write(f.read())
    open(os.path.join(tmp, "complete"), "w").close()
    shutil.rmtree(kdir, ignore_errors=True)
    os.rename(tmp, kdir)
    return kdir


# ---------------------------------------------------------------------------- kernel

def _fragment_text():
    with open(os.path.join(HERE, "ipe.config")) as f:
        return f.read()


def kernel_key(kdir, version):
    h = hashlib.sha256()
    h.update(HARNESS_REV.encode() + b"\0")
    h.update(_fragment_text().encode() + b"\0")
    with open(os.path.join(kdir, "trusted.pem"), "rb") as f:
        h.update(f.read() + b"\0")
    h.update(version.encode())
    return h.hexdigest()[:16]


class Heartbeat:
    """Prints a line every `every` seconds with elapsed time and the log's last line."""

    def __init__(self, what, logfile, every=30):
        self.what, self.logfile, self.every = what, logfile, every
        self.stop = threading.Event()
        self.t0 = time.monotonic()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _last_line(self):
        try:
            with open(self.logfile, "rb") as f:
                f.seek(0, 2)
                size = f.tell()
                f.seek(max(0, size - 4096))
                lines = f.read().decode(errors="replace").strip().splitlines()
                return lines[-1].strip()[:100] if lines else ""
        except OSError:
            return ""

    def _run(self):
        while not self.stop.wait(self.every):
            log(f"  ... {self.what}: {int(time.monotonic() - self.t0)}s, {self._last_line()}")

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *a):
        self.stop.set()
        self.thread.join()


def _phase(name, cmd, cwd, logfile, env=None):
    log(f"phase: {name}")
    t0 = time.monotonic()
    with open(logfile, "ab") as lf, Heartbeat(name, logfile):
        lf.write(f"\n===== {name}: {' '.join(cmd)}\n".encode())
        lf.flush()
        r = subprocess.run(cmd, cwd=cwd, stdout=lf, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0:
        log(f"phase {name} FAILED (exit {r.returncode}) after {int(time.monotonic() - t0)}s; "
            f"full log: {logfile}; last lines:")
        with open(logfile, "rb") as f:
            for line in f.read().decode(errors="replace").splitlines()[-60:]:
                print("    " + line, flush=True)
        die(f"kernel build failed in phase {name}")
    log(f"phase {name} done in {int(time.monotonic() - t0)}s")


def ensure_kernel():
    """Return (bzImage path, key directory), building the kernel when not cached."""
    ensure_packages()
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    with open(os.path.join(cache, ".lock"), "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        kdir = ensure_keys(cache)
        version = source_version()
        key = kernel_key(kdir, version)
        outdir = os.path.join(cache, f"linux-{version}-{key}")
        bz = os.path.join(outdir, "bzImage")
        if os.path.exists(bz):
            log(f"kernel cache hit: {bz}")
            return bz, kdir
        log(f"kernel cache miss (key {key}, {SOURCE_PKG} {version}): building; "
            f"this takes ~8-15 minutes on 2 cores")
        t0 = time.monotonic()
        # we hold the lock: any work-* tree is left over from an interrupted build (~1.5 GB each)
        for stale in os.listdir(cache):
            if stale.startswith("work-") or stale.endswith(".tmp"):
                shutil.rmtree(os.path.join(cache, stale), ignore_errors=True)
        work = os.path.join(cache, f"work-{key}")
        os.makedirs(work)
        logfile = os.path.join(cache, f"build-{key}.log")
        open(logfile, "w").close()
        log(f"full build log: {logfile}")
        _phase("extract source", ["tar", "-xJf", SOURCE_TARBALL, "-C", work], work, logfile)
        src = os.path.join(work, "linux-source-6.12")
        if not os.path.isdir(src):
            die(f"{SOURCE_TARBALL} did not contain linux-source-6.12/")
        frag = os.path.join(work, "ipe.config")
        with open(frag, "w") as f:
            f.write(_fragment_text())
            f.write('CONFIG_SYSTEM_TRUSTED_KEYS="%s"\n' % os.path.join(kdir, "trusted.pem"))
        env = dict(os.environ, ARCH="x86_64", KBUILD_BUILD_USER="ipe-tools",
                   KBUILD_BUILD_HOST="test", LC_ALL="C")
        jobs = os.environ.get("IPE_KERNEL_JOBS", "2")
        _phase("tinyconfig", ["make", "tinyconfig"], src, logfile, env)
        _phase("merge ipe.config", ["scripts/kconfig/merge_config.sh", "-m", ".config", frag],
               src, logfile, env)
        _phase("olddefconfig", ["make", "olddefconfig"], src, logfile, env)
        with open(os.path.join(src, ".config")) as f:
            cfg = set(f.read().splitlines())
        lost = [o for o in REQUIRED_OPTIONS if o not in cfg]
        if lost:
            die("after olddefconfig these options are missing (dependency not met?): "
                + ", ".join(lost))
        _phase(f"make bzImage -j{jobs}", ["make", f"-j{jobs}", "bzImage"], src, logfile, env)
        tmp_out = outdir + ".tmp"
        shutil.rmtree(tmp_out, ignore_errors=True)
        os.makedirs(tmp_out)
        shutil.copy(os.path.join(src, "arch/x86/boot/bzImage"), tmp_out)
        shutil.copy(os.path.join(src, ".config"), os.path.join(tmp_out, "config"))
        shutil.copy(logfile, os.path.join(tmp_out, "build.log"))
        os.rename(tmp_out, outdir)
        shutil.rmtree(work, ignore_errors=True)
        log(f"kernel built in {int(time.monotonic() - t0)}s: {bz}")
        return bz, kdir


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "build-kernel":
        bz, kd = ensure_kernel()
        print(bz)
        print(kd)
    else:
        print(__doc__)
        sys.exit(2)
