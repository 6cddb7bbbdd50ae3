#!/usr/bin/env python3
"""ipe-digest benchmark: the comparisons of issue 12, in one run on one tree, timed as processes
with default options (ipe-digest -r DIR: -j = online CPUs).

  1. ipe-digest -r TREE     vs  `fsverity digest` over all files in one process    (goal >= 1.6x)
  2. ipe-digest -r SMALL    vs  one `fsverity digest` process per small file        (goal >= 20x)
                                (timed on a sample of --sample files, scaled to all)
  3. ipe-digest -r LARGE    vs  the SHA-256 bound: `openssl speed -evp sha256` bytes/s at
                                16 KiB blocks x online CPUs x 1/(1+1/128) (fs-verity hashes each
                                data byte once, plus ~1/128 for the Merkle tree) (goal >= 80%)
                                and `fsverity digest` over the large files in one process

Usage: bench/digest/run.py [--small N] [--large N] [--large-mb MB] [--runs R] [--sample S]
Environment: IPE_DIGEST (default: configure and build build-bench/ as a release build),
BENCH_DIR (default /tmp/ipe-bench/digest; the tree is made once and kept).
For each figure: the best and median wall-clock time of R runs, the least and median CPU time
(user+sys), and the 1-minute load average around the measurement (other processes take CPU from
wall-clock figures: compare the CPU columns on a loaded machine). The two sides of comparisons 1
and 3 run alternately. A summary of the three goals ends the output.
"""

import argparse
import hashlib
import os
import statistics
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
    print(f"making the tree in {base} (once) ...", flush=True)
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


def load():
    return os.getloadavg()[0]


class Timing:
    """runs of a list of commands (run one after the other): best wall, CPU (user+sys) min and median"""

    def __init__(self, walls, cpus, l0, l1):
        self.wall = min(walls)
        self.wall_med = statistics.median(walls)
        self.cpu = min(cpus)
        self.cpu_med = statistics.median(cpus)
        self.load = f"{min(l0, l1):.1f}-{max(l0, l1):.1f}"


def timed(cmds, runs):
    walls, cpus = [], []
    l0 = load()
    for _ in range(runs):
        t0 = time.monotonic()
        cpu = 0.0
        for c in cmds:
            p = subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, ru = os.wait4(p.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                sys.exit(f"failed: {' '.join(c[:4])} ...")
            cpu += ru.ru_utime + ru.ru_stime
        walls.append(time.monotonic() - t0)
        cpus.append(cpu)
    return Timing(walls, cpus, l0, load())


def timed_pair(a, b, runs):
    """Two command lists timed alternately (a, b, a, b, ...): the same machine state for both."""
    ra, rb = ([], [], load()), ([], [], None)
    for _ in range(runs):
        for cmds, r in ((a, ra), (b, rb)):
            t = timed(cmds, 1)
            r[0].append(t.wall)
            r[1].append(t.cpu)
    l1 = load()
    return Timing(ra[0], ra[1], ra[2], l1), Timing(rb[0], rb[1], ra[2], l1)


def ceiling(base, path):
    """libfsverity_compute_digest without file I/O (bench/digest/ceiling.c): bytes per CPU second
    from the CPU cache and from memory; bytes per wall second with all cores, through libfsverity
    and with plain SHA-256."""
    exe = os.path.join(base, ".ceiling")
    src = os.path.join(HERE, "ceiling.c")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["cc", "-O2", "-o", exe, src, "-lfsverity", "-lcrypto", "-lpthread"], check=True)
    r = subprocess.run([exe, path, "10"], capture_output=True, text=True, check=True)
    return [float(v) for v in r.stdout.split()]


def sha256_rate():
    r = subprocess.run(["openssl", "speed", "-evp", "sha256", "-bytes", "16384", "-seconds", "2"],
                       capture_output=True, text=True, check=True)
    line = [l for l in r.stdout.splitlines() if l.startswith("sha256")][-1]
    return float(line.split()[-1].rstrip("k")) * 1000  # bytes/s at 16384-byte blocks


