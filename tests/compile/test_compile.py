#!/usr/bin/env python3
"""End-to-end tests of ipe-compile: extensions (good and bad input, diagnostics),
header overrides, --boot, atomic output, and the corpus (kernel policies compile to
exactly what `ipe-check --canonical` prints; rejected ones write nothing).

Usage: test_compile.py [GROUP...]   (groups: corpus ext errors header boot output)
Environment: IPE_COMPILE, IPE_CHECK, IPE_SOURCE_ROOT (set by meson).
"""

import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import check, failures, write  # noqa: E402,F401

SRC_ROOT, BUILD = testlib.SRC_ROOT, testlib.BUILD
COMPILE = testlib.tool("IPE_COMPILE", "ipe-compile")
CHECK = testlib.tool("IPE_CHECK", "ipe-check")


HDR = "policy_name=demo policy_version=1.2.3\nDEFAULT action=DENY\n"
D1 = "sha256:" + "11" * 32
D2 = "sha256:" + "22" * 32
D3 = "sha512:" + "33" * 64


def run(args, cwd=None, stdin=None):
    return testlib.run_tool([COMPILE, "--color=never"] + args, cwd, stdin)


def compile_text(files, main="main.pol", extra=()):
    """Write files into a temp dir, compile main to stdout; (rc, out, err)."""
    with tempfile.TemporaryDirectory() as d:
        for n, t in files.items():
            write(d, n, t)
        return run(list(extra) + ["-o", "-", main], cwd=d)


def expect_ok(name, files, expected, main="main.pol", extra=()):
    rc, out, err = compile_text(files, main, extra)
    check(rc == 0, f"{name}: exit {rc}, stderr: {err}")
    check(out.decode() == expected, f"{name}: output\n{out.decode()}\n--- expected\n{expected}")
    return err


def expect_err(name, files, diags, main="main.pol", notes=(), extra=()):
    """diags: list of (file:line:col, code) that must all appear; nothing on stdout."""
    rc, out, err = compile_text(files, main, extra)
    check(rc == 1, f"{name}: exit {rc} (want 1), stderr: {err}")
    check(out == b"", f"{name}: wrote output despite errors")
    for where, code in diags:
        pat = re.escape(where) + r": error: .*\[" + re.escape(code) + r"\]"
        check(re.search(pat, err) is not None, f"{name}: no '{where}: error: ... [{code}]' in:\n{err}")
    for n in notes:
        check(n in err, f"{name}: no note '{n}' in:\n{err}")
    return err


# ---------------------------------------------------------------- extensions

