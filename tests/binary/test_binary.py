#!/usr/bin/env python3
"""ipe-compile and the binary form (ipe-binary(5)), end to end.

Groups:
  roundtrip  every accepted policy of tests/corpus/cases and examples/:
             source -> binary -> --decompile == source -> text, byte for byte;
             the binary is deterministic and a function of the canonical text
  corrupt    every truncation of a small blob, bit flips with and without a
             fixed checksum, huge counts: exit 1 with a diagnostic, nothing written
  cli        default output names, option conflicts, atomic output
  sign       --sign writes <name>.p7b that `openssl cms -verify -binary` accepts and
             whose content is the text output byte for byte
Environment: IPE_COMPILE, IPE_CHECK, IPE_SOURCE_ROOT (set by meson).
"""

import hashlib
import os
import random
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import check, failures, write  # noqa: E402,F401

SRC_ROOT, BUILD = testlib.SRC_ROOT, testlib.BUILD
COMPILE = testlib.tool("IPE_COMPILE", "ipe-compile")
CHECK = testlib.tool("IPE_CHECK", "ipe-check")

D1 = "sha256:" + "ab" * 32


def run(args, cwd=None, stdin=None):
    return testlib.run_tool([COMPILE, "--color=never"] + args, cwd, stdin)


def sources():
    cases = os.path.join(SRC_ROOT, "tests/corpus/cases")
    for name in sorted(os.listdir(cases)):
        if name.endswith(".pol"):
            yield os.path.join(cases, name)
    ex = os.path.join(SRC_ROOT, "examples")
    for name in sorted(os.listdir(ex)):
        if name.endswith(".pol"):
            yield os.path.join(ex, name)


def test_roundtrip():
    n_ok = n_rej = 0
    with tempfile.TemporaryDirectory() as d:
        binp = os.path.join(d, "p.ipeb")
        for path in sources():
            name = os.path.basename(path)
            rc, text, err = run(["-q", "-o", "-", path])
            if rc != 0:
                n_rej += 1
                rc2, out, err2 = run(["-q", "-f", "binary", "-o", binp + ".rej", path])
                check(rc2 == rc and not os.path.exists(binp + ".rej"),
                      f"{name}: rejected as text ({rc}) but binary gives {rc2} or wrote a file")
                continue
            n_ok += 1
            rc, out, err = run(["-q", "-f", "binary", "-o", binp, path])
            if not check(rc == 0, f"{name}: --format=binary failed: {rc} {err}") and rc != 0:
                continue
            blob = open(binp, "rb").read()
            check(blob[:8] == b"IPEB\r\n\x1a\n", f"{name}: no magic")
            rc, dec, err = run(["-q", "--decompile", binp, "-o", "-"])
            check(rc == 0 and dec == text, f"{name}: decompiled text differs from the text output ({rc} {err})")
            # a function of the canonical text: compiling the text gives the same bytes
            canon = write(d, "canon.pol", text)
            rc, blob2, err = run(["-q", "-f", "binary", "-o", "-", canon])
            check(rc == 0 and blob2 == blob, f"{name}: binary of the canonical text differs")
            # the binary stores the canonical text's line count and no source bytes
            check(hashlib.sha256(blob[:-32]).digest() == blob[-32:], f"{name}: trailer is not SHA-256")
    print(f"roundtrip: {n_ok} accepted policies round-tripped, {n_rej} rejected ones refused")
    check(n_ok >= 20, f"too few accepted corpus policies ({n_ok})")


def small_blob(d):
    src = write(d, "s.pol", "policy_name=s policy_version=1.0.0\nDEFAULT action=DENY\n"
                f"op=EXECUTE fsverity_digest={D1} action=ALLOW\n")
    rc, blob, err = run(["-q", "-f", "binary", "-o", "-", src])
    assert rc == 0, err
    return blob


def fix(b):
    b = bytearray(b)
    b[-32:] = hashlib.sha256(bytes(b[:-32])).digest()
    return bytes(b)


