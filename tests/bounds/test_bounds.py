#!/usr/bin/env python3
"""Hostile sizes cannot hurt the user (issue 11, point 3).

Each case runs a tool as a process under a CPU-time limit (RLIMIT_CPU: a
quadratic or unbounded run is killed, whatever the machine's load) and, in
builds without ASan, an address-space limit; it then asserts the exit code, the
message and the peak RSS (read from GNU time, /usr/bin/time, which starts
the tool: see run()).  No wall-clock timing.

Usage: test_bounds.py [GROUP...]   (groups: lexer tokens reads limits sets)
Environment: IPE_CHECK, IPE_COMPILE, IPE_SOURCE_ROOT (set by meson).
"""

import os
import re
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import check, failures  # noqa: E402,F401

SRC_ROOT, BUILD = testlib.SRC_ROOT, testlib.BUILD
CHECK = testlib.tool("IPE_CHECK", "ipe-check")
COMPILE = testlib.tool("IPE_COMPILE", "ipe-compile")

HDR = "policy_name=demo policy_version=1.2.3\nDEFAULT action=DENY\n"
MiB = 1 << 20



def asan(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


ASAN = asan(CHECK)


TIME = "/usr/bin/time"  # GNU time (Debian package time)


def run(argv, cpu=20, vmem_mib=2048, cwd=None, stdin=None, hang=120):
    """Run argv; return (rc, stdout, stderr, peak RSS in MiB, CPU seconds).
    rc is -SIGNAL when the limits killed it.

    The tool is started by GNU time and its peak RSS is what time reports
    (wait4 of the tool): ru_maxrss keeps the high-water mark across exec, so
    a tool forked from this Python process would start from Python's RSS at
    the fork, which grows with every large output read.  time's own RSS
    (about 2 MiB) is the floor instead.  The limits set here are inherited
    by the tool."""
    def limits():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
        if not ASAN:  # ASan reserves terabytes of address space
            v = vmem_mib * MiB
            resource.setrlimit(resource.RLIMIT_AS, (v, v))

    if not os.access(TIME, os.X_OK):
        raise SystemExit("FAIL: %s (GNU time, Debian package time) is missing: scripts/test.sh installs it" % TIME)
    env = None
    if ASAN:
        # ASan's quarantine keeps freed blocks (every buffer a growing read
        # outgrew) resident: without it peak RSS measures the program again
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0").lstrip(":")
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe, \
            tempfile.NamedTemporaryFile("r") as ft:
        p = subprocess.Popen([TIME, "-f", "%M", "-o", ft.name, "--"] + argv, stdout=fo, stderr=fe, cwd=cwd,
                             env=env, stdin=subprocess.DEVNULL if stdin is None else stdin, preexec_fn=limits,
                             start_new_session=True)
        # a hang (a blocked open or read) uses no CPU: the one wall-clock
        # guard, far above any honest run; the whole group (time and the
        # tool) is killed
        deadline = time.monotonic() + hang
        killed = False
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline and not killed:
                os.killpg(p.pid, 9)
                killed = True
            time.sleep(0.02)
        rc = os.waitstatus_to_exitcode(status)
        lines = ft.read().splitlines()
        # "Command terminated by signal N" (time exits 128+N), or
        # "Command exited with non-zero status N", then the %M line
        for line in lines:
            m = re.match(r"Command terminated by signal (\d+)", line)
            if m:
                rc = -int(m.group(1))
        rss_kib = int(lines[-1]) if lines and lines[-1].isdigit() else 0
        if killed or rss_kib == 0:  # time itself was killed: no report
            rc, rss_kib = (-9 if killed else rc), ru.ru_maxrss
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    return (rc, out, err.decode("utf-8", "replace"), rss_kib / 1024.0, ru.ru_utime + ru.ru_stime)


def write(d, name, data):
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return path


def group_lexer(d):
    # one 16 MiB token: flex refilling its buffer re-walked the partial token
    # after every 8 KiB read (about 60 s of CPU); one pass is well under 10 s
    # even with ASan
    tok = "sha256:" + "a" * (16 * MiB)
    path = write(d, "long.pol", HDR + "op=EXECUTE fsverity_digest=" + tok + " action=ALLOW\n")
    rc, out, err, rss, cpu = run([CHECK, "--color=never", path], cpu=15)
    check(rc >= 0 and b"IPE-E040" in out,
          "16 MiB token: a diagnostic, not a kill (rc %d, cpu %.1f s): %s" % (rc, cpu, err[-300:]))
    check(rc >= 0, "16 MiB token finishes within 15 s of CPU (rc %d)" % rc)
    # 30,000 findings on one 720 KB line (IPE-W127 on every property; a
    # repeated property is one IPE-W106): each source excerpt walked the
    # line from its start (about 55 s of CPU); a window of fixed size now
    path = write(d, "dups.pol", HDR + "op=EXECUTE " + "fsverity_signature=TRUE " * 30000 + "action=ALLOW\n")
    rc, out, err, rss, cpu = run([CHECK, "--color=never", path], cpu=15)
    check(rc == 1 and out.count(b"\n    ") >= 30000,
          "30,000 findings on one line: all printed with excerpts (rc %d, cpu %.1f s)" % (rc, cpu))


def group_tokens(d):
    # one line of 1-byte tokens: the lexer keeps 12 bytes per token (6 per
    # input byte) plus the input.  Source mode (ipe-check --source,
    # ipe-compile) took lines of 48-byte tokens (29x the input), and a line
    # with an extension (op=A,B) copied them again with a 96-byte slot each
    # (116x); now every front end reads the same compact tokens.  The peak
    # above a run on a one-line policy (the process's own baseline, large
    # under ASan) must stay a small multiple of the input (7x measured; 11x
    # under ASan, whose realloc copies the growing token array instead of
    # remapping it), and source mode within a few MiB of kernel mode.
    n = 4 * MiB
    tiny = write(d, "tiny.pol", HDR)
    plain = write(d, "plain.pol", HDR + "op=EXECUTE " + "a " * (n // 2) + "action=ALLOW\n")
    ext = write(d, "ext.pol", HDR + "op=EXECUTE,KMODULE " + "a " * (n // 2) + "action=ALLOW\n")
    cases = (("ipe-check", [CHECK, "--color=never"], plain),
             ("ipe-check --source", [CHECK, "--color=never", "--source"], plain),
             ("ipe-compile", [COMPILE, "--color=never", "-q", "-o", os.path.join(d, "out.pol")], plain),
             ("ipe-compile, op=A,B", [COMPILE, "--color=never", "-q", "-o", os.path.join(d, "out.pol")], ext))
    peak = {}
    for what, argv, path in cases:
        rc, out, err, base, _ = run(argv + [tiny], cpu=30)
        rc, out, err, rss, cpu = run(argv + [path], cpu=30)
        check(rc == 1 and b"IPE-E011" in out + err.encode(),
              "%s, line of 1-byte tokens: IPE-E011 (rc %d, cpu %.1f s): %s" % (what, rc, cpu, err[-300:]))
        peak[what] = rss
        ratio = (rss - base) / (n / MiB)
        check(ratio < 14, "%s, %d MiB line of 1-byte tokens: peak RSS %.0f MiB, %.0f MiB over the baseline "
              "= %.1fx the input (at most 14x)" % (what, n // MiB, rss, rss - base, ratio))
    for what in ("ipe-check --source", "ipe-compile", "ipe-compile, op=A,B"):
        check(peak[what] < peak["ipe-check"] + 8,
              "%s: peak RSS %.0f MiB, kernel mode %.0f MiB (at most 8 MiB more)" % (what, peak[what], peak["ipe-check"]))


def group_sets(d):
    # one 1 MiB line "set S { a a a ... }": an IPE-E111 per bad member was
    # half a million findings, 8 s of CPU (6 s of it system time: a dozen
    # write calls per finding on unbuffered stderr) and 130 MiB (120x the
    # input).  Now the first 10 bad members of a set are reported, then one
    # finding counts the rest; the peak is the lexer's tokens (6x).
    n = MiB
    tiny = write(d, "tiny.pol", HDR)
    # valid members: each was a strndup (a 32-byte heap chunk for "a:"), a
    # pointer and a location, 25x the input; one text buffer now (15x).
    # 4 MiB
    good = write(d, "goodset.pol", HDR + "set S {" + " a:" * (4 * MiB // 3) + " }\n")
    argv = [COMPILE, "--color=never", "-q", "-o", os.path.join(d, "out.pol")]
    _, _, _, base, _ = run(argv + [tiny], cpu=30)
    rc, out, err, rss, cpu = run(argv + [good], cpu=30)
    ratio = (rss - base) / 4.0
    check(rc == 0, "4 MiB line of valid set members: compiles (rc %d): %s" % (rc, err[-300:]))
    check(ratio < 20, "4 MiB line of valid set members: peak RSS %.0f MiB, %.0f MiB over the baseline "
          "= %.1fx the input (at most 20x)" % (rss, rss - base, ratio))
    bad = write(d, "badset.pol", HDR + "set S {" + " a" * (n // 2) + " }\n")
    for what, argv in (("ipe-compile", [COMPILE, "--color=never", "-o", os.path.join(d, "out.pol")]),
                       ("ipe-check --source", [CHECK, "--color=never", "--source"])):
        _, _, _, base, _ = run(argv + [tiny], cpu=30)
        rc, out, err, rss, cpu = run(argv + [bad], cpu=30)
        text = out + err.encode()
        found = len(re.findall(rb": error: [^\n]*\[IPE-E111\]", text))
        check(rc == 1 and found == 11 and b"524278 more members of set 'S'" in text,
              "%s, 1 MiB line of bad set members: 10 findings and one that counts the rest (rc %d, cpu %.1f s, "
              "%d findings): %s" % (what, rc, cpu, found, text[-300:]))
        check(len(text) < 64 * 1024, "%s, 1 MiB line of bad set members: %d bytes of output" % (what, len(text)))
        ratio = (rss - base) / (n / MiB)
        check(ratio < 14, "%s, 1 MiB line of bad set members: peak RSS %.0f MiB, %.0f MiB over the baseline "
              "= %.1fx the input (at most 14x)" % (what, rss, rss - base, ratio))


def group_reads(d):
    pol = write(d, "ok.pol", "policy_name=a policy_version=0.0.1\nDEFAULT action=ALLOW\n")
    # a device read to its end: 4 GiB before; now the 64 MiB policy cap
    for what, argv, cap in (
            ("policy /dev/zero", [CHECK, "/dev/zero"], 64),
            ("--kernel-config /dev/zero", [CHECK, "--kernel-config", "/dev/zero", pol], 16),
            ("--baseline /dev/zero", [CHECK, "--baseline", "/dev/zero", pol], 64)):
        rc, out, err, rss, cpu = run(argv, cpu=30)
        check(rc == 2 and "too large" in err, "%s: refused as too large (rc %d): %s" % (what, rc, err[-200:]))
        check(rss < cap + 160, "%s: peak RSS %.0f MiB, the cap is %d MiB" % (what, rss, cap))
    # a binary policy whose header says 368 bytes, in a 4 GiB (sparse) file:
    # refused from the header and the file size, nothing read
    rc, _, err, _, _ = run([COMPILE, "-q", "-f", "binary", "-o", os.path.join(d, "ok.bin"), pol])
    check(rc == 0, "compile ok.bin: " + err)
    big = os.path.join(d, "big.bin")
    with open(os.path.join(d, "ok.bin"), "rb") as f, open(big, "wb") as g:
        g.write(f.read())
        g.truncate(4 << 30)
    rc, out, err, rss, cpu = run([COMPILE, "--decompile", big, "-o", "-"], cpu=30)
    check(rc != 0 and "input is longer" in err and not out,
          "--decompile 4 GiB file with a 368-byte header: refused (rc %d): %s" % (rc, err[-300:]))
    check(rss < 100, "--decompile 4 GiB file: peak RSS %.0f MiB" % rss)
    # a header declaring 2^40 bytes
    hdr = bytearray(open(os.path.join(d, "ok.bin"), "rb").read())
    hdr[16:24] = (1 << 40).to_bytes(8, "little")
    rc, out, err, rss, cpu = run([COMPILE, "--decompile", "-", "-o", "-"], stdin=open(write(d, "h.bin", bytes(hdr)), "rb"))
    check(rc != 0 and "more than a binary policy can be" in err, "--decompile header of 2^40 bytes: " + err[-300:])
    # a FIFO nobody writes to: no hang, read as empty
    fifo = os.path.join(d, "fifo")
    os.mkfifo(fifo)
    rc, out, err, rss, cpu = run([CHECK, "--color=never", fifo], hang=60)
    check(rc == 1 and b"IPE-E001" in out, "FIFO without a writer: an empty policy, no hang (rc %d)" % rc)


def digest_set(name, n, seed):
    return "set %s {\n%s\n}\n" % (name, "\n".join("sha256:%064x" % (seed * 10 ** 6 + i) for i in range(n)))


def compile_(d, main, *opts):
    return run([COMPILE, "--color=never", "-q", "-o", os.path.join(d, "out.pol")] + list(opts) + [main],
               cpu=60, cwd=d)


def group_limits(d):
    # 7 ops x 3,000 x 3,000 = 63,000,000 rules from one line: refused before
    # any rule is made (it ran into gigabytes before)
    main = write(d, "prod.pol", HDR + digest_set("A", 3000, 1) + digest_set("B", 3000, 2) +
                 "op=EXECUTE,FIRMWARE,KMODULE,KEXEC_IMAGE,KEXEC_INITRAMFS,POLICY,X509_CERT "
                 "fsverity_digest in @A dmverity_roothash in @B action=ALLOW\n")
    rc, _, err, rss, _ = compile_(d, main)
    check(rc == 1 and "expands to 63000000 rules, over the limit of 100000 [IPE-E122]" in err,
          "set product: IPE-E122 (rc %d): %s" % (rc, err[-300:]))
    check(rss < 200, "set product: peak RSS %.0f MiB" % rss)
    check(not os.path.exists(os.path.join(d, "out.pol")), "set product: nothing written")
    # the limit can be raised, and counts exactly
    main = write(d, "two.pol", HDR + digest_set("A", 3, 1) + "op=EXECUTE,KMODULE fsverity_digest in @A action=ALLOW\n")
    rc, _, err, _, _ = compile_(d, main, "--max-line-rules=5")
    check(rc == 1 and "expands to 6 rules, over the limit of 5" in err, "--max-line-rules=5: " + err[-300:])
    rc, _, err, _, _ = compile_(d, main, "--max-line-rules=6")
    check(rc == 0, "--max-line-rules=6 allows 6 rules: " + err[-300:])
    # total rules: 20 lines x 100 members = 2,000 rules
    main = write(d, "total.pol", HDR + digest_set("A", 100, 1) +
                 "op=EXECUTE fsverity_digest in @A action=ALLOW\n" * 20)
    rc, _, err, _, _ = compile_(d, main, "--max-rules=1000")
    check(rc == 1 and err.count("[IPE-E123]") == 1 and "over the limit of 1000 rules" in err,
          "--max-rules=1000: one IPE-E123: " + err[-300:])
    rc, _, err, _, _ = compile_(d, main, "--max-rules=2000")
    check(rc == 0, "--max-rules=2000 allows 2,000 rules: " + err[-300:])
    rc, _, err, _, _ = compile_(d, main, "--max-rules=-1")
    check(rc == 3 and "positive number" in err, "--max-rules=-1 refused (usage): " + err[-200:])
    for bad in ("0", " 5", "+5", "5k", "", "18446744073709551616"):
        rc, _, err, _, _ = compile_(d, main, "--max-rules=" + bad)
        check(rc == 3 and "positive number" in err, "--max-rules=%r refused (usage): %s" % (bad, err[-200:]))
    # ten files of ten include lines: 10^10 includes before; one error now
    write(d, "inc.pol", HDR + 'include "f0.pol"\n')
    for i in range(10):
        write(d, "f%d.pol" % i, ('include "f%d.pol"\n' % (i + 1) if i < 9 else
                                "op=EXECUTE boot_verified=TRUE action=ALLOW\n") * 10)
    rc, _, err, _, cpu = compile_(d, os.path.join(d, "inc.pol"))
    check(rc == 1 and err.count("[IPE-E103]") == 1 and "more than 1000 include" in err,
          "include bomb: one IPE-E103 (rc %d): %s" % (rc, err[-300:]))
    # one 16 MiB file included 40 times: read and kept once (640 MiB before),
    # the bytes gone through capped (256 MiB by default)
    write(d, "big.inc", ("#" + "x" * 99 + "\n") * (160 * 1024))
    main = write(d, "bigs.pol", HDR + 'include "big.inc"\n' * 40)
    rc, _, err, rss, _ = compile_(d, main)
    check(rc == 1 and err.count("[IPE-E104]") == 1 and "past 268435456" in err,
          "40 x 16 MiB includes: one IPE-E104 (rc %d): %s" % (rc, err[-300:]))
    check(rss < 16 * 3 + 160, "40 x 16 MiB includes: peak RSS %.0f MiB (one copy of the file)" % rss)
    rc, _, err, rss, _ = compile_(d, main, "--max-include-bytes=%d" % (700 * MiB))
    check(rc == 0, "--max-include-bytes raises it: " + err[-300:])
    check(rss < 16 * 3 + 160, "40 x 16 MiB includes: peak RSS %.0f MiB (one copy of the file)" % rss)


GROUPS = {"lexer": group_lexer, "tokens": group_tokens, "reads": group_reads, "limits": group_limits,
          "sets": group_sets}


def main():
    groups = sys.argv[1:] or sorted(GROUPS)
    for g in groups:
        with tempfile.TemporaryDirectory() as d:
            GROUPS[g](d)
    return testlib.finish()


if __name__ == "__main__":
    sys.exit(main())
