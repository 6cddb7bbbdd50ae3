#!/usr/bin/env python3
"""Time and peak memory of the tools against input size, for each kind of
input (issue 11: linear time, memory a small multiple of the input).

    bench/bounds/bounds.py [BUILD_DIR] [SIZES_MiB...]   (default: build, 4 8 16 32)

Every row runs the tool as a process with default options (plus the option
that names the input) on a generated file and reports the CPU time
(user+sys, steadier than wall-clock on a shared machine), the peak RSS
(ru_maxrss) and both per MiB of input: a constant column means linear.
"""
import os
import resource
import subprocess
import sys
import tempfile

MiB = 1 << 20
HDR = "policy_name=bench policy_version=1.0.0\nDEFAULT action=DENY\n"


TIME = "/usr/bin/time"  # GNU time (Debian package time)


def measure(argv, cwd):
    """exit status, CPU seconds, peak RSS in MiB.  The tool is started by GNU
    time, not by this script: ru_maxrss keeps the high-water mark across
    exec, so a child forked from this Python process (which holds the
    generated inputs) would report Python's RSS when it is the larger."""
    with open(os.devnull, "wb") as null, tempfile.NamedTemporaryFile("r") as out:
        p = subprocess.Popen([TIME, "-q", "-f", "%M", "-o", out.name, "--"] + argv, stdout=null, stderr=null,
                             cwd=cwd)
        _, status, ru = os.wait4(p.pid, 0)
        rss_kib = int(out.read().strip().splitlines()[-1])
    return os.waitstatus_to_exitcode(status), ru.ru_utime + ru.ru_stime, rss_kib / 1024.0


def gen_long_token(path, n):
    with open(path, "w") as f:
        f.write(HDR + "op=EXECUTE fsverity_digest=sha256:" + "a" * (n - len(HDR) - 60) + " action=ALLOW\n")


def gen_short_tokens(path, n):
    with open(path, "w") as f:
        f.write(HDR + "op=EXECUTE " + "boot_verified=TRUE " * ((n - len(HDR)) // 19) + "action=ALLOW\n")


def gen_tiny_tokens(path, n, tok="a", first="op=EXECUTE"):
    """One line of tok tokens (1-byte "a": the densest shape), after first."""
    with open(path, "w") as f:
        f.write(HDR + first + " " + (tok + " ") * ((n - len(HDR)) // (len(tok) + 1)) + "action=ALLOW\n")


def gen_rules(path, n):
    line = "op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW\n"
    with open(path, "w") as f:
        f.write(HDR)
        size, i = len(HDR), 0
        while size < n:
            s = line % i
            f.write(s)
            size += len(s)
            i += 1


def gen_kconfig(path, n):
    with open(path, "w") as f:
        f.write("CONFIG_SECURITY_IPE=y\nCONFIG_IPE_PROP_FS_VERITY=y\n")
        i = 0
        while f.tell() < n:
            f.write("CONFIG_BENCH_OPTION_%d=y\n# CONFIG_BENCH_OFF_%d is not set\n" % (i, i))
            i += 1


def gen_digest_list(d, n):
    with open(os.path.join(d, "list.txt"), "w") as f:
        i = 0
        while f.tell() < n:
            f.write("sha256:%064x /usr/lib/bench/file%d\n" % (i, i))
            i += 1
    with open(os.path.join(d, "set.pol"), "w") as f:
        f.write(HDR + 'set L from "list.txt"\nop=EXECUTE fsverity_digest in @L action=ALLOW\n')


def main():
    args = sys.argv[1:]
    build = args.pop(0) if args and not args[0].isdigit() else "build"
    sizes = [int(a) for a in args] or [4, 8, 16, 32]
    build = os.path.abspath(build)
    check = os.path.join(build, "src/tools/ipe-check")
    comp = os.path.join(build, "src/tools/ipe-compile")
    print("| input | MiB | exit | CPU s | CPU s/MiB | peak RSS MiB | RSS/input |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as d:
        ok = os.path.join(d, "ok.pol")
        with open(ok, "w") as f:
            f.write(HDR)
        for mib in sizes:
            n = mib * MiB
            rows = []
            p = os.path.join(d, "in.pol")
            gen_long_token(p, n)
            rows.append(("policy, one token of the whole size (ipe-check)", [check, p]))
            rows.append(("the same as --baseline (ipe-check)", [check, "--baseline", p, ok]))
            p2 = os.path.join(d, "short.pol")
            gen_short_tokens(p2, n)
            rows.append(("policy, one line of short tokens (ipe-check)", [check, p2]))
            p5 = os.path.join(d, "tiny.pol")
            gen_tiny_tokens(p5, n)
            rows.append(("policy, one line of 1-byte tokens (ipe-check)", [check, p5]))
            rows.append(("the same in source mode (ipe-check --source)", [check, "--source", p5]))
            rows.append(("the same, compiled (ipe-compile)", [comp, "-q", "-o", os.devnull, p5]))
            p6 = os.path.join(d, "tiny2.pol")
            gen_tiny_tokens(p6, n, "ab")
            rows.append(("policy, one line of 2-byte tokens (ipe-check)", [check, p6]))
            rows.append(("the same in source mode (ipe-check --source)", [check, "--source", p6]))
            p7 = os.path.join(d, "tinyx.pol")
            gen_tiny_tokens(p7, n, "a", "op=EXECUTE,KMODULE")
            rows.append(("one line of 1-byte tokens after op=EXECUTE,KMODULE (ipe-compile)",
                         [comp, "-q", "-o", os.devnull, p7]))
            p3 = os.path.join(d, "rules.pol")
            gen_rules(p3, n)
            rows.append(("policy, 111-byte digest rules (ipe-check)", [check, p3]))
            rows.append(("the same, compiled (ipe-compile)", [comp, "-q", "-o", os.devnull, p3]))
            p4 = os.path.join(d, "kconfig")
            if mib <= 16:
                gen_kconfig(p4, n)
                rows.append(("kernel .config (ipe-check --kernel-config)", [check, "--kernel-config", p4, ok]))
            gen_digest_list(d, n)
            rows.append(("digest list, set from (ipe-compile)", [comp, "-q", "-o", os.devnull, os.path.join(d, "set.pol")]))
            pb = os.path.join(d, "rules.ipeb")
            if subprocess.run([comp, "-q", "-f", "binary", "-o", pb, p3]).returncode == 0:
                rows.append(("binary form (ipe-compile --decompile), size of its source",
                             [comp, "-q", "--decompile", pb, "-o", os.devnull]))
            for what, argv in rows:
                rc, cpu, rss = measure(argv, d)
                print("| %s | %d | %d | %.2f | %.3f | %.0f | %.1f |" % (what, mib, rc, cpu, cpu / mib, rss, rss / mib))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
