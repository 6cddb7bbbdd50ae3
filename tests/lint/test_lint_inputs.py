#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One command for what authors write and what is deployed (issue 10 items 3-5).

- ipe-check on an ipe-compile source (--source, or detected with a note): the
  compiled policy is linted, findings point into the source files through
  includes and set expansion;
- ipe-check on a signed blob: the signed content is checked, the signer and the
  blob size against the 65,535-byte limit are reported (an oversized blob is an
  error with EMSGSIZE), a corrupt blob is one clear error (no garbage);
- ipe-compile runs the lint checks with ipe-check's options (--no-lint,
  --werror, --disable, --report-format/--report, --target), warns when the
  output is too big for a signed blob and fails with --signed;
- --target accepts releases newer than the table and 'running'.
Env: IPE_CHECK, IPE_COMPILE, IPE_SIGN (the build's tools).  Needs openssl(1).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

CHECK = os.environ.get("IPE_CHECK")
COMPILE = os.environ.get("IPE_COMPILE")
SIGN = os.environ.get("IPE_SIGN")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402


def check(name, cond, detail=""):
    return testlib.check(cond, ("%s %s" % (name, detail)).rstrip())


def run(tool, *args, cwd=None):
    return subprocess.run([tool] + list(args), capture_output=True, cwd=cwd)


def findings(r):
    doc = json.loads(r.stdout.decode("utf-8"))
    return [(d["code"], os.path.basename(d["location"]["file"]) if d["location"] else None,
             d["location"]["line"] if d["location"] else None, d)
            for f in doc["files"] for d in f["diagnostics"]]


HEAD = "policy_name=ext policy_version=0.0.1\nDEFAULT action=DENY\n"
MAIN = HEAD + """include "rules.inc"
set good {
  sha256:1111111111111111111111111111111111111111111111111111111111111111
  sha256:2222222222222222222222222222222222222222222222222222222222222222
}
op=EXECUTE fsverity_digest in @good action=ALLOW
op=KMODULE,FIRMWARE boot_verified=TRUE action=ALLOW
"""
RULES = "op=EXECUTE dmverity_signature=TRUE action=ALLOW\nop=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
# rules.inc:2 duplicates rules.inc:1; line 10 expands to two dead copies.
MAIN_DEAD = MAIN + "op=EXECUTE fsverity_digest in @good action=DENY\n"


def main():
    if not (CHECK and COMPILE and SIGN):
        print("set IPE_CHECK, IPE_COMPILE and IPE_SIGN")
        return 2
    if not shutil.which("openssl"):
        print("openssl(1) is needed (package openssl)")
        return 2
    tmp = tempfile.mkdtemp(prefix="ipe-lint-inputs-")
    P = lambda n: os.path.join(tmp, n)

    def write(name, data):
        return testlib.write(tmp, name, data)

    src = write("main.src", MAIN_DEAD)
    write("rules.inc", RULES)

    # ---- ipe-check on a source: detected.  The kernel's verdict on the file
    # stays (only the error it returns), the checks run on the compiled policy ----
    r = run(CHECK, "--format=json", src)
    f = findings(r)
    codes = [(c, fn, ln) for c, fn, ln, _ in f]
    doc = json.loads(r.stdout.decode("utf-8"))
    kv = doc["files"][0]["kernel_verdict"]
    check("source-detected-verdict", r.returncode == 1 and kv["errno"] == "EBADMSG" and kv["location"]["line"] == 3,
          (r.returncode, kv))
    check("source-detected-one-error", [x for x in codes if x[0].startswith("IPE-E")] == [("IPE-E010", "main.src", 3)],
          codes)
    check("source-detected-note", ("IPE-N001", "main.src", 1) in codes, codes)
    check("source-include-duplicate", ("IPE-W105", "rules.inc", 2) in codes, codes)
    # the DENY copies (line 10) are dead (rules.inc:1 and line 9 decide their
    # events first): each names its set member (lines 5, 6)
    dead = [d for c, fn, ln, d in f if c == "IPE-W102" and fn == "main.src" and ln == 10]
    members = sorted(rel["location"]["line"] for d in dead for rel in d["related"]
                     if "set member" in rel["message"])
    check("source-set-members", len(dead) == 2 and members == [5, 6], (codes, members))
    r = run(CHECK, "--source", src)
    check("source-verdict-says-compiled", b"kernel verdict on the policy it compiles to: accepted" in r.stdout,
          r.stdout[-300:])
    # --source: the same findings, no note
    r = run(CHECK, "--format=json", "--source", src)
    codes2 = [(c, fn, ln) for c, fn, ln, _ in findings(r)]
    check("source-flag", r.returncode == 0 and "IPE-N001" not in [c for c, _, _ in codes2]
          and set(codes2) == set(codes) - {("IPE-N001", "main.src", 1), ("IPE-E010", "main.src", 3)}, (codes2, codes))
    # a broken source is not "detected": the kernel's errors as before
    bad = write("bad.src", HEAD + 'include "missing.inc"\n')
    r = run(CHECK, "--format=json", bad)
    c3 = [c for c, _, _, _ in findings(r)]
    check("source-broken-not-detected", r.returncode == 1 and "IPE-N001" not in c3, (r.returncode, c3))

    # ---- ipe-compile runs the checks ----
    out = P("out.pol")
    r = run(COMPILE, "--no-source", "-o", out, src)
    err = r.stderr.decode()
    check("compile-lints", r.returncode == 0 and os.path.exists(out) and "rules.inc:2:1: warning" in err
          and "[IPE-W105]" in err and "main.src:5:3: note: this copy of the rule is expanded from this set member"
          in err, (r.returncode, err))
    os.unlink(out)
    r = run(COMPILE, "--no-lint", "-o", out, src)
    check("compile-no-lint", r.returncode == 0 and b"IPE-W" not in r.stderr, r.stderr)
    os.unlink(out)
    r = run(COMPILE, "--werror", "-o", out, src)
    check("compile-werror", r.returncode == 1 and not os.path.exists(out) and b"nothing written" in r.stderr,
          (r.returncode, r.stderr[-200:]))
    r = run(COMPILE, "--werror", "--disable=W105", "--disable=W102", "-o", out, src)
    check("compile-disable", r.returncode == 0 and os.path.exists(out) and b"IPE-W105" not in r.stderr,
          (r.returncode, r.stderr[-300:]))
    os.unlink(out)
    rep = P("report.json")
    r = run(COMPILE, "--report-format=json", "--report=" + rep, "-o", out, src)
    ok = r.returncode == 0 and os.path.exists(rep)
    doc = json.load(open(rep)) if ok else {}
    rcodes = [(d["code"], os.path.basename(d["location"]["file"]), d["location"]["line"])
              for fl in doc.get("files", []) for d in fl["diagnostics"]]
    check("compile-report-json", ok and ("IPE-W105", "rules.inc", 2) in rcodes, (r.returncode, rcodes))
    r = run(COMPILE, "--report=" + src, "-o", out, src)
    check("compile-report-not-input", r.returncode == 3 and open(src).read() == MAIN_DEAD, r.stderr)
    r = run(COMPILE, "--report-format=xml", src)
    check("compile-report-format-bad", r.returncode == 3, r.returncode)

    # ---- size: a warning, an error with --signed ----
    big = write("big.pol", HEAD + "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n"
                + "".join("op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW\n" % (i + 1) for i in range(700)))
    bout = P("big.out")
    r = run(COMPILE, "--no-source", "-o", bout, big)
    check("compile-size-warning", r.returncode == 0 and os.path.exists(bout)
          and b"warning: signed policy estimated at" in r.stderr and b"[IPE-E040]" in r.stderr, r.stderr[-300:])
    os.unlink(bout)
    r = run(COMPILE, "--no-source", "--signed", "-o", bout, big)
    check("compile-size-signed", r.returncode == 1 and not os.path.exists(bout)
          and b"error: signed policy estimated at" in r.stderr, (r.returncode, r.stderr[-300:]))

    # ---- --target ----
    small = write("small.pol", HEAD + "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n")
    for tool in (CHECK, COMPILE):
        r = run(tool, "--target=9.99", "-o", P("t.out"), small) if tool == COMPILE else run(tool, "--target=9.99", small)
        check("target-newer-%s" % os.path.basename(tool), r.returncode == 0 and b"is newer than the newest release"
              in r.stderr, (r.returncode, r.stderr))
        r = run(tool, "--target=running", "-o", P("t.out"), small) if tool == COMPILE else run(tool, "--target=running", small)
        check("target-running-%s" % os.path.basename(tool), r.returncode in (0, 1)
              and b"not a kernel release" not in r.stderr, (r.returncode, r.stderr))
        r = run(tool, "--target=6.x", small)
        check("target-bad-%s" % os.path.basename(tool), r.returncode == 3, r.returncode)

    # ---- ipe-check on a signed blob ----
    key, cert = P("k.pem"), P("c.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", "/CN=Lint Test Signer", "-days", "30"], capture_output=True, check=True)
    pol = write("dead.pol", HEAD + "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n"
                "op=EXECUTE action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\n")
    blob = P("dead.p7b")
    r = run(SIGN, "sign", "-k", key, "-c", cert, "-o", blob, pol)
    check("sign", r.returncode == 0, r.stderr)
    r = run(CHECK, "--format=json", blob)
    f = findings(r)
    codes = [(c, ln) for c, _, ln, _ in f]
    note = [d for c, _, _, d in f if c == "IPE-S030"]
    size = os.path.getsize(blob)
    check("blob-content-linted", r.returncode == 0 and ("IPE-W102", 6) in codes
          and not any(c.startswith("IPE-E0") for c, _ in codes), (r.returncode, codes))
    check("blob-note", len(note) == 1 and note[0]["severity"] == "note" and "%d bytes" % size in note[0]["message"]
          and "65,535" in note[0]["message"] and "CN=Lint Test Signer" in note[0]["message"], note)
    r = run(CHECK, blob)
    check("blob-text", r.returncode == 0 and b"dead.p7b (signed content): kernel verdict: accepted" in r.stdout,
          r.stdout[-300:])
    # an oversized blob (openssl can make one; ipe-sign refuses): EMSGSIZE, exit 1
    hugep = write("huge.pol", HEAD + "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n"
                  + "".join("op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW\n" % (i + 1) for i in range(800)))
    huge = P("huge.p7b")
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-nodetach", "-noattr", "-outform", "DER", "-in", hugep,
                    "-signer", cert, "-inkey", key, "-out", huge, "-md", "sha256"], capture_output=True, check=True)
    r = run(CHECK, "--format=json", huge)
    f = findings(r)
    over = [d for c, _, _, d in f if c == "IPE-S030"]
    check("blob-over-limit", r.returncode == 1 and len(over) == 1 and over[0]["severity"] == "error"
          and over[0]["kernel_errno"] == "EMSGSIZE" and os.path.getsize(huge) > 65535,
          (r.returncode, over, os.path.getsize(huge)))
    # a corrupt blob: one clear error, not a dozen garbage diagnostics
    data = open(blob, "rb").read()
    write("corrupt.p7b", data[:40])
    r = run(CHECK, "--no-source", P("corrupt.p7b"))
    err = r.stdout.decode("utf-8", "replace")
    check("blob-corrupt", r.returncode == 1 and "[IPE-S030]" in err and "found '0" not in err
          and "[IPE-E0" not in err, err)

    shutil.rmtree(tmp)
    return testlib.finish()


if __name__ == "__main__":
    sys.exit(main())