def test_ext():
    canon = "policy_name=demo policy_version=1.2.3\nDEFAULT action=DENY\n"
    # include, relative to the including file, nested
    expect_ok("include nested", {
        "main.pol": HDR + 'include "a/one.pol"\nop=EXECUTE boot_verified=TRUE action=ALLOW\n',
        "a/one.pol": "# rules\nop=FIRMWARE action=ALLOW\ninclude \"b/two.pol\"\n",
        "a/b/two.pol": "op=EXECUTE dmverity_signature=TRUE action=ALLOW\n",
    }, canon + "op=EXECUTE dmverity_signature=TRUE action=ALLOW\nop=EXECUTE boot_verified=TRUE action=ALLOW\n"
       "op=FIRMWARE action=ALLOW\n")
    # include before the header, path with a space, trailing comment
    expect_ok("include header file", {
        "main.pol": 'include "my hdr.pol"   # the header\nop=KMODULE action=ALLOW\n',
        "my hdr.pol": HDR,
    }, canon + "op=KMODULE action=ALLOW\n")
    # the same file included twice (not a cycle)
    expect_ok("include twice", {
        "main.pol": HDR + 'include "r.pol"\ninclude "r.pol"\n',
        "r.pol": "op=POLICY action=ALLOW\n",
    }, canon + "op=POLICY action=ALLOW\nop=POLICY action=ALLOW\n")
    # sets: multi-line with comments, one-line, order kept, uppercase hex normalised
    expect_ok("set braces", {
        "main.pol": HDR + "set s {\n  %s   # first\n\n  %s\n}\nset t { %s }\n"
                          "op=EXECUTE fsverity_digest in @s action=ALLOW\n"
                          "op=KMODULE dmverity_roothash in @t fsverity_signature=TRUE action=DENY\n"
                    % (D2.upper().replace("SHA256", "sha256"), D1, D3),
    }, canon + f"op=EXECUTE fsverity_digest={D2} action=ALLOW\nop=EXECUTE fsverity_digest={D1} action=ALLOW\n"
       f"op=KMODULE dmverity_roothash={D3} fsverity_signature=TRUE action=DENY\n")
    # set from fsverity digest output, CRLF, comments, blank lines, plain list lines
    expect_ok("set from file", {
        "main.pol": HDR + 'set s from "lists/d.txt"\nop=EXECUTE fsverity_digest in @s action=ALLOW\n',
        "lists/d.txt": f"{D1} /usr/bin/a\r\n# c\n\n{D2}  /usr/bin/with space\n{D3}\n",
    }, canon + f"op=EXECUTE fsverity_digest={D1} action=ALLOW\nop=EXECUTE fsverity_digest={D2} action=ALLOW\n"
       f"op=EXECUTE fsverity_digest={D3} action=ALLOW\n")
    # multi-op (also on a DEFAULT) and the expansion order: ops outer, members inner
    expect_ok("multi-op x set", {
        "main.pol": "policy_name=demo policy_version=1.2.3\nDEFAULT op=EXECUTE,FIRMWARE,KMODULE,KEXEC_IMAGE,"
                    "KEXEC_INITRAMFS,POLICY,X509_CERT action=DENY\n"
                    f"set s {{ {D1} {D2} }}\nop=KMODULE,EXECUTE fsverity_digest in @s boot_verified=FALSE action=ALLOW\n",
    }, "policy_name=demo policy_version=1.2.3\n"
       "DEFAULT op=EXECUTE action=DENY\n"
       f"op=EXECUTE fsverity_digest={D1} boot_verified=FALSE action=ALLOW\n"
       f"op=EXECUTE fsverity_digest={D2} boot_verified=FALSE action=ALLOW\n"
       "DEFAULT op=FIRMWARE action=DENY\n"
       "DEFAULT op=KMODULE action=DENY\n"
       f"op=KMODULE fsverity_digest={D1} boot_verified=FALSE action=ALLOW\n"
       f"op=KMODULE fsverity_digest={D2} boot_verified=FALSE action=ALLOW\n"
       "DEFAULT op=KEXEC_IMAGE action=DENY\nDEFAULT op=KEXEC_INITRAMFS action=DENY\n"
       "DEFAULT op=POLICY action=DENY\nDEFAULT op=X509_CERT action=DENY\n")
    # two sets in one rule: cartesian product, first slot slowest
    expect_ok("two sets", {
        "main.pol": HDR + f"set a {{ {D1} {D2} }}\nset b {{ {D3} }}\n"
                    "op=EXECUTE fsverity_digest in @a dmverity_roothash in @b action=ALLOW\n",
    }, canon + f"op=EXECUTE fsverity_digest={D1} dmverity_roothash={D3} action=ALLOW\n"
       f"op=EXECUTE fsverity_digest={D2} dmverity_roothash={D3} action=ALLOW\n")
    # empty set: a warning, no rule
    err = expect_ok("empty set", {"main.pol": HDR + "set e {\n}\nop=EXECUTE fsverity_digest in @e action=ALLOW\n"},
                    canon)
    check("main.pol:5:12: warning:" in err and "IPE-W120" in err, f"empty set warning missing: {err}")
    # standard input: includes relative to the current directory
    with tempfile.TemporaryDirectory() as d:
        write(d, "r.pol", "op=EXECUTE action=ALLOW\n")
        rc, out, err = run(["-o", "-", "-"], cwd=d, stdin=(HDR + 'include "r.pol"\n').encode())
        check(rc == 0 and out.decode() == canon + "op=EXECUTE action=ALLOW\n", f"stdin include: {rc} {err}")


