#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ipectl end to end against fake securityfs trees.

A fake tree is honest for reading (status, show, the preflight's view of
what is loaded) and for what ipectl writes where (one write, exact bytes).
It cannot reproduce kernel errnos: the real-kernel suite (tests/kernel/)
proves those.  Keys and blobs are generated here with the openssl CLI in a
temporary directory; nothing secret is committed.
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import failures, put, read  # noqa: E402,F401

IPECTL = testlib.tool("IPECTL", "ipectl")


def check(cond, what):
    return testlib.check(cond, what, sys.stderr)


def run(*args, root=None):
    cmd = [IPECTL]
    if root is not None:
        cmd += ["--securityfs", root]
    cmd += list(args)
    p = subprocess.run(cmd, capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def sign(tmp, name, text, extra=(), pem=False):
    pol = os.path.join(tmp, name + ".pol")
    out = os.path.join(tmp, name + ".p7b")
    with open(pol, "wb") as f:
        f.write(text.encode() if isinstance(text, str) else text)
    args = ["cms", "-sign", "-binary", "-nosmimecap", "-noattr", "-nodetach",
            "-in", pol, "-signer", os.path.join(tmp, "cert.pem"),
            "-inkey", os.path.join(tmp, "key.pem"), "-out", out]
    args += ["-outform", "PEM" if pem else "DER"]
    args += list(extra)
    openssl(*args)
    with open(out, "rb") as f:
        return out, f.read()


def fake_tree(tmp, old_blob):
    root = tempfile.mkdtemp(dir=tmp, prefix="fs-")
    put(f"{root}/lsm", "lockdown,capability,ipe")
    put(f"{root}/ipe/enforce", "1")
    put(f"{root}/ipe/success_audit", "0")
    put(f"{root}/ipe/new_policy", "")
    for name, ver, active in (("boot", "0.0.1", "1"), ("old", "2.0.0", "0")):
        d = f"{root}/ipe/policies/{name}"
        put(f"{d}/version", ver)
        put(f"{d}/active", active)
        put(f"{d}/name", name)
        for node in ("update", "delete"):
            put(f"{d}/{node}", "")
    put(f"{root}/ipe/policies/boot/policy", "policy_name=boot policy_version=0.0.1\nDEFAULT action=ALLOW\n")
    put(f"{root}/ipe/policies/old/pkcs7", old_blob)
    put(f"{root}/ipe/policies/old/policy", "policy_name=old policy_version=2.0.0\nDEFAULT action=ALLOW\n")
    return root


def main():
    tmp = tempfile.mkdtemp(prefix="ipectl-cli-")
    try:
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{tmp}/key.pem",
                "-out", f"{tmp}/cert.pem", "-subj", "/CN=ipectl test", "-days", "1")
        old_path, old_blob = sign(tmp, "old", "policy_name=old policy_version=2.0.0\nDEFAULT action=ALLOW\n")
        older_path, _ = sign(tmp, "older", "policy_name=old policy_version=1.9.9\nDEFAULT action=DENY\n")
        same_ver_path, _ = sign(tmp, "samever", "policy_name=old policy_version=2.0.0\nDEFAULT action=DENY\n")
        newer_path, newer_blob = sign(tmp, "newer", "policy_name=old policy_version=2.1.0\nDEFAULT action=DENY\n")
        p1_path, p1_blob = sign(tmp, "p1", "policy_name=p1 policy_version=1.0.0\nDEFAULT action=ALLOW\n")
        bad_path, _ = sign(tmp, "bad", "policy_name=bad policy_version=1.0.0\nDEFAULT action=ALLOW\n"
                           "op=EXECUTE bogus=1 action=ALLOW\n")
        pem_path, _ = sign(tmp, "pem", "policy_name=pem policy_version=1.0.0\nDEFAULT action=ALLOW\n", pem=True)
        # a detached signature (no -nodetach)
        det_path = f"{tmp}/det.p7b"
        put(f"{tmp}/det.pol", "policy_name=det policy_version=1.0.0\nDEFAULT action=ALLOW\n")
        openssl("cms", "-sign", "-binary", "-nosmimecap", "-noattr", "-outform", "DER",
                "-in", f"{tmp}/det.pol", "-signer", f"{tmp}/cert.pem", "-inkey", f"{tmp}/key.pem",
                "-out", det_path)
        big_text = "policy_name=big policy_version=1.0.0\nDEFAULT action=ALLOW\n" + \
            "".join(f"op=EXECUTE fsverity_digest=sha256:{i:064x} action=DENY\n" for i in range(900))
        big_path, big_blob = sign(tmp, "big", big_text)
        check(len(big_blob) > 65535, "big blob is big")

        # ---- help, version, usage ----
        rc, out, err = run("--help")
        check(rc == 0 and "Usage: ipectl" in out and "activate NAME" in out and "Exit status" in out,
              "--help")
        rc, out, _ = run("--version")
        check(rc == 0 and out.startswith("ipectl "), "--version")
        for args in (["frobnicate"], [], ["load"], ["update", "x"], ["enforce", "maybe"],
                     ["--format=xml", "status"], ["status", "--activate"], ["show", "x", "--policy", "--pkcs7"],
                     ["show", "x", "--pkcs7", "--format=json"]):
            rc, out, err = run(*args)
            check(rc == 3 and out == "" and "ipectl: error:" in err, f"usage error {args}: rc={rc}")

        # ---- status ----
        root = fake_tree(tmp, old_blob)
        rc, out, err = run("status", root=root)
        check(rc == 0, "status rc")
        check("enforce: on" in out and "success_audit: off" in out, "status switches")
        check('active: "boot" 0.0.1' in out, "status active")
        digest = hashlib.sha256(old_blob).hexdigest()
        check(f'"old" 2.0.0 inactive signed {len(old_blob)} bytes policy_digest=sha256:{digest}' in out,
              "status line of old")
        check('"boot" 0.0.1 active unsigned(boot)' in out, "status line of boot")
        rc, out, err = run("status", "--format=json", root=root)
        st = json.loads(out)
        check(rc == 0 and st["ipe_enabled"] and st["lsm_listed"] and st["enforce"] is True, "status json")
        check(st["active"] == {"name": "boot", "version": "0.0.1"}, "status json active")
        pol = {p["name"]: p for p in st["policies"]}
        check(pol["old"]["policy_digest"] == "sha256:" + digest and pol["old"]["signed"], "json digest")
        check(pol["boot"]["policy_digest"] is None and not pol["boot"]["signed"], "json boot unsigned")

        empty = tempfile.mkdtemp(dir=tmp)
        rc, out, err = run("status", root=empty)
        check(rc == 5 and "not enabled" in out and "IPECTL-K-NOIPE" in err, "status without IPE")
        rc, out, err = run("status", "-f", "json", root=empty)
        check(rc == 5 and json.loads(out)["ipe_enabled"] is False and err == "", "status json without IPE")
        rc, out, err = run("load", p1_path, root=empty)
        check(rc == 5 and "does not exist" in err, f"load without IPE rc={rc}")

        # ---- load: identical / older / newer ----
        rc, out, err = run("load", old_path, root=root)
        check(rc == 0 and "already loaded with the same blob" in out, f"load identical rc={rc} {err}")
        rc, out, err = run("load", old_path, "--format=json", root=root)
        j = json.loads(out)
        check(rc == 0 and j["ok"] and j["action"] == "unchanged" and err == "", "load identical json")
        rc, out, err = run("load", "-q", old_path, root=root)
        check(rc == 0 and out == "", "quiet")

        for path in (older_path, same_ver_path):
            rc, out, err = run("load", path, root=root)
            check(rc == 4 and "errno=ESTALE" in err and "IPECTL-P007" in err and "2.0.0" in err,
                  f"load not-newer {path}: rc={rc} {err}")
        check(read(f"{root}/ipe/new_policy") == b"" and read(f"{root}/ipe/policies/old/update") == b"",
              "refusal wrote nothing")
        # newer: becomes an update of policies/old/update with exactly the blob;
        # a fake tree does not change version, so the read-back check fails (6)
        rc, out, err = run("load", newer_path, root=root)
        check(read(f"{root}/ipe/policies/old/update") == newer_blob, "load newer wrote update node")
        check(rc == 6 and "IPECTL-V001" in err and "reads back as version 2.0.0, expected 2.1.0" in err,
              f"load newer verify: rc={rc} {err}")
        # a new name goes to new_policy, whole
        rc, out, err = run("load", p1_path, root=root)
        check(read(f"{root}/ipe/new_policy") == p1_blob, "load wrote new_policy whole")
        check(rc == 6 and 'policy "p1" is not listed' in err, f"load new verify rc={rc}")

        # ---- preflight refusals: nothing written ----
        root = fake_tree(tmp, old_blob)
        rc, out, err = run("load", bad_path, root=root)
        check(rc == 4 and "IPECTL-P003" in err and "errno=EBADMSG" in err, f"bad policy rc={rc} {err}")
        check("bad.p7b (signed policy):3:" in err, "bad policy diagnostic has a location")
        rc, out, err = run("load", pem_path, root=root)
        check(rc == 4 and "PEM" in err and "errno=EBADMSG" in err, f"pem rc={rc}")
        rc, out, err = run("load", det_path, root=root)
        check(rc == 4 and "detached" in err and "errno=EKEYREJECTED" in err, f"detached rc={rc} {err}")
        rc, out, err = run("load", big_path, root=root)
        check(rc == 4 and "errno=EMSGSIZE" in err and str(len(big_blob)) in err, f"big rc={rc} {err}")
        rc, out, err = run("update", "old", p1_path, root=root)
        check(rc == 4 and "errno=EINVAL" in err and 'holds policy "p1" but the update targets "old"' in err,
              f"update name mismatch rc={rc} {err}")
        rc, out, err = run("update", "old", older_path, root=root)
        check(rc == 4 and "errno=ESTALE" in err, f"update older rc={rc}")
        rc, out, err = run("update", "old", same_ver_path, root=root)
        check(rc == 4 and "errno=ESTALE" in err and "not newer than the loaded version 2.0.0" in err,
              f"update same version rc={rc} {err}")
        rc, out, err = run("update", "nope", p1_path, root=root)
        check(rc == 5 and "IPECTL-P010" in err, f"update missing rc={rc}")
        rc, out, err = run("delete", "boot", root=root)
        check(rc == 4 and "errno=EPERM" in err and "active policy" in err, f"delete active rc={rc}")
        rc, out, err = run("load", f"{tmp}/missing.p7b", root=root)
        check(rc == 2 and "cannot read" in err, f"missing blob rc={rc}")
        check(read(f"{root}/ipe/new_policy") == b"" and read(f"{root}/ipe/policies/old/update") == b""
              and read(f"{root}/ipe/policies/boot/delete") == b"", "preflight refusals wrote nothing")
        # json failure: one object on stdout, nothing on stderr
        rc, out, err = run("--format=json", "update", "old", older_path, root=root)
        j = json.loads(out)
        check(rc == 4 and not j["ok"] and j["error"]["errno"] == "ESTALE" and j["exit_code"] == 4
              and j["error"]["code"] == "IPECTL-P007" and err == "", f"json failure {out} {err}")
        # --no-preflight writes and lets the kernel judge
        rc, out, err = run("--no-preflight", "update", "old", older_path, root=root)
        check(read(f"{root}/ipe/policies/old/update") == read(older_path), "no-preflight writes")

        # ---- activation ----
        root = fake_tree(tmp, old_blob)
        rc, out, err = run("activate", "old", root=root)
        check(rc == 0 and 'activated policy "old" 2.0.0' in out, f"activate rc={rc} {err}")
        check(read(f"{root}/ipe/policies/old/active") == b"1", "activate wrote 1")
        put(f"{root}/ipe/policies/boot/active", "0")
        rc, out, err = run("activate", "old", root=root)
        check(rc == 0 and "already active" in out, "already active")
        rc, out, err = run("activate", "boot", root=root)
        check(rc == 4 and "errno=EINVAL" in err and '"boot" 0.0.1 is older than the active policy "old" 2.0.0' in err,
              f"activate lower rc={rc} {err}")
        rc, out, err = run("load", "--activate", p1_path, root=root)
        check(rc == 4 and "could not be activated" in err and read(f"{root}/ipe/new_policy") == b"",
              f"load --activate lower refused before loading rc={rc}")
        rc, out, err = run("activate", "nope", root=root)
        check(rc == 5, "activate missing")

        # ---- delete, switches ----
        rc, out, err = run("delete", "boot", root=root)
        check(read(f"{root}/ipe/policies/boot/delete") == b"1", "delete wrote 1")
        check(rc == 6 and "still listed" in err, "delete verify on a fake tree")
        rc, out, err = run("enforce", "off", root=root)
        check(rc == 0 and out == "enforce: off\n" and read(f"{root}/ipe/enforce") == b"0", f"enforce off rc={rc} {err}")
        rc, out, err = run("audit", "on", root=root)
        check(rc == 0 and read(f"{root}/ipe/success_audit") == b"1", "audit on")
        rc, out, err = run("audit", "on", "--format=json", root=root)
        check(rc == 0 and json.loads(out)["ok"] and json.loads(out)["action"] == "on", "audit json")

        # ---- show ----
        rc, out, err = run("show", "old", "--pkcs7", root=root)
        p = subprocess.run([IPECTL, "--securityfs", root, "show", "old", "--pkcs7"], capture_output=True)
        check(p.returncode == 0 and p.stdout == old_blob, "show --pkcs7 bytes")
        rc, out, err = run("show", "boot", "--policy", root=root)
        check(rc == 0 and out.startswith("policy_name=boot"), "show --policy")
        rc, out, err = run("show", "boot", "--pkcs7", root=root)
        check(rc == 2 and "unsigned" in err, "show --pkcs7 of the boot policy")
        rc, out, err = run("show", "old", "-f", "json", root=root)
        j = json.loads(out)
        check(rc == 0 and j["name"] == "old" and j["version"] == "2.0.0", "show json")
        rc, out, err = run("show", "nope", root=root)
        check(rc == 5 and 'no policy named "nope"' in err, "show missing")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return testlib.finish()


if __name__ == "__main__":
    sys.exit(main())
