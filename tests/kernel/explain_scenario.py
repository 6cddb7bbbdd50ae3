"""Real-kernel scenario `explain`: ipe-explain's decisions against the kernel's.

Boot 1, under policy PA (EXECUTE, KMODULE, FIRMWARE and KEXEC_IMAGE denied by default,
files pinned by fs-verity digest allowed, the initramfs allowed for EXECUTE): execve of
fs-verity / plain / tmpfs / initramfs files, a script run directly and through its
interpreter, a binary started through ld.so, LD_PRELOAD (mmap), mmap and mprotect
PROT_EXEC of files, anonymous PROT_EXEC memory (mmap and mprotect, file-less),
finit_module (file) and init_module (buffer, file-less), firmware through test_firmware,
kexec_file_load.  Each outcome (EACCES = DENY) is compared with ipe-explain's decision
for the same file or event on the host, and every IPE_ACCESS record the kernel logged is
fed to `ipe-explain --audit --root`: the rule it predicts must be the logged one.
Then, in the same boot, the audit round trip: policy PR active in permissive mode, two
denied binaries run; on the host `ipe-explain PR --audit=LOG --propose=fsverity -o NEW`;
boot 2 loads NEW enforcing: those two binaries run, a third one and the others stay denied.

The host cannot see the guest's fs-verity state: files enabled in the guest are explained
with --assume-fsverity (same bytes, same digest); the one plain file on the disk has a
digest no rule names, so the assumption cannot change its decision under PA.
"""

import json
import os
import shutil
import subprocess

from ipekt import HERE, log, die
from guest import Guest, messages
from tools import Signer, tool

S = "/sys/kernel/security/ipe"
LDSO = "/lib64/ld-linux-x86-64.so.2"

HELLO_C = "int main(void) { return 0; }\n"
PRE_C = ('#include <unistd.h>\n__attribute__((constructor)) static void pre(void)\n'
         '{ (void)!write(1, "PRELOADED\\n", 10); }\n')

# (case, op, stage file or special, kernel action (guest command))
VERITY = ["app-allowed", "app-denied", "dyn-allowed", "dyn-denied", "libpre-allowed.so",
          "libpre-denied.so", "script-allowed", "script-denied", "mod-allowed.ko", "mod-denied.ko",
          "fw/fw-allowed.bin", "fw/fw-denied.bin", "kexec-allowed", "kexec-denied",
          "rt1", "rt2", "rt3"]
PLAIN = ["app-plain"]


def _run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed: {r.stderr.strip()[:400]}")
    return r.stdout


def _unique(src, out, tag):
    with open(src, "rb") as f, open(out, "wb") as o:
        o.write(f.read() + b"\0ipe-explain test file " + tag.encode() + b"\n")
    os.chmod(out, 0o755)


def _load(ipectl, blob, name, case):
    if ipectl:
        return (f"M {case} ipectl --no-keyring-check load --activate {blob}\n"
                f"R {case}_active $(cat {S}/policies/{name}/active)\n")
    return (f"r=$(ipe-load {blob}); a=$(ipe-load -s 1 {S}/policies/{name}/active)\n"
            f"R {case} load=$r,activate=$a\nR {case}_active $(cat {S}/policies/{name}/active)\n")


def _explain(explain, args, ck, case):
    r = subprocess.run([explain] + args + ["--format=json"], capture_output=True, text=True)
    try:
        return json.loads(r.stdout), r
    except ValueError:
        ck.ok(case, False, f"ipe-explain {' '.join(args)} gave no JSON (exit {r.returncode}): "
              f"{r.stderr.strip()[:600]}")
        return None, r


def _boot(g, script, timeout):
    """Boot; once more when the guest kernel panicked in timer setup (seen under TCG on a
    heavily loaded host: "IO-APIC + timer doesn't work"), which says nothing about IPE."""
    try:
        return g.boot(script, timeout=timeout)
    except SystemExit:
        console = os.path.join(g.work, "console.log")
        if "IO-APIC + timer doesn't work" not in open(console, errors="replace").read():
            raise
        log("guest kernel panicked in IO-APIC timer setup (host overload under TCG): booting once more")
        return g.boot(script, timeout=timeout)