def test_errors():
    expect_err("include missing", {"main.pol": HDR + 'include "nope.pol"\n'}, [("main.pol:3:9", "IPE-E100")])
    expect_err("include unquoted", {"main.pol": HDR + "include nope.pol\n"}, [("main.pol:3:9", "IPE-E100")])
    expect_err("include no path", {"main.pol": HDR + "include\n"}, [("main.pol:3:1", "IPE-E100")])
    expect_err("include unterminated", {"main.pol": HDR + 'include "x.pol\n'}, [("main.pol:3:9", "IPE-E100")])
    expect_err("include trailing", {"main.pol": HDR + 'include "x.pol" y\n', "x.pol": ""},
               [("main.pol:3:17", "IPE-E100")])
    expect_err("include empty path", {"main.pol": HDR + 'include ""\n'}, [("main.pol:3:9", "IPE-E100")])
    expect_err("include self", {"main.pol": HDR + 'include "main.pol"\n'}, [("main.pol:3:9", "IPE-E101")])
    expect_err("include cycle", {
        "main.pol": HDR + 'include "d/a.pol"\n',
        "d/a.pol": 'include "b.pol"\n',
        "d/b.pol": '\ninclude "a.pol"\n',
    }, [("d/b.pol:2:9", "IPE-E101")],
        notes=["in file included from d/a.pol:1", "in file included from main.pol:3"])
    # depth: 33 nested includes
    files = {"main.pol": HDR + 'include "i1.pol"\n'}
    for i in range(1, 34):
        files[f"i{i}.pol"] = f'include "i{i + 1}.pol"\n'
    files["i34.pol"] = "op=EXECUTE action=ALLOW\n"
    expect_err("include depth", files, [("i32.pol:1:9", "IPE-E102")])
    files["i32.pol"] = "op=EXECUTE action=ALLOW\n"
    rc, out, err = compile_text(files)
    check(rc == 0, f"include depth 32 must work: {err}")
    # an error inside an included file carries the include chain
    expect_err("error in include", {
        "main.pol": HDR + "\n" + 'include "inc/r.pol"\n',
        "inc/r.pol": "op=EXECUTE action=allow\n",
    }, [("inc/r.pol:1:12", "IPE-E012")], notes=["in file included from main.pol:4"])
    # sets
    expect_err("set bad member", {"main.pol": HDR + "set s {\n  sha256:zz\n  1234\n  sha256:abc\n}\n"},
               [("main.pol:4:3", "IPE-E111"), ("main.pol:5:3", "IPE-E111"), ("main.pol:6:3", "IPE-E111")])
    # 15 bad members over two lines: the first 10 one by one, then one
    # finding that counts the other 5 (issue 11: one line of a million bad
    # members was a million findings, 19 s and 130x the input in memory)
    err = expect_err("set many bad members", {"main.pol": HDR + "set s {" + " a" * 12 + "\n b b:zz c }\n"},
                     [("main.pol:3:9", "IPE-E111"), ("main.pol:3:27", "IPE-E111")])
    check(err.count("[IPE-E111]") == 11, f"set many bad members: want 10 + 1 findings:\n{err}")
    check("main.pol:3:29: error: 5 more members of set 's' are not ALGORITHM:HEX, from here up to line 4 "
          "column 9 (not reported one by one; the first 10 are reported above) [IPE-E111]" in err,
          f"set many bad members: no folded finding:\n{err}")
    check("3:31: error" not in err and "4:2: error" not in err, f"set many bad members: a folded member reported:\n{err}")
    err = expect_err("set 11 bad members", {"main.pol": HDR + "set s {" + " a" * 11 + " }\n"}, [])
    check("main.pol:3:29: error: 1 more member of set 's' is not ALGORITHM:HEX, from here up to line 3 column 29" in err,
          f"set 11 bad members: no singular folded finding:\n{err}")
    expect_err("set unclosed", {"main.pol": HDR + f"set s {{\n{D1}\n"}, [("main.pol:3:1", "IPE-E110")])
    expect_err("set no brace", {"main.pol": HDR + f"set s {D1}\n"}, [("main.pol:3:7", "IPE-E110")])
    expect_err("set short", {"main.pol": HDR + "set s\n"}, [("main.pol:3:1", "IPE-E110")])
    expect_err("set bad name", {"main.pol": HDR + f"set 9x {{ {D1} }}\nop=EXECUTE action=ALLOW\n"},
               [("main.pol:3:5", "IPE-E110")])
    rc, out, err = compile_text({"main.pol": HDR + f"set 9x {{\n{D1}\n}}\nop=EXECUTE action=ALLOW\n"})
    check("IPE-E010" not in err and "IPE-E012" not in err, f"bad-named set block leaked into rules: {err}")
    expect_err("set after brace", {"main.pol": HDR + f"set s {{ {D1} }} x\n"}, [("main.pol:3:83", "IPE-E110")])
    expect_err("set dup", {"main.pol": HDR + f"set s {{ {D1} }}\nset s {{ {D2} }}\n"},
               [("main.pol:4:5", "IPE-E112")])
    expect_err("set unknown", {"main.pol": HDR + "op=EXECUTE fsverity_digest in @nope action=ALLOW\n"},
               [("main.pol:3:31", "IPE-E113")])
    expect_err("set wrong key", {"main.pol": HDR + f"set s {{ {D1} }}\nop=EXECUTE boot_verified in @s action=ALLOW\n"},
               [("main.pol:4:12", "IPE-E121")])
    expect_err("set from missing", {"main.pol": HDR + 'set s from "none.txt"\n'}, [("main.pol:3:12", "IPE-E100")])
    # a line that is not a digest is reported at the directive by number,
    # never quoted (the file may be a key given by mistake: issue 11)
    err = expect_err("set from bad line", {
        "main.pol": HDR + 'set s from "d.txt"\n',
        "d.txt": f"{D1} a\n0123abcd b\n",
    }, [("main.pol:3:12", "IPE-E111")], notes=["'d.txt' for set 's': line 2 is not a digest"])
    check("0123abcd" not in err, f"set from bad line: the file's line is shown:\n{err}")
    expect_err("set from args", {"main.pol": HDR + 'set s from "a" "b"\n'}, [("main.pol:3:7", "IPE-E110")])
    # multi-op
    expect_err("multi-op unknown", {"main.pol": HDR + "op=EXECUTE,EXECUTEE action=ALLOW\n"},
               [("main.pol:3:1", "IPE-E120")])
    expect_err("multi-op dup", {"main.pol": HDR + "op=EXECUTE,KMODULE,EXECUTE action=ALLOW\n"},
               [("main.pol:3:1", "IPE-E120")])
    expect_err("multi-op empty", {"main.pol": HDR + "op=EXECUTE,,KMODULE action=ALLOW\n"},
               [("main.pol:3:1", "IPE-E120")])
    # a kernel error on an expanded line is reported once, at the source line
    err = expect_err("expanded kernel error", {"main.pol": HDR + "op=EXECUTE,KMODULE frob action=ALLOW\n"},
                     [("main.pol:3:20", "IPE-E011")])
    check(err.count("[IPE-E011]") == 1, f"expanded error reported more than once:\n{err}")
    # errors in kernel syntax keep their usual diagnostics
    expect_err("kernel errors", {"main.pol": "policy_name=x policy_version=1.0\nop=EXECUTE action=ALLOW\n"},
               [("main.pol:1:15", "IPE-E005")])


