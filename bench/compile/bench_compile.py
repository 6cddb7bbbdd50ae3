#!/usr/bin/env python3
"""Compile-time benchmark of ipe-compile: N-rule policies (kernel syntax, and the same
rules written as one digest set used by a two-op rule).  Usage:
  bench_compile.py [BUILD_DIR] [N...]      (default N: 1000 100000 1000000)
Prints one line per case: rules, source bytes, output bytes, wall seconds (best of 3)."""
import os, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
sizes = [int(a) for a in sys.argv[2:]] or [1000, 100000, 1000000]
exe = os.path.abspath(os.path.join(build, "src/tools/ipe-compile"))

def digest(i):
    return "sha256:%064x" % (i * 2654435761 % (1 << 256))

def best(args, cwd):
    t = []
    for _ in range(3):
        s = time.perf_counter()
        subprocess.run([exe, "-q"] + args, cwd=cwd, check=True)
        t.append(time.perf_counter() - s)
    return min(t)

with tempfile.TemporaryDirectory() as d:
    for n in sizes:
        plain = os.path.join(d, "plain.pol")
        with open(plain, "w") as f:
            f.write("policy_name=bench policy_version=1.0.0\nDEFAULT action=DENY\n")
            for i in range(n):
                f.write("op=EXECUTE fsverity_digest=%s action=ALLOW\n" % digest(i))
        ext = os.path.join(d, "ext.pol")
        with open(os.path.join(d, "d.txt"), "w") as f:
            for i in range(n // 2):
                f.write("%s /usr/bin/f%d\n" % (digest(i), i))
        with open(ext, "w") as f:
            f.write('policy_name=bench policy_version=1.0.0\nDEFAULT action=DENY\nset s from "d.txt"\n'
                    "op=EXECUTE,KMODULE fsverity_digest in @s action=ALLOW\n")
        for label, src in (("kernel-syntax", plain), ("set+multi-op", ext)):
            secs = best(["-o", os.path.join(d, "out.pol"), src], d)
            print("%-14s rules=%-8d src=%-10d out=%-10d %.3f s" % (label, n if label == "kernel-syntax" else 2 * (n // 2),
                  os.path.getsize(src), os.path.getsize(os.path.join(d, "out.pol")), secs), flush=True)
