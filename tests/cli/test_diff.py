#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ipe-check --diff end to end: exit statuses, the text report, the JSON
contract of issue #14 (exact keys), the GitHub annotations, signed blobs as
inputs, and the refusal to overwrite an input.  The expected changes are
written by hand from the two policies below (not from the tool's output).
Environment (set by meson): IPE_CHECK, IPE_SIGN."""
import json
import os
import subprocess
import sys
import tempfile

CHECK = os.environ["IPE_CHECK"]
SIGN = os.environ["IPE_SIGN"]
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402


def check(name, cond, detail=""):
    return testlib.check(cond, name + ("\n     " + str(detail)[:600] if detail else ""))


def run(*args):
    p = subprocess.run([CHECK, *args], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


D = "sha256:" + "ab12cd34" * 8
OLD = f"""policy_name=prod policy_version=1.0.0
DEFAULT action=DENY
# trusted volume
op=EXECUTE dmverity_signature=TRUE action=ALLOW
op=EXECUTE fsverity_digest={D} action=DENY
op=EXECUTE boot_verified=TRUE action=ALLOW
op=KMODULE boot_verified=TRUE action=ALLOW
"""
# line 3: the digest rule moved above the signature rule (narrows signed
# volumes for that digest); line 6: KMODULE allowed for everything (widens)
NEW = f"""policy_name=prod policy_version=1.0.1
DEFAULT action=DENY
op=EXECUTE fsverity_digest={D} action=DENY
op=EXECUTE dmverity_signature=TRUE action=ALLOW
op=EXECUTE boot_verified=TRUE action=ALLOW
op=KMODULE action=ALLOW
"""
# the same decisions as OLD: comments, spacing, a swap of disjoint rules
SAME = f"""# reviewed
policy_name=prod    policy_version=1.0.2
DEFAULT action=DENY
op=KMODULE boot_verified=TRUE action=ALLOW
op=EXECUTE dmverity_signature=TRUE action=ALLOW
op=EXECUTE fsverity_digest={D} action=DENY
op=EXECUTE boot_verified=TRUE action=ALLOW
"""

with tempfile.TemporaryDirectory() as tmp:
    def w(name, text):
        path = os.path.join(tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    old, new, same = w("old.pol", OLD), w("new.pol", NEW), w("same.pol", SAME)
    bad = w("bad.pol", "policy_name=x policy_version=1.0.0\nop=EXEC action=ALLOW\n")
    renamed = w("renamed.pol", NEW.replace("policy_name=prod", "policy_name=other"))

    # ---- exit statuses and the text report
    rc, out, err = run("--diff", old, same)
    check("no decision changed: exit 0", rc == 0, err)
    check("no decision changed: says so", "no decision changed" in out, out)
    check("no decision changed: header is an allowed update", "NEW is an allowed update of OLD" in out, out)
    rc, out, err = run("--diff", old, new)
    check("changed decisions: exit 1", rc == 1, err)
    check("text: two changes counted", "2 decision changes (1 widening to ALLOW, 1 narrowing to DENY)" in out, out)
    check("text: widening first (KMODULE group before EXECUTE)",
          0 <= out.find("op=KMODULE") < out.find("op=EXECUTE"), out)
    check("text: the old line with its text", f"{old}:4: op=EXECUTE dmverity_signature=TRUE action=ALLOW" in out, out)
    check("text: the new line with its text", f"{new}:3: op=EXECUTE fsverity_digest={D} action=DENY" in out, out)
    check("text: the old DEFAULT line", f"{old}:2: DEFAULT action=DENY" in out, out)
    check("text: events of the KMODULE change described",
          "files that are not boot-verified, and events with no file" in out, out)
    check("text: events of the EXECUTE change described",
          "with fsverity_digest=sha256:ab12cd34ab12cd34... that are on a dm-verity volume with a verified signature"
          in out, out)
    rc, out, err = run("-q", "--diff", old, new)
    check("-q: exit 1, nothing printed", rc == 1 and out == "", out)
    rc, out, err = run("--diff", old)
    check("one policy: exit 3", rc == 3, err)
    rc, out, err = run("--diff", old, new, same)
    check("three policies: exit 3", rc == 3, err)
    rc, out, err = run("--diff", "--format=sarif", old, new)
    check("sarif: exit 3", rc == 3, err)
    rc, out, err = run("--diff", old, os.path.join(tmp, "missing.pol"))
    check("missing input: exit 2", rc == 2 and "missing.pol" in err, err)
    rc, out, err = run("--diff", old, bad)
    check("rejected input: exit 2 with the reason", rc == 2 and "EBADMSG" in err, err)
    before = open(new).read()
    rc, out, err = run("--diff", "-o", new, old, new)
    check("-o naming an input: exit 2, input untouched", rc == 2 and open(new).read() == before and "refusing" in err, err)
    rc, out, err = run("--diff", "-o", os.path.join(tmp, "..", os.path.basename(tmp), "new.pol"), old, new)
    check("-o naming an input by another spelling: exit 2", rc == 2 and open(new).read() == before, err)
    rep = os.path.join(tmp, "report.txt")
    rc, out, err = run("--diff", "-o", rep, old, new)
    check("-o writes the report", rc == 1 and out == "" and "op=KMODULE" in open(rep).read(), err)

    # ---- header
    rc, out, err = run("--diff", new, old)
    check("older version: ESTALE", "NEW cannot update OLD (ESTALE" in out, out)
    rc, out, err = run("--diff", old, renamed)
    check("renamed: EINVAL", "policy_name 'prod' -> 'other'" in out and "(EINVAL" in out, out)

    # ---- JSON: exactly the contract
    rc, out, err = run("--diff", "--format=json", old, new)
    check("json: exit 1", rc == 1, err)
    doc = json.loads(out)
    dd = doc["diff"]
    check("json: top level is {diff}", list(doc) == ["diff"], list(doc))
    check("json: equivalent false", dd["equivalent"] is False)
    ch = dd["changes"]
    keys = ["op", "old_action", "new_action", "old_line", "new_line", "witness"]
    check("json: change keys exactly the contract", all(list(c) == keys for c in ch), [list(c) for c in ch])
    want = [("EXECUTE", "ALLOW", "DENY", 4, 3), ("KMODULE", "DENY", "ALLOW", 2, 6)]
    got = sorted((c["op"], c["old_action"], c["new_action"], c["old_line"], c["new_line"]) for c in ch)
    check("json: the two hand-derived changes", got == want, got)
    ex = [c for c in ch if c["op"] == "EXECUTE"][0]["witness"]
    check("json: EXECUTE witness keys", sorted(ex) == ["boot_verified", "dmverity_roothash", "dmverity_signature",
                                                      "fsverity_digest", "fsverity_signature"], ex)
    check("json: EXECUTE witness is a signed dm-verity file with the digest",
          ex["dmverity_signature"] is True and ex["fsverity_digest"] == D and ex["boot_verified"] is False
          and ex["dmverity_roothash"] is not None and ex["dmverity_roothash"].startswith("sha256:"), ex)
    km = [c for c in ch if c["op"] == "KMODULE"][0]["witness"]
    check("json: KMODULE witness (not boot-verified)",
          km == {"file": False} or km.get("boot_verified") is False, km)
    check("json: update allowed", dd["update"] == {"allowed": True, "errno": None}, dd["update"])
    check("json: old/new headers", dd["old"]["name"] == "prod" and dd["new"]["version"] == "1.0.1", dd)
    rc, out, err = run("--diff", "--format=json", old, same)
    check("json: no change", rc == 0 and json.loads(out)["diff"]["changes"] == [] and
          json.loads(out)["diff"]["equivalent"] is True, out)
    rc, out, err = run("--diff", "--format=json", new, old)
    check("json: ESTALE named", json.loads(out)["diff"]["update"] == {"allowed": False, "errno": "ESTALE"}, out)
    # every op has its DEFAULT but there is no global one: an operation the
    # kernel cannot classify is then allowed by no line at all
    ops = ["EXECUTE", "FIRMWARE", "KMODULE", "KEXEC_IMAGE", "KEXEC_INITRAMFS", "POLICY", "X509_CERT"]
    nodef = w("nodef.pol", "policy_name=prod policy_version=2.0.0\n" +
              "".join(f"DEFAULT op={o} action=DENY\n" for o in ops))
    rc, out, err = run("--diff", "--format=json", old, nodef)
    cs = json.loads(out)["diff"]["changes"]
    check("json: unclassifiable events: op null, new_line null (no DEFAULT applies)",
          [c for c in cs if c["op"] is None] ==
          [{"op": None, "old_action": "DENY", "new_action": "ALLOW", "old_line": 2, "new_line": None,
            "witness": {"file": False}}], cs)

    # ---- GitHub annotations on NEW's lines
    rc, out, err = run("--diff", "--format=github", old, new)
    lines = out.splitlines()
    check("github: one annotation per change", len(lines) == 2, out)
    check("github: widening is a warning on NEW line 6",
          any(l.startswith(f"::warning file={new},line=6,") and "title=IPE-W190::op=KMODULE: DENY -> ALLOW" in l
              for l in lines), out)
    check("github: narrowing is a notice on NEW line 3",
          any(l.startswith(f"::notice file={new},line=3,") and "IPE-I209" in l for l in lines), out)
    rc, out, err = run("--diff", "--format=github", new, old)
    check("github: ESTALE is an error on the version", f"::error file={old},line=1," in out and "IPE-E043" in out, out)

    # ---- signed blobs as inputs
    key, cert = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.pem")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-subj", "/CN=ipe diff test", "-days", "1"], capture_output=True)
    check("openssl made a test key", r.returncode == 0, r.stderr)
    blob = os.path.join(tmp, "new.p7b")
    r = subprocess.run([SIGN, "sign", "--key", key, "--cert", cert, new, "-o", blob], capture_output=True, text=True)
    check("ipe-sign signed NEW", r.returncode == 0, r.stderr)
    rc, out, err = run("--diff", "--format=json", old, blob)
    got = sorted((c["op"], c["old_action"], c["new_action"], c["old_line"], c["new_line"])
                 for c in json.loads(out)["diff"]["changes"]) if rc == 1 else None
    check("blob NEW: the same changes as its text", got == want, (rc, err, got))

sys.exit(testlib.finish())