# ---------------------------------------------------------------- header overrides

def make_blob(d, text_path):
    key, cert, out = (os.path.join(d, n) for n in ("k.pem", "c.pem", "old.p7b"))
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", "/CN=test", "-days", "2"], check=True, capture_output=True)
    subprocess.run(["openssl", "cms", "-sign", "-in", text_path, "-signer", cert, "-inkey", key, "-noattr",
                    "-nodetach", "-binary", "-outform", "DER", "-out", out], check=True, capture_output=True)
    return out


def test_header():
    base = {"main.pol": HDR + "op=EXECUTE action=ALLOW\n"}
    rest = "DEFAULT action=DENY\nop=EXECUTE action=ALLOW\n"
    expect_ok("--name", base, "policy_name=prod policy_version=1.2.3\n" + rest, extra=["--name=prod"])
    expect_ok("--policy-version", base, "policy_name=demo policy_version=2.0.7\n" + rest, extra=["--policy-version=+2.00.7"])
    # deprecated alias: same result, plus a warning
    err = expect_ok("--version=X.Y.Z", base, "policy_name=demo policy_version=2.0.7\n" + rest, extra=["--version=+2.00.7"])
    check("deprecated" in err and "--policy-version" in err, f"--version=X.Y.Z must warn it is deprecated: {err}")
    with tempfile.TemporaryDirectory() as d:
        write(d, "main.pol", base["main.pol"])
        rc, out, err = run(["--version", "1.2.3", "main.pol"], cwd=d)
        check(rc == 3 and out == b"" and "--policy-version" in err, f"--version with a SOURCE must be refused: {rc} {err}")
        rc, out, err = run(["--version"], cwd=d)
        check(rc == 0 and out.startswith(b"ipe-compile (ipe-tools) "), f"--version prints the program version: {rc} {out}")
    for bad in ("1.2", "1.2.3.4", "1.x.3", "65536.0.0", "", "1..2"):
        for opt in ("--policy-version=", "--version="):
            rc, out, err = compile_text(base, extra=[opt + bad])
            check(rc == 3 and out == b"", f"{opt}{bad!r} must be a usage error: {rc} {err}")
    for bad in ("a/b", ".", "..", "a b", "x#y", "", "n" * 256):
        rc, out, err = compile_text(base, extra=["--name=" + bad])
        check(rc == 3 and out == b"", f"--name={bad!r} must be refused: {rc} {err}")
    with tempfile.TemporaryDirectory() as d:
        write(d, "main.pol", base["main.pol"])
        old = write(d, "old.pol", "# previous\n\npolicy_name=demo policy_version=1.4.65535\nDEFAULT action=ALLOW\n")
        rc, out, err = run(["--bump-from", old, "-o", "-", "main.pol"], cwd=d)
        check(rc == 0 and out.decode() == "policy_name=demo policy_version=1.5.0\n" + rest,
              f"--bump-from text: {rc} {out} {err}")
        blob = make_blob(d, old)
        rc, out, err = run(["--bump-from", blob, "-o", "-", "main.pol"], cwd=d)
        check(rc == 0 and out.decode() == "policy_name=demo policy_version=1.5.0\n" + rest,
              f"--bump-from blob: {rc} {out} {err}")
        other = write(d, "other.pol", "policy_name=other policy_version=1.0.0\nDEFAULT action=ALLOW\n")
        rc, out, err = run(["--bump-from", other, "-o", "-", "main.pol"], cwd=d)
        check(rc == 1 and out == b"" and "--name=other" in err, f"--bump-from other name: {rc} {err}")
        rc, out, err = run(["--bump-from", other, "--name=other", "-o", "-", "main.pol"], cwd=d)
        check(rc == 0 and out.decode().startswith("policy_name=other policy_version=1.0.1\n"),
              f"--bump-from + --name: {rc} {err}")
        top = write(d, "top.pol", "policy_name=demo policy_version=65535.65535.65535\nDEFAULT action=ALLOW\n")
        rc, out, err = run(["--bump-from", top, "-o", "-", "main.pol"], cwd=d)
        check(rc == 1 and out == b"", f"--bump-from at the top version: {rc} {err}")
        junk = write(d, "junk", b"\x30\x03\x02\x01\x00")
        rc, out, err = run(["--bump-from", junk, "-o", "-", "main.pol"], cwd=d)
        check(rc == 1 and "IPE-E140" in err, f"--bump-from junk DER: {rc} {err}")
        nohdr = write(d, "nohdr", "DEFAULT action=ALLOW\n")
        rc, out, err = run(["--bump-from", nohdr, "-o", "-", "main.pol"], cwd=d)
        check(rc == 1 and "IPE-E140" in err, f"--bump-from without header: {rc} {err}")
        rc, out, err = run(["--bump-from", old, "--policy-version=1.0.0", "-o", "-", "main.pol"], cwd=d)
        check(rc == 3, f"--bump-from with --policy-version must be a usage error: {rc}")


