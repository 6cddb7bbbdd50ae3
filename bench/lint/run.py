#!/usr/bin/env python3
"""Lint time vs parse time on 1k, 100k and 1M rules.

Usage: bench/lint/run.py PATH/TO/ipe-check [sizes...]
Parse time = ipe-check --no-lint; lint time = default run minus parse time.
The issue's budget: lint < 2x parse at 1M rules."""
import os, random, resource, subprocess, sys, tempfile, time

def gen(path, n):
    rnd = random.Random(n)
    with open(path, "w") as f:
        f.write("policy_name=bench policy_version=1.0.0\nDEFAULT action=DENY\n")
        f.write("op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n")
        for i in range(n):
            if i % 1000 == 7:
                f.write("op=EXECUTE fsverity_digest=sha256:%064x action=DENY\n" % rnd.getrandbits(256))
            else:
                f.write("op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW\n" % rnd.getrandbits(256))

def cpu(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

def main():
    exe = sys.argv[1]
    sizes = [int(s) for s in sys.argv[2:]] or [1000, 100000, 1000000]
    with tempfile.TemporaryDirectory() as d:
        for n in sizes:
            p = os.path.join(d, "p%d.pol" % n)
            gen(p, n)
            parse = min(cpu([exe, "-q", "--no-lint", p]) for _ in range(3))
            full = min(cpu([exe, "-q", p]) for _ in range(3))
            lint = max(full - parse, 0.0)
            print("%8d rules: parse %.3fs  lint %.3fs  ratio %.2f" % (n, parse, lint, lint / parse if parse else 0))

main()
