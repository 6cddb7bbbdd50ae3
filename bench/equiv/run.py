#!/usr/bin/env python3
"""Time ipe-check --equivalent on pairs of N-rule policies (default 100k).

Pairs: fs-verity digests (equivalent: B = A with duplicates appended),
mixed root hashes + digests (equivalent), and a non-equivalent pair (two
adjacent rules of different digest kinds swapped: the slowest witness).
Usage: run.py [BUILD_DIR] [N]"""
import os, random, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
check = os.path.join(build, "src/tools/ipe-check")
rng = random.Random(5)
hdr = "policy_name=bench policy_version=0.0.1\nDEFAULT action=DENY\n"

def h(bits):
    return "%064x" % rng.getrandbits(bits)

def write(path, lines):
    with open(path, "w") as f:
        f.write(hdr + "".join(l + "\n" for l in lines))

tmp = tempfile.mkdtemp()
fsv = ["op=EXECUTE fsverity_digest=sha256:%s action=ALLOW" % h(256) for _ in range(n)]
mixed = []
for i in range(n):
    kind = rng.randrange(3)
    if kind == 0:
        mixed.append("op=EXECUTE fsverity_digest=sha256:%s action=%s" % (h(256), rng.choice(["ALLOW", "DENY"])))
    elif kind == 1:
        mixed.append("op=EXECUTE dmverity_roothash=sha256:%s action=%s" % (h(256), rng.choice(["ALLOW", "DENY"])))
    else:
        mixed.append("op=EXECUTE dmverity_signature=TRUE boot_verified=FALSE action=ALLOW")
swapped = list(mixed)
swapped.insert(n // 2, "op=EXECUTE fsverity_digest=sha256:%s action=DENY" % ("ab" * 32))
swapped.insert(n // 2, "op=EXECUTE dmverity_roothash=sha256:%s action=ALLOW" % ("cd" * 32))
swapped2 = list(swapped)
swapped2[n // 2], swapped2[n // 2 + 1] = swapped2[n // 2 + 1], swapped2[n // 2]

cases = [("fsverity digests, equivalent", fsv, fsv + fsv[: n // 10], 0),
         ("mixed kinds, equivalent", mixed, mixed + mixed[: n // 10], 0),
         ("mixed kinds, 2 rules swapped", swapped, swapped2, 1)]
worst = 0.0
for name, a, b, want in cases:
    pa, pb = os.path.join(tmp, "a.pol"), os.path.join(tmp, "b.pol")
    write(pa, a)
    write(pb, b)
    t = time.perf_counter()
    r = subprocess.run([check, "--equivalent", pa, pb], capture_output=True, text=True)
    dt = time.perf_counter() - t
    worst = max(worst, dt)
    ok = "ok" if r.returncode == want else "UNEXPECTED exit %d" % r.returncode
    print("%-32s %7d vs %7d rules: %.3f s (parse both + decide) %s" % (name, len(a), len(b), dt, ok))
print("worst: %.3f s" % worst)