def row(label, t):
    return (f"{label:<38} wall {t.wall:6.3f} s (median {t.wall_med:6.3f})   CPU {t.cpu:6.3f} s "
            f"(median {t.cpu_med:6.3f})   load {t.load}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=5000)
    ap.add_argument("--large", type=int, default=6)
    ap.add_argument("--large-mb", type=int, default=24)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sample", type=int, default=500, help="small files timed one process each")
    a = ap.parse_args()
    t_start = time.monotonic()
    exe = build()
    base = os.environ.get("BENCH_DIR", "/tmp/ipe-bench/digest")
    make_tree(base, a.small, a.large, a.large_mb)
    sdir, ldir = os.path.join(base, "small"), os.path.join(base, "large")
    small, large = files_under(sdir), files_under(ldir)
    allf = small + large
    cpus = os.cpu_count()
    nb_large = sum(os.path.getsize(f) for f in large)
    nb_small = sum(os.path.getsize(f) for f in small)
    print(f"tree: {len(small)} small files ({nb_small / 1e6:.1f} MB), {len(large)} x {a.large_mb} MB "
          f"({nb_large / 1e6:.0f} MB); {cpus} online CPUs; {os.path.basename(exe)}: {exe}")
    # the same output first: the comparison is between equal work
    ours = subprocess.run([exe, "-r", sdir, ldir], capture_output=True).stdout
    theirs = subprocess.run(["fsverity", "digest"] + allf, capture_output=True).stdout
    if ours != theirs:
        sys.exit("ipe-digest and fsverity digest disagree")
    timed([[exe, "-r", base]], 1)  # warm the page cache

    goals = []
    print(f"\n1. all files ({(nb_small + nb_large) / 1e6:.0f} MB), goal: ipe-digest >= 1.6x faster (wall)")
    t1, t2 = timed_pair([[exe, "-r", sdir, ldir]], [["fsverity", "digest"] + allf], a.runs)
    t1j = timed([[exe, "-j1", "-r", sdir, ldir]], a.runs)
    print(row("   ipe-digest -r", t1))
    print(row("   ipe-digest -j1 -r (one thread)", t1j))
    print(row("   fsverity digest (one process)", t2))
    print(f"   => wall {t2.wall / t1.wall:.2f}x faster (medians {t2.wall_med / t1.wall_med:.2f}x); CPU total "
          f"ipe-digest {t1.cpu:.3f} s ({t1.cpu / t2.cpu:.2f}x fsverity digest's {t2.cpu:.3f} s; -j1 {t1j.cpu:.3f} s)")
    goals.append(("1. whole tree vs fsverity digest, one process", f"{t2.wall / t1.wall:.2f}x", ">= 1.6x",
                  t2.wall / t1.wall >= 1.6, f"CPU {t1.cpu:.3f} vs {t2.cpu:.3f} s"))

    print(f"\n2. small files, goal: ipe-digest >= 20x faster than a process per file")
    step = max(1, len(small) // a.sample)
    sample = small[::step][:a.sample]
    t3 = timed([[exe, "-r", sdir]], a.runs)
    t4 = timed([["fsverity", "digest", f] for f in sample], 1)
    scale = len(small) / len(sample)
    print(row(f"   ipe-digest -r ({len(small)} files)", t3))
    print(row(f"   fsverity digest per file ({len(sample)})", t4))
    print(f"   => x {scale:.1f} for all {len(small)} files: {t4.wall * scale:.1f} s wall, "
          f"{t4.cpu * scale:.1f} s CPU: {t4.wall * scale / t3.wall:.0f}x faster (wall), "
          f"{t4.cpu * scale / t3.cpu:.0f}x less CPU")
    goals.append(("2. small files vs a process per file", f"{t4.wall * scale / t3.wall:.0f}x", ">= 20x",
                  t4.wall * scale / t3.wall >= 20, f"CPU {t3.cpu:.3f} vs {t4.cpu * scale:.1f} s"))

    print(f"\n3. large files ({nb_large / 1e6:.0f} MB), goal: ipe-digest >= 80% of the SHA-256 bound (wall)")
    t5, t6 = timed_pair([[exe, "-r", ldir]], [["fsverity", "digest"] + large], a.runs)
    rate = sha256_rate()
    lib = ceiling(base, large[0])
    core = rate / (1 + 1 / 128)
    bound = core * cpus
    got = nb_large / t5.wall
    print(row("   ipe-digest -r", t5) + f" = {got / 1e6:.0f} MB/s")
    print(row("   fsverity digest (one process)", t6) + f" = {nb_large / t6.wall / 1e6:.0f} MB/s")
    print(f"   bound: openssl speed {rate / 1e6:.0f} MB/s x {cpus} CPUs / (1+1/128) = {bound / 1e6:.0f} MB/s")
    print(f"   => ipe-digest at {100 * got / bound:.0f}% of the bound (wall); per CPU second "
          f"{100 * nb_large / t5.cpu / core:.0f}% of one core's bound (fsverity digest: "
          f"{100 * nb_large / t6.cpu / core:.0f}%)")
    print(f"   ceiling of libfsverity_compute_digest (bench/digest/ceiling.c, no file I/O): per CPU second, "
          f"data in the CPU cache {100 * lib[0] / core:.0f}% of one core's bound, read once from memory "
          f"{100 * lib[1] / core:.0f}%; {cpus} threads at once from memory {lib[2] / 1e6:.0f} MB/s = "
          f"{100 * lib[2] / bound:.0f}% of the bound (wall)")
    print(f"   the same {cpus} threads with plain SHA-256 (16 KiB updates): {lib[3] / 1e6:.0f} MB/s = "
          f"{100 * lib[3] * (1 + 1 / 128) / (rate * cpus):.0f}% of openssl speed x {cpus}: libfsverity gets "
          f"{100 * lib[2] / lib[3]:.0f}% of it; ipe-digest {100 * got / lib[3]:.0f}%")
    goals.append(("3. large files vs the SHA-256 bound", f"{100 * got / bound:.0f}%", ">= 80%",
                  got / bound >= 0.8, f"libfsverity alone, no I/O: {100 * lib[2] / bound:.0f}%"))

    print(f"\nsummary (wall-clock goals; load {load():.1f}: other processes make wall ratios low)")
    for name, val, goal, ok, note in goals:
        print(f"   {name:<46} {val:>6}  goal {goal:<7} {'met' if ok else 'NOT MET':<8} {note}")
    print(f"\n(benchmark took {time.monotonic() - t_start:.0f} s; load now {load():.1f})")


if __name__ == "__main__":
    main()
