#!/usr/bin/env python3
"""ipe-digest benchmark: the three comparisons of issue 12, timed as processes with default options.

  1. ipe-digest -r TREE            vs  `fsverity digest` over all files in one process
  2. ipe-digest -r SMALL           vs  one `fsverity digest` process per file (small files)
  3. ipe-digest -r LARGE (MB/s)    vs  the SHA-256 bound: `openssl speed -evp sha256` bytes/s
                                       (16384-byte column) x online CPUs / (1 + 1/127), since
                                       fs-verity hashes each data byte once plus ~1/127 for the tree

Usage: bench/digest/run.py [--small N] [--large N] [--large-mb MB] [--runs R]
Environment: IPE_DIGEST (default: configure and build build-bench/ as a release build),
BENCH_DIR (default /tmp/ipe-bench/digest; the tree is kept between runs).
Prints wall-clock seconds (best of R) and CPU seconds (user+sys of that run) for each.
"""

import argparse
import hashlib
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def build():
    exe = os.environ.get("IPE_DIGEST")
    if exe:
        return exe
    bdir = os.path.join(ROOT, "build-bench")
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        subprocess.run(["meson", "setup", bdir, "--buildtype=release", "-Dtests=disabled"],
                       cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["nice", "ninja", "-C", bdir, "-j2", "src/tools/ipe-digest"], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(bdir, "src/tools/ipe-digest")


def make_tree(base, nsmall, nlarge, large_mb):
    stamp = os.path.join(base, f".done-{nsmall}-{nlarge}-{large_mb}")
    if os.path.exists(stamp):
        return
    subprocess.run(["rm", "-rf", base], check=True)
    small = os.path.join(base, "small")
    for i in range(nsmall):
        d = os.path.join(small, f"{i % 50:02d}")
        os.makedirs(d, exist_ok=True)
        n = int(hashlib.sha256(b"%d" % i).hexdigest()[:8], 16) % 16384 + 64  # 64 B .. 16 KiB
        with open(os.path.join(d, f"f{i:06d}"), "wb") as f:
            f.write(os.urandom(n))
    large = os.path.join(base, "large")
    os.makedirs(large)
    for i in range(nlarge):
        with open(os.path.join(large, f"L{i:02d}"), "wb") as f:
            for _ in range(large_mb):
                f.write(os.urandom(1 << 20))
    open(stamp, "w").close()


def files_under(d):
    out = []
    for root, dirs, files in os.walk(d):
        dirs.sort()
        out += [os.path.join(root, f) for f in sorted(files) if not f.startswith(".")]
    return out


def timed(cmds, runs):
    """Run the list of commands (sequentially) runs times; best wall time and its CPU time."""
    best = None
    for _ in range(runs):
        t0 = time.monotonic()
        cpu = 0.0
        for c in cmds:
            p = subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"failed: {' '.join(c[:4])} ...")
            cpu += ru.ru_utime + ru.ru_stime
        dt = time.monotonic() - t0
        if best is None or dt < best[0]:
            best = (dt, cpu)
    return best


def sha256_rate():
    r = subprocess.run(["openssl", "speed", "-evp", "sha256", "-seconds", "3"],
                       capture_output=True, text=True, check=True)
    line = [l for l in r.stdout.splitlines() if l.startswith("sha256")][-1]
    vals = [float(v.rstrip("k")) * 1000 for v in line.split()[1:]]
    return vals[-1]  # 16384-byte blocks, bytes/s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=5000)
    ap.add_argument("--large", type=int, default=6)
    ap.add_argument("--large-mb", type=int, default=24)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    exe = build()
    base = os.environ.get("BENCH_DIR", "/tmp/ipe-bench/digest")
    make_tree(base, a.small, a.large, a.large_mb)
    small, large = files_under(os.path.join(base, "small")), files_under(os.path.join(base, "large"))
    allf = small + large
    cpus = os.cpu_count()
    nbytes_large = sum(os.path.getsize(f) for f in large)
    nbytes_all = nbytes_large + sum(os.path.getsize(f) for f in small)
    print(f"tree: {len(small)} small files ({(nbytes_all - nbytes_large) / 1e6:.1f} MB), "
          f"{len(large)} x {a.large_mb} MB; {cpus} online CPUs; load {os.getloadavg()[0]:.1f}")
    # same output first: the comparison is between equal work
    ours = subprocess.run([exe] + allf, capture_output=True).stdout
    theirs = subprocess.run(["fsverity", "digest"] + allf, capture_output=True).stdout
    if ours != theirs:
        sys.exit("ipe-digest and fsverity digest disagree")
    # warm the page cache
    timed([[exe, "-r", base]], 1)

    w1, c1 = timed([[exe, "-r", os.path.join(base, "small"), os.path.join(base, "large")]], a.runs)
    w2, c2 = timed([["fsverity", "digest"] + allf], a.runs)
    print(f"1. all files     ipe-digest -r  {w1:7.3f} s wall {c1:7.3f} s CPU | "
          f"fsverity digest (1 process) {w2:7.3f} s wall {c2:7.3f} s CPU | speed-up {w2 / w1:.2f}x")

    w3, c3 = timed([[exe, "-r", os.path.join(base, "small")]], a.runs)
    w4, c4 = timed([["fsverity", "digest", f] for f in small], 1)
    print(f"2. small files   ipe-digest -r  {w3:7.3f} s wall {c3:7.3f} s CPU | "
          f"fsverity digest per file    {w4:7.3f} s wall {c4:7.3f} s CPU | speed-up {w4 / w3:.1f}x")

    w5, c5 = timed([[exe, "-r", os.path.join(base, "large")]], a.runs)
    rate = sha256_rate()
    bound = rate * cpus / (1 + 1 / 127)
    got = nbytes_large / w5
    print(f"3. large files   ipe-digest -r  {w5:7.3f} s wall {c5:7.3f} s CPU = {got / 1e6:.0f} MB/s | "
          f"bound {rate / 1e6:.0f} MB/s x {cpus} / (1+1/127) = {bound / 1e6:.0f} MB/s | "
          f"{100 * got / bound:.0f}% of the bound (CPU: {100 * nbytes_large / c5 / (rate / (1 + 1 / 127)):.0f}% of one core's)")


if __name__ == "__main__":
    main()