def test_boot():
    good = {"main.pol": HDR + "op=EXECUTE boot_verified=TRUE action=ALLOW\n"}
    rc, out, err = compile_text(good, extra=["--boot"])
    check(rc == 0, f"--boot good: {rc} {err}")
    expect_err("boot CR", {"main.pol": HDR.replace("\n", "\r\n", 1) + "op=EXECUTE action=ALLOW\n"},
               [("main.pol:1:38", "IPE-E130")], extra=["--boot"])
    expect_err("boot NUL in include", {"main.pol": HDR + 'include "r.pol"\n', "r.pol": "op=EXECUTE action=ALLOW\n\0x"},
               [("r.pol:2:1", "IPE-E130")], extra=["--boot"])
    # without --boot the same CR source compiles (the kernel reads CR as a line break)
    rc, out, err = compile_text({"main.pol": HDR.replace("\n", "\r\n", 1) + "op=EXECUTE action=ALLOW\n"})
    check(rc == 0, f"CR without --boot: {rc} {err}")


# ---------------------------------------------------------------- output

def test_output():
    with tempfile.TemporaryDirectory() as d:
        write(d, "main.pol", HDR + "op=EXECUTE action=ALLOW\n")
        rc, out, err = run(["main.pol"], cwd=d)
        path = os.path.join(d, "demo.pol")
        check(rc == 0 and os.path.exists(path), f"default output demo.pol: {rc} {err}")
        first = open(path, "rb").read()
        # deterministic
        rc, out, err = run(["main.pol"], cwd=d)
        check(open(path, "rb").read() == first, "output not deterministic")
        # a failing compile leaves an existing output untouched and no temp files
        write(d, "bad.pol", HDR + "op=EXECUTE action=maybe\n")
        rc, out, err = run(["-o", "demo.pol", "bad.pol"], cwd=d)
        check(rc == 1 and open(path, "rb").read() == first, f"failed compile touched the output: {rc}")
        rc, out, err = run(["-o", "new.pol", "bad.pol"], cwd=d)
        check(not os.path.exists(os.path.join(d, "new.pol")), "failed compile created an output")
        check(sorted(os.listdir(d)) == ["bad.pol", "demo.pol", "main.pol"], f"stray files: {os.listdir(d)}")
        rc, out, err = run(["-o", "/nonexistent/dir/x.pol", "main.pol"], cwd=d)
        check(rc == 2, f"unwritable output: {rc}")
        rc, out, err = run(["missing.pol"], cwd=d)
        check(rc == 2, f"unreadable input: {rc}")
        # --sign without a key is a usage error that names what is missing (signing: tests/binary)
        rc, out, err = run(["--sign", "main.pol"], cwd=d)
        check(rc == 3 and "--key" in err and "--cert" in err, f"--sign without --key/--cert: {rc} {err}")
        rc, out, err = run(["--format=xml", "main.pol"], cwd=d)
        check(rc == 3 and "text or binary" in err, f"--format=xml must be refused: {rc} {err}")
        rc, out, err = run([], cwd=d)
        check(rc == 3, "no argument must be a usage error")
        rc, out, err = run(["--help"], cwd=d)
        check(rc == 0 and b"--bump-from" in out, "--help")