def scenario_explain(bz, keydir, Checker, workdir, write, guest_loader):
    ck = Checker("explain")
    explain = tool("IPE_EXPLAIN", "ipe-explain")
    if not explain:
        ck.ok("ipe-explain-built", False, "ipe-explain is not built")
        ck.finish()
    cfg = open(os.path.join(os.path.dirname(bz), "config")).read().splitlines()
    have = {}
    for group, opt in (("module", "CONFIG_MODULES=y"), ("fw", "CONFIG_TEST_FIRMWARE=y"), ("kexec", "CONFIG_KEXEC_FILE=y")):
        have[group] = opt in cfg
        ck.ok("kconfig-" + opt, have[group], f"the test kernel lacks {opt} (tests/kernel/ipe.config): "
              f"the {group} cases are NOT TESTED")
    wd = workdir("explain")
    g = Guest("explain", bz, wd)
    signer = Signer(keydir, wd)
    ipectl = guest_loader(g)
    # helpers and test programs
    _run(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror", "-o", g.path("/bin/ipe-explain-guest"),
          os.path.join(HERE, "guest", "ipe-explain-guest.c")])
    write(os.path.join(wd, "hello.c"), HELLO_C)
    write(os.path.join(wd, "pre.c"), PRE_C)
    hello = os.path.join(wd, "hello-dyn")
    _run(["gcc", "-O2", "-o", hello, os.path.join(wd, "hello.c")])
    _run(["gcc", "-O2", "-shared", "-fPIC", "-o", os.path.join(wd, "libpre.so"), os.path.join(wd, "pre.c")])
    g.add_dynamic(hello, "/bin/hello-dyn")
    ck.ok("ldso-in-guest", os.path.exists(g.path(LDSO)), f"{LDSO} was not copied into the initramfs")
    stage = os.path.join(wd, "fs")
    os.makedirs(os.path.join(stage, "fw"))
    static = g.path("/bin/ipe-guest")
    for name in ("app-allowed", "app-denied", "app-plain", "rt1", "rt2", "rt3"):
        _unique(static, os.path.join(stage, name), name)
    for name in ("dyn-allowed", "dyn-denied"):
        _unique(hello, os.path.join(stage, name), name)
    for name in ("libpre-allowed.so", "libpre-denied.so"):
        _unique(os.path.join(wd, "libpre.so"), os.path.join(stage, name), name)
    for name in ("script-allowed", "script-denied"):
        write(os.path.join(stage, name), f"#!/bin/sh\n# {name}\nexit 0\n")
        os.chmod(os.path.join(stage, name), 0o755)
    for name in ("mod-allowed.ko", "mod-denied.ko", "fw/fw-allowed.bin", "fw/fw-denied.bin",
                 "kexec-allowed", "kexec-denied"):
        write(os.path.join(stage, name), b"not a real image: IPE decides before parsing " + name.encode() * 50)
    img = os.path.join(wd, "disk.img")
    _run(["mkfs.ext4", "-q", "-F", "-O", "verity", "-b", "4096", "-d", stage, img, "32M"])
    dig = {}
    for name in VERITY:
        dig[name] = _run(["fsverity", "digest", "--hash-alg=sha256", "--block-size=4096",
                          os.path.join(stage, name)]).split()[0]
    pa = ("policy_name=explain policy_version=1.0.0\nDEFAULT action=ALLOW\n"
          "DEFAULT op=EXECUTE action=DENY\nDEFAULT op=KMODULE action=DENY\n"
          "DEFAULT op=FIRMWARE action=DENY\nDEFAULT op=KEXEC_IMAGE action=DENY\n"
          "op=EXECUTE boot_verified=TRUE action=ALLOW\n")
    for name, op in (("app-allowed", "EXECUTE"), ("dyn-allowed", "EXECUTE"), ("libpre-allowed.so", "EXECUTE"),
                     ("script-allowed", "EXECUTE"), ("mod-allowed.ko", "KMODULE"),
                     ("fw/fw-allowed.bin", "FIRMWARE"), ("kexec-allowed", "KEXEC_IMAGE")):
        pa += f"# {name}\nop={op} fsverity_digest={dig[name]} action=ALLOW\n"
    pr = ("policy_name=roundtrip policy_version=2.0.0\nDEFAULT action=ALLOW\n"
          "DEFAULT op=EXECUTE action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\n")
    pa_path = write(os.path.join(wd, "pa.pol"), pa)
    pr_path = write(os.path.join(wd, "pr.pol"), pr)
    for path, guest in ((pa_path, "/in/pa.p7b"), (pr_path, "/in/pr.p7b")):
        blob, _ = signer.sign(path, path[:-4] + ".p7b", force=False)
        g.add_file(blob, guest)
    g.add_disk(img)
    en = "\n".join(f"R en_{n.replace('/', '_')} $(ipe-guest verity-enable /mnt/{n})" for n in VERITY)
    # cases: (case, guest command whose output is the result word)
    cases = [
        ("exec_allowed", "ipe-guest exec /mnt/app-allowed hello"),
        ("exec_denied", "ipe-guest exec /mnt/app-denied hello"),
        ("exec_plain", "ipe-guest exec /mnt/app-plain hello"),
        ("exec_initramfs", "ipe-guest exec /bin/ipe-guest hello"),
        ("exec_tmpfs", "ipe-guest exec /tmp/app-copy hello"),
        ("script_allowed", "ipe-guest exec /mnt/script-allowed"),
        ("script_denied", "ipe-guest exec /mnt/script-denied"),
        ("script_via_sh", "ipe-guest exec /bin/sh /mnt/script-denied"),
        ("ldso_allowed", f"ipe-guest exec {LDSO} /mnt/dyn-allowed"),
        ("ldso_denied", f"ipe-guest exec {LDSO} /mnt/dyn-denied"),
        ("exec_dyn_denied", "ipe-guest exec /mnt/dyn-denied"),
        ("preload_allowed", "echo x$(LD_PRELOAD=/mnt/libpre-allowed.so /bin/hello-dyn 2>/dev/null)"),
        ("preload_denied", "echo x$(LD_PRELOAD=/mnt/libpre-denied.so /bin/hello-dyn 2>/dev/null)"),
        ("mmap_allowed", "ipe-explain-guest mmap-exec /mnt/app-allowed"),
        ("mmap_denied", "ipe-explain-guest mmap-exec /mnt/app-denied"),
        ("mprotect_allowed", "ipe-explain-guest mprotect /mnt/app-allowed"),
        ("mprotect_denied", "ipe-explain-guest mprotect /mnt/app-denied"),
        ("anon_exec", "ipe-explain-guest anon-exec"),
        ("anon_mprotect", "ipe-explain-guest anon-mprotect"),
        ("finit_allowed", "ipe-explain-guest finit /mnt/mod-allowed.ko"),
        ("finit_denied", "ipe-explain-guest finit /mnt/mod-denied.ko"),
        ("init_buffer", "ipe-explain-guest init /mnt/mod-allowed.ko"),
        ("fw_allowed", "ipe-explain-guest fw fw-allowed.bin"),
        ("fw_denied", "ipe-explain-guest fw fw-denied.bin"),
        ("kexec_allowed", "ipe-explain-guest kexec /mnt/kexec-allowed"),
        ("kexec_denied", "ipe-explain-guest kexec /mnt/kexec-denied"),
    ]
    group_of = {"finit": "module", "init": "module", "fw": "fw", "kexec": "kexec"}
    cases = [(c, cmd) for c, cmd in cases if have.get(group_of.get(c.split("_")[0]), True)]
    body = "\n".join(f"R {c} $({cmd})" for c, cmd in cases)
    sc = f"""
mount -t ext4 /dev/vda /mnt && R mount OK || R mount FAIL
{en}
cp /mnt/app-allowed /tmp/app-copy
{"echo -n /mnt/fw > /sys/module/firmware_class/parameters/path; R fw_path $(cat /sys/module/firmware_class/parameters/path)" if have["fw"] else ""}
dmesg -c > /dev/null
{_load(ipectl, "/in/pa.p7b", "explain", "load_pa")}
echo 1 > {S}/success_audit
{body}
echo 0 > {S}/success_audit
dmesg -c | grep 'type=1420' | sed 's/^/IPE-AUDIT1 /'
{_load(ipectl, "/in/pr.p7b", "roundtrip", "load_pr")}
echo 0 > {S}/enforce
R rt_permissive1 $(ipe-guest exec /mnt/rt1 hello)
R rt_permissive2 $(ipe-guest exec /mnt/rt2 hello)
echo 1 > {S}/enforce
dmesg -c | grep 'type=1420' | sed 's/^/IPE-AUDIT2 /'
"""
    results, lines = _boot(g, sc, 600)
    got = dict(results)
    ck.eq("mount", got.get("mount"), "OK")
    for n in VERITY:
        ck.eq("en_" + n, got.get("en_" + n.replace("/", "_")), "OK")
    if have["fw"]:
        ck.eq("fw_path", got.get("fw_path"), "/mnt/fw")
    for c in ("load_pa", "load_pr"):
        ck.eq(c + "_active", got.get(c + "_active"), "1", " | ".join(messages(lines, c)))

    # ---- 1. every outcome against ipe-explain's decision for the same event
    def kernel_decision(case):
        v = got.get(case)
        if case.startswith("preload"):
            return "ALLOW" if v == "xPRELOADED" else "DENY"
        if case.startswith("fw_"):
            return "ALLOW" if v == "OK" else "DENY"
        if case == "script_via_sh" or case.startswith("ldso_"):
            return "ALLOW" if v == "OK" else "DENY"  # ld.so reports a refused mmap as its own error
        return "DENY" if v == "EACCES" else "ALLOW"

    host = {  # case -> (ipe-explain args, index of the deciding event in its output)
        "exec_allowed": ["--assume-fsverity", f"{stage}/app-allowed"],
        "exec_denied": ["--assume-fsverity", f"{stage}/app-denied"],
        "exec_plain": [f"{stage}/app-plain"],
        "exec_initramfs": ["--boot-verified", g.path("/bin/ipe-guest")],
        "exec_tmpfs": [f"{stage}/app-plain"],  # a tmpfs file has no property at all
        "script_allowed": ["--assume-fsverity", f"{stage}/script-allowed"],
        "script_denied": ["--assume-fsverity", f"{stage}/script-denied"],
        # `sh SCRIPT`: the kernel only evaluates the interpreter (initramfs)
        "script_via_sh": ["--boot-verified", g.path("/bin/busybox")],
        "ldso_allowed": ["--assume-fsverity", f"{stage}/dyn-allowed"],
        "ldso_denied": ["--assume-fsverity", f"{stage}/dyn-denied"],
        "exec_dyn_denied": ["--assume-fsverity", f"{stage}/dyn-denied"],
        "preload_allowed": ["--assume-fsverity", f"{stage}/libpre-allowed.so"],
        "preload_denied": ["--assume-fsverity", f"{stage}/libpre-denied.so"],
        "mmap_allowed": ["--assume-fsverity", f"{stage}/app-allowed"],
        "mmap_denied": ["--assume-fsverity", f"{stage}/app-denied"],
        "mprotect_allowed": ["--assume-fsverity", f"{stage}/app-allowed"],
        "mprotect_denied": ["--assume-fsverity", f"{stage}/app-denied"],
        "anon_exec": ["--no-file"],
        "anon_mprotect": ["--no-file"],
        "finit_allowed": ["--op=KMODULE", "--assume-fsverity", f"{stage}/mod-allowed.ko"],
        "finit_denied": ["--op=KMODULE", "--assume-fsverity", f"{stage}/mod-denied.ko"],
        "init_buffer": ["--op=KMODULE", "--no-file"],
        "fw_allowed": ["--op=FIRMWARE", "--assume-fsverity", f"{stage}/fw/fw-allowed.bin"],
        "fw_denied": ["--op=FIRMWARE", "--assume-fsverity", f"{stage}/fw/fw-denied.bin"],
        "kexec_allowed": ["--op=KEXEC_IMAGE", "--assume-fsverity", f"{stage}/kexec-allowed"],
        "kexec_denied": ["--op=KEXEC_IMAGE", "--assume-fsverity", f"{stage}/kexec-denied"],
    }
    want_kernel = {c: ("DENY" if "denied" in c or c in ("exec_plain", "exec_tmpfs", "anon_exec", "anon_mprotect",
                                                         "init_buffer") else "ALLOW") for c, _ in cases}
    for c, _ in cases:
        j, r = _explain(explain, [pa_path] + host[c], ck, "explain-" + c)
        if not j:
            continue
        e = j["events"][0]
        kd = kernel_decision(c)
        ck.eq("kernel-" + c, kd, want_kernel[c], f"guest result {got.get(c)}")
        ck.eq("explain-" + c, e["decision"], kd, f"ipe-explain: {e['decision']} by {e['rule'] or 'nothing'}; "
              f"kernel result {got.get(c)}")

    # ---- 2. the kernel's own records against the predicted rules
    rootmap = os.path.join(wd, "rootmap")  # the guest's /mnt, offline
    os.makedirs(rootmap)
    shutil.copytree(stage, os.path.join(rootmap, "mnt"))
    for tag, pol, case in (("IPE-AUDIT1", pa_path, "audit-pa"), ("IPE-AUDIT2", pr_path, "audit-pr")):
        log_path = os.path.join(wd, tag.lower() + ".log")
        recs = [l[l.index(tag) + len(tag) + 1:] for l in lines if tag in l]
        write(log_path, "\n".join(recs) + "\n")
        j, r = _explain(explain, [pol, "--audit", log_path, "--root", rootmap, "--assume-fsverity"], ck, case)
        if not j:
            continue
        a = j["summary"].get("audit", {})
        log(f"{case}: {a.get('records')} records, {a.get('distinct_events')} distinct, "
            f"{a.get('mismatches')} mismatches, {a.get('not_checked')} not checked")
        ck.ok(case + "-records", a.get("records", 0) >= (10 if tag == "IPE-AUDIT1" else 2),
              f"too few IPE_ACCESS records in the kernel log: {a}")
        ck.eq(case + "-mismatches", a.get("mismatches"), 0,
              "; ".join(f"{e['path']} {e['audit']['hook']}: logged {e['audit']['logged_rule']} predicted "
                        f"{e['audit']['predicted_rule']}" for e in j["events"] if e["audit"]["rule_matches"] is False))
        ck.eq(case + "-exit", r.returncode, 0, r.stderr.strip()[:400])
        seen = {(e["path"], e["audit"]["hook"], e["op"]): e for e in j["events"]}
        if tag == "IPE-AUDIT1":
            keys = [k for k in (("/mnt/app-denied", "BPRM_CHECK", "EXECUTE"), ("/mnt/app-allowed", "BPRM_CHECK", "EXECUTE"),
                        ("/mnt/dyn-denied", "MMAP", "EXECUTE"), ("/mnt/libpre-denied.so", "MMAP", "EXECUTE"),
                        ("/mnt/app-denied", "MPROTECT", "EXECUTE"), (None, "MMAP", "EXECUTE"),
                        (None, "MPROTECT", "EXECUTE"), ("/mnt/mod-denied.ko", "KERNEL_READ", "KMODULE"),
                        (None, "KERNEL_LOAD", "KMODULE"), ("/mnt/fw/fw-denied.bin", "KERNEL_READ", "FIRMWARE"),
                        ("/mnt/kexec-denied", "KERNEL_READ", "KEXEC_IMAGE"),
                        ("/mnt/kexec-allowed", "KERNEL_READ", "KEXEC_IMAGE"),
                        ("/tmp/app-copy", "BPRM_CHECK", "EXECUTE"), ("/mnt/script-denied", "BPRM_CHECK", "EXECUTE"))
                    if have.get({"KMODULE": "module", "FIRMWARE": "fw", "KEXEC_IMAGE": "kexec"}.get(k[2]), True)]
            for key in keys:
                e = seen.get(key)
                ck.ok(f"{case}-{key[0]}-{key[1]}", e is not None and e["audit"]["rule_matches"] is True,
                      f"no checked, matching record for {key}: {json.dumps(e) if e else 'missing'}")

    # ---- 3. the round trip: propose from the permissive log, load it enforcing
    new = os.path.join(wd, "pr-new.pol")
    r = subprocess.run([explain, pr_path, "--audit", os.path.join(wd, "ipe-audit2.log"), "--root", rootmap,
                        "--assume-fsverity", "--propose=fsverity", "-o", new], capture_output=True, text=True)
    ck.ok("propose", r.returncode == 0 and os.path.exists(new), f"--propose failed (exit {r.returncode}): "
          f"{(r.stderr + r.stdout).strip()[:800]}")
    if not os.path.exists(new):
        ck.finish()
    text = open(new).read()
    log("proposed policy:\n" + text)
    ck.ok("propose-pins", dig["rt1"].split(":")[1] in text and dig["rt2"].split(":")[1] in text
          and dig["rt3"].split(":")[1] not in text, "the proposal does not pin exactly rt1 and rt2")
    g2 = Guest("explain", bz, os.path.join(wd, "boot2"))
    ipectl2 = guest_loader(g2)
    blob, _ = signer.sign(new, os.path.join(wd, "pr-new.p7b"), force=False)
    g2.add_file(blob, "/in/new.p7b")
    g2.add_disk(img)
    sc2 = f"""
mount -t ext4 /dev/vda /mnt && R mount OK || R mount FAIL
for f in rt1 rt2 rt3 app-denied; do R en_$f $(ipe-guest verity-enable /mnt/$f); done
{_load(ipectl2, "/in/new.p7b", "roundtrip", "load_new")}
R rt1 $(ipe-guest exec /mnt/rt1 hello)
R rt2 $(ipe-guest exec /mnt/rt2 hello)
R rt3 $(ipe-guest exec /mnt/rt3 hello)
R app_denied $(ipe-guest exec /mnt/app-denied hello)
R initramfs $(ipe-guest exec /bin/ipe-guest hello)
"""
    results2, lines2 = _boot(g2, sc2, 300)
    got2 = dict(results2)
    ck.eq("rt-load_new_active", got2.get("load_new_active"), "1", " | ".join(messages(lines2, "load_new")))
    for c, w in (("rt1", "OK"), ("rt2", "OK"), ("rt3", "EACCES"), ("app_denied", "EACCES"), ("initramfs", "OK")):
        ck.eq("rt-" + c, got2.get(c), w)
    ck.finish()
