#!/usr/bin/env python3
"""Differential test: libipe's kernel verdict against the independent Python
model in tests/corpus/kernel_model.py, on thousands of near-valid policies
produced by test_props (IPE_PROPS_DUMP).  Compares the errno and, when the
kernel fails on a token, the byte offset of that token.

usage: diff_kernel_model.py TEST_PROPS_EXE [ITERATIONS] [SEED]
"""
import os
import subprocess
import sys
import tempfile

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "corpus"))
try:
    import kernel_model  # noqa: E402
except ImportError:
    print("FAIL: tests/corpus/kernel_model.py cannot be imported (the independent kernel model is part of the tests)")
    sys.exit(1)


def main(argv):
    exe = argv[1]
    iters = argv[2] if len(argv) > 2 else "3000"
    seed = argv[3] if len(argv) > 3 else "0x5eed"
    with tempfile.TemporaryDirectory() as d:
        env = dict(os.environ, IPE_PROPS_DUMP=d)
        r = subprocess.run([exe, iters, seed], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            sys.stdout.write(r.stdout.decode(errors="replace"))
            print("FAIL: test_props failed")
            return 1
        bad = 0
        n = 0
        with open(os.path.join(d, "verdicts.txt")) as f:
            for line in f:
                idx, err, off = line.split()
                with open(os.path.join(d, idx + ".pol"), "rb") as pf:
                    data = pf.read()
                m = kernel_model.model(data)
                n += 1
                want = ("OK", None) if m is None else (m[0], m[1])
                got_off = int(off)
                ok = want[0] == err and (want[1] is None or err in ("OK",) or want[1] == got_off)
                if not ok:
                    bad += 1
                    if bad <= 10:
                        print("DIFF case %s: libipe %s@%d, kernel model %s@%s" % (idx, err, got_off, want[0], want[1]))
                        print("   ", repr(data[max(0, got_off - 60):got_off + 60]))
        print("%d near-valid policies compared with the kernel model: %d disagreement(s)" % (n, bad))
        return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