# ---------------------------------------------------------------- corpus

def test_corpus():
    cases = os.path.join(SRC_ROOT, "tests/corpus/cases")
    n_ok = n_rej = 0
    for name in sorted(os.listdir(cases)):
        if not name.endswith(".pol"):
            continue
        path = os.path.join(cases, name)
        ref = subprocess.run([CHECK, "--canonical", path], capture_output=True)
        rc, out, err = run(["-q", "-o", "-", path])
        if ref.returncode == 0:
            n_ok += 1
            check(rc == 0 and out == ref.stdout, f"corpus {name}: compile differs from ipe-check --canonical")
        else:
            data = open(path, "rb").read()
            # source-only syntax the kernel rejects (op lists) may compile; all else must not
            if re.search(rb"op=[A-Z_0-9]+,", data):
                continue
            n_rej += 1
            check(rc == 1 and out == b"", f"corpus {name}: rejected by the kernel, but compiled (rc {rc})")
    check(n_ok > 50 and n_rej > 50, f"corpus too small: {n_ok} accepted, {n_rej} rejected")
    print(f"corpus: {n_ok} accepted cases identical, {n_rej} rejected cases refused")


GROUPS = {"corpus": test_corpus, "ext": test_ext, "errors": test_errors, "header": test_header,
          "boot": test_boot, "output": test_output}

if __name__ == "__main__":
    for g in sys.argv[1:] or GROUPS:
        GROUPS[g]()
    sys.exit(testlib.finish())
