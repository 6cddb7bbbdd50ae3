#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ipectl install / status: the systemd boot path, against fake securityfs
trees and a scratch system root.  The blobs carry the header shapes systemd's
loader (src/core/ipe-setup.c) misreads: a tab between the tokens, a comment
above the header naming policy_version=, a version systemd orders unlike the
kernel ('1.+4.0').  Keys are made here with openssl; nothing secret is kept."""
import hashlib
import os
import stat
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import failures, put, read  # noqa: E402,F401

IPECTL = testlib.tool("IPECTL", "ipectl")


def check(cond, what):
    return testlib.check(cond, what, sys.stderr)


def run(*args):
    p = subprocess.run([IPECTL, *args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def sign(tmp, name, text):
    pol, out = f"{tmp}/{name}.pol", f"{tmp}/{name}.p7b"
    put(pol, text)
    subprocess.run(["openssl", "cms", "-sign", "-binary", "-nosmimecap", "-noattr", "-nodetach",
                    "-outform", "DER", "-in", pol, "-signer", f"{tmp}/cert.pem", "-inkey", f"{tmp}/key.pem",
                    "-out", out], check=True, capture_output=True, timeout=60)
    return out


def tree(tmp, label, policies):
    """policies: (name, version, active, signed)"""
    root = f"{tmp}/sfs-{label}"
    put(f"{root}/lsm", "capability,ipe")
    put(f"{root}/ipe/enforce", "1")
    put(f"{root}/ipe/success_audit", "0")
    put(f"{root}/ipe/new_policy", "")
    for name, ver, active, signed in policies:
        d = f"{root}/ipe/policies/{name}"
        put(f"{d}/version", ver)
        put(f"{d}/active", "1" if active else "0")
        put(f"{d}/name", name)
        put(f"{d}/policy", f"policy_name={name} policy_version={ver}\nDEFAULT action=ALLOW\n")
        if signed:
            put(f"{d}/pkcs7", b"0\x80")
    return root


def main():
    tmp = tempfile.mkdtemp(prefix="ipectl-boot-")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{tmp}/key.pem",
                    "-out", f"{tmp}/cert.pem", "-subj", "/CN=ipectl boot test", "-days", "1"],
                   check=True, capture_output=True, timeout=60)
    body = "DEFAULT action=ALLOW\n"
    good = sign(tmp, "good", "policy_name=prod policy_version=1.2.3\n" + body)
    good2 = sign(tmp, "good2", "policy_name=prod policy_version=1.2.4\n" + body)
    tab = sign(tmp, "tab", "policy_name=prod\tpolicy_version=1.2.3\n" + body)
    comment = sign(tmp, "comment", "# raise policy_version=9.9.9 for the next release\n"
                   "policy_name=prod policy_version=1.2.3\n" + body)
    plus = sign(tmp, "plus", "policy_name=prod policy_version=1.+4.0\n" + body)
    rejected = sign(tmp, "rejected", "policy_name=prod policy_version=1.0.0\nop=EXECUTE bogus=1 action=ALLOW\n")

    sfs = tree(tmp, "empty", [])
    root = f"{tmp}/root"
    os.makedirs(f"{root}/etc")
    dest = f"{root}/etc/ipe/ipe-policy.p7b"

    rc, out, err = run("--securityfs", sfs, "install", "--root", root, good)
    check(rc == 0 and "installed as" in out and dest in out, f"install good: {rc} {out} {err}")
    check(os.path.exists(dest) and read(dest) == read(good), "install writes the blob byte for byte")
    check(stat.S_IMODE(os.stat(dest).st_mode) == 0o644, "installed with mode 0644")
    check(not os.path.exists(dest + ".old"), "no .old on a first install")
    rc, out, err = run("--securityfs", sfs, "install", "--root", root, good)
    check(rc == 0 and "already installed" in out, f"install same blob again: {rc} {out} {err}")
    rc, out, err = run("--securityfs", sfs, "install", "--root", root, dest)
    check(rc == 0 and "already installed" in out and read(dest) == read(good), f"install the installed file: {rc} {out} {err}")
    rc, out, err = run("--securityfs", sfs, "install", "--root", root, good2)
    check(rc == 0 and read(dest) == read(good2) and read(dest + ".old") == read(good),
          f"install a new version keeps the previous as .old: {rc} {err}")

    for path, code, what in ((tab, "IPECTL-S002", "tab in the header"),
                             (comment, "IPECTL-S003", "comment naming policy_version= above the header"),
                             (plus, "IPECTL-S003", "version systemd orders unlike the kernel"),
                             (rejected, "IPECTL-P003", "policy the kernel rejects")):
        before = read(dest)
        rc, out, err = run("--securityfs", sfs, "install", "--root", root, path)
        check(rc == 4 and code in err, f"install refuses a {what} with {code} (exit 4): {rc} {out} {err}")
        check(read(dest) == before, f"nothing written for a {what}")
    # no IPE tree (installing into an image from another kernel): the blob alone is judged
    rc, out, err = run("--securityfs", f"{tmp}/nowhere", "install", "--root", root, good)
    check(rc == 0, f"install without an IPE tree: {rc} {err}")
    rc, out, err = run("--securityfs", f"{tmp}/nowhere", "install", "--root", root, tab)
    check(rc == 4 and "IPECTL-S002" in err, f"install without an IPE tree still checks systemd's reading: {rc} {err}")
    rc, out, err = run("--securityfs", sfs, "install", "--root", f"{tmp}/missing", good)
    check(rc == 2 and not os.path.exists(f"{tmp}/missing"), f"install into a missing root fails cleanly: {rc} {err}")
    rc, out, err = run("--securityfs", sfs, "load", "--root", root, good)
    check(rc == 3, f"--root is refused outside install/status: {rc}")

    # status: the installed policy and the next boot (only the unsigned
    # built-in boot policy is loaded when systemd runs)
    put(dest, read(good))  # prod 1.2.3
    cases = (
        ("none", [], "next boot: load, then activate\n"),
        ("older", [("prod", "1.2.2", True, False)], "next boot: update the boot policy, then activate\n"),
        ("same", [("prod", "1.2.3", True, False)], "next boot: skip"),
        ("higher", [("base", "2.0.0", True, False)], "next boot: load, then activate -- fails with EINVAL"),
        # a signed policy loaded now is gone after a reboot
        ("signed", [("prod", "1.2.3", True, True)], "next boot: load, then activate\n"),
    )
    for label, pols, want in cases:
        rc, out, err = run("--securityfs", tree(tmp, label, pols), "status", "--root", root)
        digest = hashlib.sha256(read(dest)).hexdigest()
        check(rc == 0 and f"boot policy: {dest}: \"prod\" 1.2.3 sha256:{digest}\n" in out and want in out,
              f"status next boot with {label}: want {want!r}: {rc} {out} {err}")
    rc, out, err = run("--securityfs", tree(tmp, "higher2", [("base", "2.0.0", True, False)]), "status", "--root", root)
    check("IPECTL-S005" in out, f"status names the activation failure: {out}")
    rc, out, err = run("--securityfs", sfs, "status", "--root", f"{tmp}/root-without")
    check(rc == 0 and "boot policy: none" in out, f"status without an installed policy: {rc} {out} {err}")
    put(dest, read(tab))
    rc, out, err = run("--securityfs", sfs, "status", "--root", root)
    check("IPECTL-S002" in out, f"status flags an installed policy systemd misreads: {out}")

    return testlib.finish()


if __name__ == "__main__":
    sys.exit(main())
