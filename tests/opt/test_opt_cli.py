#!/usr/bin/env python3
"""ipe-check --equivalent witnesses on hand-made pairs; ipe-compile -O on the corpus."""
import glob, os, subprocess, sys, tempfile

CHECK = os.environ.get("IPE_CHECK", "build/src/tools/ipe-check")
COMPILE = os.environ.get("IPE_COMPILE", "build/src/tools/ipe-compile")
SRC = os.environ.get("IPE_SOURCE_ROOT", ".")
fails = 0
HDR = "policy_name=t policy_version=0.0.1\n"

def fail(msg):
    global fails
    fails += 1
    print("FAIL:", msg)

def run(args):
    return subprocess.run(args, capture_output=True, text=True, errors='replace')

tmp = tempfile.mkdtemp()
def write(name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p

PAIRS = [
    # (A, B, expected: None = equivalent, else lines the output must contain)
    (HDR + "DEFAULT action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\n",
     HDR + "DEFAULT action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\nop=EXECUTE boot_verified=TRUE action=DENY\n",
     None),
    (HDR + "DEFAULT action=ALLOW\nDEFAULT op=EXECUTE action=ALLOW\n", HDR + "DEFAULT action=ALLOW\n", None),
    (HDR + "DEFAULT action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\nop=EXECUTE boot_verified=FALSE action=ALLOW\n",
     HDR + "DEFAULT action=DENY\nop=EXECUTE action=ALLOW\n", None),
    # cross case: order of a root-hash rule and a digest rule
    (HDR + "DEFAULT action=DENY\nop=EXECUTE dmverity_roothash=sha256:aa action=ALLOW\nop=EXECUTE fsverity_digest=sha256:01 action=DENY\n",
     HDR + "DEFAULT action=DENY\nop=EXECUTE fsverity_digest=sha256:01 action=DENY\nop=EXECUTE dmverity_roothash=sha256:aa action=ALLOW\n",
     ["event: op=EXECUTE file: boot_verified=FALSE dmverity_signature=FALSE dmverity_roothash=sha256:aa "
      "fsverity_signature=FALSE fsverity_digest=sha256:01",
      "a.pol: ALLOW by the rule at line 3: op=EXECUTE dmverity_roothash=sha256:aa action=ALLOW",
      "b.pol: DENY by the rule at line 3: op=EXECUTE fsverity_digest=sha256:01 action=DENY"]),
    # no-file event decided differently
    (HDR + "DEFAULT action=ALLOW\nop=KMODULE boot_verified=FALSE action=DENY\n",
     HDR + "DEFAULT action=ALLOW\nop=KMODULE boot_verified=FALSE fsverity_signature=TRUE action=DENY\n",
     ["event: op=KMODULE file: boot_verified=FALSE dmverity_signature=FALSE dmverity_roothash=(none) "
      "fsverity_signature=FALSE fsverity_digest=(none)",
      "a.pol: DENY by the rule at line 3: op=KMODULE boot_verified=FALSE action=DENY",
      "b.pol: ALLOW by the global DEFAULT at line 2"]),
    # unclassified ops: only the global DEFAULT differs
    (HDR + "DEFAULT action=ALLOW\n" + "".join("DEFAULT op=%s action=DENY\n" % o for o in
        ["EXECUTE", "FIRMWARE", "KMODULE", "KEXEC_IMAGE", "KEXEC_INITRAMFS", "POLICY", "X509_CERT"]),
     HDR + "".join("DEFAULT op=%s action=DENY\n" % o for o in
        ["EXECUTE", "FIRMWARE", "KMODULE", "KEXEC_IMAGE", "KEXEC_INITRAMFS", "POLICY", "X509_CERT"]) ,
     None),
    (HDR + "DEFAULT action=DENY\n" + "".join("DEFAULT op=%s action=DENY\n" % o for o in
        ["EXECUTE", "FIRMWARE", "KMODULE", "KEXEC_IMAGE", "KEXEC_INITRAMFS", "POLICY", "X509_CERT"]),
     HDR + "".join("DEFAULT op=%s action=DENY\n" % o for o in
        ["EXECUTE", "FIRMWARE", "KMODULE", "KEXEC_IMAGE", "KEXEC_INITRAMFS", "POLICY", "X509_CERT"]),
     ["event: an event of an operation the kernel cannot classify",
      "a.pol: DENY by the global DEFAULT at line 2", "b.pol: ALLOW: no rule matches and no DEFAULT applies"]),
    # an unnamed root hash
    (HDR + "DEFAULT action=DENY\nop=EXECUTE dmverity_signature=TRUE action=ALLOW\n",
     HDR + "DEFAULT action=DENY\nop=EXECUTE dmverity_signature=TRUE dmverity_roothash=sha256:aa action=ALLOW\n",
     ["dmverity_signature=TRUE dmverity_roothash=(a value neither policy names)"]),
]

for i, (a, b, want) in enumerate(PAIRS):
    pa, pb = write("a.pol", a), write("b.pol", b)
    r = run([CHECK, "--equivalent", pa, pb])
    if want is None:
        if r.returncode != 0 or "are equivalent" not in r.stdout:
            fail("pair %d: expected equivalent, got %d: %s%s" % (i, r.returncode, r.stdout, r.stderr))
        continue
    if r.returncode != 1:
        fail("pair %d: expected exit 1, got %d: %s%s" % (i, r.returncode, r.stdout, r.stderr))
    for line in want:
        line = line.replace("a.pol:", pa + ":").replace("b.pol:", pb + ":")
        if line not in r.stdout:
            fail("pair %d: missing %r in:\n%s" % (i, line, r.stdout))

# usage errors
r = run([CHECK, "--equivalent", write("one.pol", HDR + "DEFAULT action=ALLOW\n")])
if r.returncode != 3:
    fail("--equivalent with one file should be a usage error, got %d" % r.returncode)
r = run([CHECK, "--equivalent", write("bad.pol", "garbage\n"), write("one.pol", HDR + "DEFAULT action=ALLOW\n")])
if r.returncode != 1 or "reject" not in r.stderr:
    fail("--equivalent with a rejected policy: %d %s" % (r.returncode, r.stderr))

# -O on every accepted corpus case: ipe-compile proves it internally; check again with ipe-check
n_ok = saved = 0
for pol in sorted(glob.glob(os.path.join(SRC, "tests/corpus/cases/*.pol"))):
    plain = os.path.join(tmp, "plain.pol")
    opt = os.path.join(tmp, "opt.pol")
    r = run([COMPILE, "-q", "-o", plain, pol])
    if r.returncode != 0:
        continue  # not a policy the kernel accepts
    r = run([COMPILE, "-O", "-o", opt, pol])
    if r.returncode != 0:
        fail("%s: -O failed: %s" % (pol, r.stderr))
        continue
    r2 = run([CHECK, "--equivalent", plain, opt])
    if r2.returncode != 0:
        fail("%s: optimized output not equivalent:\n%s" % (pol, r2.stdout))
    saved += os.path.getsize(plain) - os.path.getsize(opt)
    n_ok += 1
if n_ok < 50:
    fail("only %d corpus cases compiled" % n_ok)

# the passes can be chosen; unknown ones are refused
src = write("o.pol", HDR + "DEFAULT action=DENY\nop=EXECUTE boot_verified=TRUE boot_verified=TRUE action=ALLOW\n"
            "op=EXECUTE boot_verified=TRUE action=DENY\n")
r = run([COMPILE, "--opt=dup-props", "-o", "-", src])
if "op=EXECUTE boot_verified=TRUE action=DENY" not in r.stdout or "TRUE boot_verified" in r.stdout:
    fail("--opt=dup-props: %s" % r.stdout)
r = run([COMPILE, "--opt=nonsense", "-o", "-", src])
if r.returncode != 3:
    fail("--opt=nonsense should be a usage error")
r = run([COMPILE, "-O", "-o", "-", src])
if "action=DENY" in r.stdout.split("\n", 2)[2] or "saved" not in r.stderr:
    fail("-O: %s %s" % (r.stdout, r.stderr))

print("opt-cli: %d pairs, %d corpus cases optimized (%d bytes saved), %d failures" % (len(PAIRS), n_ok, saved, fails))
sys.exit(1 if fails else 0)