def refused(d, blob, what, want_rc=1):
    path = write(d, "bad.ipeb", blob)
    out = os.path.join(d, "out.pol")
    rc, o, err = run(["--decompile", path, "-o", out])
    ok = rc == want_rc and "error" in err and "binary policy" in err and not os.path.exists(out)
    check(ok and rc < 128, f"{what}: rc={rc} err={err[:300]!r}")
    return err


def test_corrupt():
    with tempfile.TemporaryDirectory() as d:
        blob = small_blob(d)
        for n in range(len(blob)):
            refused(d, blob[:n], f"truncated to {n} of {len(blob)} bytes")
        err = refused(d, blob[:len(blob) - 1], "truncated by one")
        check("truncated" in err, f"truncation must say so: {err}")
        err = refused(d, blob + b"\0", "one trailing byte")
        check("trailing" in err, f"trailing bytes must say so: {err}")
        rnd = random.Random(5)
        bits = list(range(8 * len(blob)))
        rnd.shuffle(bits)
        n_valid = 0
        for bit in bits[:300]:
            b = bytearray(blob)
            b[bit // 8] ^= 1 << (bit % 8)
            err = refused(d, bytes(b), f"bit {bit} flipped",
                          want_rc=1)
            if bit // 8 >= 8 and bit // 8 < len(blob) - 32:
                if not (8 <= bit // 8 < 24):  # version and file size are checked first
                    check("checksum" in err, f"bit {bit}: the checksum must catch it: {err}")
        # with the checksum fixed: refused, or (few) a different valid policy that round-trips
        for bit in bits[:400]:
            if bit // 8 >= len(blob) - 32:
                continue
            b = bytearray(blob)
            b[bit // 8] ^= 1 << (bit % 8)
            b = fix(b)
            path = write(d, "f.ipeb", b)
            rc, dec, err = run(["-q", "--decompile", path, "-o", "-"])
            check(rc in (0, 1) and (rc == 1) == (dec == b""), f"bit {bit} (fixed sum): rc={rc} {err[:200]}")
            if rc == 0:
                n_valid += 1
                srcp = write(d, "again.pol", dec)
                rc2, again, err2 = run(["-q", "-f", "binary", "-o", "-", srcp])
                check(rc2 == 0 and again == b, f"bit {bit}: accepted but not the canonical encoding")
        print(f"corrupt: {len(blob)} truncations, 300 flips, 400 flips with a fixed checksum ({n_valid} valid)")
        # huge counts with a valid checksum: META nrules / nprops, section lengths, ALGS count
        meta = struct.unpack_from("<Q", blob, 32 + 8)[0]
        for off, what in ((meta + 24, "nrules"), (meta + 32, "nprops"), (meta + 40, "EXECUTE rule count"),
                          (32 + 16, "META length"), (32 + 24 * 6 + 16, "INDEX length"), (16, "file size")):
            for v in (2**64 - 1, 2**32 - 2, 2**31):
                b = bytearray(blob)
                struct.pack_into("<Q", b, off, v)
                refused(d, fix(b), f"huge {what} = {v}")
        algs = struct.unpack_from("<Q", blob, 32 + 24 * 2 + 8)[0]
        b = bytearray(blob)
        struct.pack_into("<I", b, algs, 0xffffffff)
        refused(d, fix(b), "huge algorithm count")
        b = bytearray(blob)
        struct.pack_into("<H", b, 8, 2)
        err = refused(d, fix(b), "format 2.0")
        check("not supported" in err, f"another major version must say so: {err}")
        err = refused(d, b"policy_name=x policy_version=1.0.0\nDEFAULT action=ALLOW\n", "text as binary")
        check("magic" in err and "--format=binary" in err, f"text given to --decompile: {err}")
        refused(d, b"", "empty file")


def test_cli():
    with tempfile.TemporaryDirectory() as d:
        src = write(d, "main.pol", "policy_name=demo policy_version=1.2.3\nDEFAULT action=DENY\n"
                    f"op=EXECUTE,KMODULE fsverity_digest={D1} action=ALLOW\n")
        rc, out, err = run(["-f", "binary", "main.pol"], cwd=d)
        check(rc == 0 and os.path.exists(os.path.join(d, "demo.ipeb")), f"default binary name: {rc} {err}")
        check("binary policy 'demo'" in err, f"binary summary line: {err}")
        first = open(os.path.join(d, "demo.ipeb"), "rb").read()
        rc, out, err = run(["-f", "binary", "main.pol"], cwd=d)
        check(open(os.path.join(d, "demo.ipeb"), "rb").read() == first, "binary output not deterministic")
        rc, out, err = run(["--decompile", "demo.ipeb"], cwd=d)
        check(rc == 0 and os.path.exists(os.path.join(d, "demo.pol")), f"--decompile default name: {rc} {err}")
        rc, out, err = run(["--decompile", "demo.ipeb", "--name=other", "--version=2.0.0", "-o", "-"], cwd=d)
        check(rc == 0 and out.startswith(b"policy_name=other policy_version=2.0.0\n"),
              f"--decompile with header overrides: {rc} {out[:60]} {err}")
        for args, what in ((["--decompile", "demo.ipeb", "main.pol"], "--decompile with a SOURCE"),
                           (["--decompile", "demo.ipeb", "-f", "binary"], "--decompile --format=binary"),
                           (["--decompile", "demo.ipeb", "--boot"], "--decompile --boot"),
                           (["--sign", "-f", "binary", "--key", "k", "--cert", "c", "main.pol"], "--sign binary"),
                           (["--key", "k.pem", "main.pol"], "--key without --sign"),
                           (["--hash", "sha384", "main.pol"], "--hash without --sign"),
                           (["--sign", "--key", "k.pem", "main.pol"], "--sign without --cert"),
                           (["-f", "json", "main.pol"], "unknown format")):
            rc, out, err = run(args, cwd=d)
            check(rc == 3 and "error" in err, f"{what} must be a usage error: {rc} {err}")
        # a failing decompile leaves an existing output untouched and no stray files
        write(d, "bad.ipeb", first[:-1])
        before = open(os.path.join(d, "demo.pol"), "rb").read()
        rc, out, err = run(["--decompile", "bad.ipeb", "-o", "demo.pol"], cwd=d)
        check(rc == 1 and open(os.path.join(d, "demo.pol"), "rb").read() == before, "failed decompile touched output")
        check(sorted(os.listdir(d)) == ["bad.ipeb", "demo.ipeb", "demo.pol", "main.pol"], f"stray files: {os.listdir(d)}")
        rc, out, err = run(["--decompile", "missing.ipeb"], cwd=d)
        check(rc == 2, f"unreadable binary: {rc}")
        rc, out, err = run(["--help"], cwd=d)
        for word in (b"--decompile", b"--format", b"--sign", b"--key", b"--cert", b"--pass", b"--hash"):
            check(word in out, f"--help lacks {word}")
        # the man page documents the same options
        man = open(os.path.join(SRC_ROOT, "man/ipe-compile.1"), encoding="utf-8").read().replace("\\-", "-")
        for word in ("decompile", "format", "sign", "key", "cert", "pass", "hash", "ipe-binary"):
            check(word in man, f"man/ipe-compile.1 lacks {word}")


def test_sign():
    if subprocess.run(["openssl", "version"], capture_output=True).returncode != 0:
        print("FAIL: openssl(1) is a test dependency (apt-get install openssl)")
        sys.exit(1)
    with tempfile.TemporaryDirectory() as d:
        key, cert = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                        "-subj", "/CN=ipe-compile test", "-days", "2"], check=True, capture_output=True)
        os.chmod(key, 0o600)
        src = write(d, "main.pol", "# comment\npolicy_name=signed policy_version=1.0.0\nDEFAULT action=DENY\n"
                    f"op=EXECUTE,KMODULE fsverity_digest={D1} action=ALLOW\n")
        rc, text, err = run(["-q", "-o", "-", "main.pol"], cwd=d)
        check(rc == 0, f"compile to text: {err}")
        rc, out, err = run(["--sign", "--key", key, "--cert", cert, "main.pol"], cwd=d)
        p7b = os.path.join(d, "signed.p7b")
        check(rc == 0 and os.path.exists(p7b), f"--sign must write signed.p7b: {rc} {err}")
        v = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-noverify", "-in", p7b],
                           capture_output=True)
        check(v.returncode == 0, f"openssl cms -verify fails: {v.stderr}")
        check(v.stdout == text, "signed content differs from the text output")
        # same options as ipe-sign: -o, --hash, --no-cert, encrypted key with --pass
        rc, out, err = run(["--sign", "-k", key, "-c", cert, "--hash", "sha512", "--no-cert", "-o", "x.p7b",
                            "main.pol"], cwd=d)
        check(rc == 0, f"--sign --hash sha512 --no-cert: {rc} {err}")
        v = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-noverify", "-certfile", cert,
                            "-in", os.path.join(d, "x.p7b")], capture_output=True)
        check(v.returncode == 0 and v.stdout == text, f"--hash sha512 --no-cert blob: {v.stderr}")
        enc = os.path.join(d, "enc.pem")
        subprocess.run(["openssl", "pkey", "-in", key, "-out", enc, "-aes256", "-passout", "pass:s3cret"],
                       check=True, capture_output=True)
        os.chmod(enc, 0o600)
        env = dict(os.environ, IPE_TEST_PASS="s3cret")
        p = subprocess.run([COMPILE, "--sign", "--key", enc, "--cert", cert, "--pass", "env:IPE_TEST_PASS",
                            "-o", "e.p7b", "main.pol"], cwd=d, env=env, capture_output=True)
        check(p.returncode == 0, f"--pass env:VAR: {p.stderr}")
        p = subprocess.run([COMPILE, "--sign", "--key", enc, "--cert", cert, "-o", "n.p7b", "main.pol"], cwd=d,
                           capture_output=True, stdin=subprocess.DEVNULL)
        check(p.returncode != 0 and not os.path.exists(os.path.join(d, "n.p7b")),
              f"encrypted key without --pass must fail and write nothing: {p.returncode}")
        # a bad key: refused, nothing written, an existing output untouched
        before = open(p7b, "rb").read()
        rc, out, err = run(["--sign", "--key", cert, "--cert", cert, "-o", "signed.p7b", "main.pol"], cwd=d)
        check(rc != 0 and open(p7b, "rb").read() == before, f"bad key: {rc} {err}")
        # decompile + sign: the same blob as compiling + signing the source (deterministic signature: RSA PKCS#1 v1.5)
        rc, out, err = run(["-q", "-f", "binary", "-o", "b.ipeb", "main.pol"], cwd=d)
        rc, out, err = run(["-q", "--decompile", "b.ipeb", "--sign", "--key", key, "--cert", cert, "-o", "d.p7b"], cwd=d)
        check(rc == 0 and open(os.path.join(d, "d.p7b"), "rb").read() == before,
              f"--decompile --sign differs from --sign: {rc} {err}")
        # a policy the kernel would reject is never signed
        write(d, "bad.pol", "policy_name=rej policy_version=1.0.0\nop=EXECUTE action=ALLOW\n")
        rc, out, err = run(["--sign", "--key", key, "--cert", cert, "bad.pol"], cwd=d)
        check(rc == 1 and not os.path.exists(os.path.join(d, "rej.p7b")), f"rejected policy signed: {rc}")
        stray = [f for f in os.listdir(d) if f.startswith(".") or "tmp" in f]
        check(not stray, f"stray temporary files: {stray}")


def main():
    groups = sys.argv[1:] or ["roundtrip", "corrupt", "cli", "sign"]
    for g in groups:
        globals()["test_" + g]()
    return testlib.finish()


if __name__ == "__main__":
    sys.exit(main())
