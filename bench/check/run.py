#!/usr/bin/env python3
"""ipe-check as users run it (issue #16 item 6): a process on a file, default
options (lint on, text report on stdout), against `ipe-check --no-lint` and
against the kernel's own policy parser (security/ipe/policy_parser.c of the
installed linux-source-6.12 package) compiled as a userspace program.

Usage: bench/check/run.py [BUILD_DIR] [RULES] [RUNS]
  BUILD_DIR  a release build (default: <source>/build-bench, configured like
             bench/parse.sh: --buildtype=release, tests off)
  RULES      rules of the generated policies (default 600000: the largest
             bench/gen_policy.py policy under ipe-check's 64 MiB input cap)
  RUNS       rounds (each runs every command once), best and median CPU
             shown (default 3)
  BENCH_DIR  where policies and the kernel harness are kept (/tmp/ipe-bench)

Each round runs the kernel parser, `ipe-check --no-lint` and `ipe-check`
back to back, so a change of load on a shared machine hits the three alike;
compare CPU times (user+sys), not wall-clock, when other work is running.

Two policies of RULES rules: `generated` (bench/gen_policy.py: its early
boolean rules make almost every later rule unreachable, so lint reports one
finding per rule) and `allowlist` (fs-verity digest rules, 1 in 1000 DENY,
the per-file allowlist case: a handful of findings).  For each: best wall and
CPU (user+sys, from wait4) seconds, MB/s of input, peak RSS and its ratio to
the input, stdout bytes, and CPU time over the kernel parser's.

The kernel harness: the parser and digest.c are extracted from
/usr/src/linux-source-6.12.tar.* into BENCH_DIR (never into the tree) and
compiled with -O2 against bench/check/kshim.h (malloc, lists, match_token,
kstrtou16, hex2bin) and bench/check/kparser_main.c (reads the file, parses
once, frees).  Needs the Debian package linux-source-6.12."""
import glob, os, random, shutil, subprocess, sys, time

here = os.path.dirname(os.path.abspath(__file__))
src = os.path.dirname(os.path.dirname(here))
build = sys.argv[1] if len(sys.argv) > 1 else os.path.join(src, "build-bench")
nrules = int(sys.argv[2]) if len(sys.argv) > 2 else 600000
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
bdir = os.environ.get("BENCH_DIR", "/tmp/ipe-bench")
os.makedirs(bdir, exist_ok=True)


def sh(cmd, **kw):
    subprocess.run(cmd, check=True, **kw)


def ensure_build():
    if not os.path.exists(os.path.join(build, "build.ninja")):
        sh(["meson", "setup", build, src, "--buildtype=release", "-Dtests=disabled", "-Dkernel_tests=false"],
           stdout=subprocess.DEVNULL)
    sh(["ninja", "-C", build, "-j2", "src/tools/ipe-check"], stdout=subprocess.DEVNULL)
    return os.path.join(build, "src/tools/ipe-check")


def ensure_kparser():
    tars = sorted(glob.glob("/usr/src/linux-source-6.12.tar.*"))
    if not tars:
        sys.exit("bench/check: /usr/src/linux-source-6.12.tar.* missing (apt-get install linux-source-6.12)")
    kdir = os.path.join(bdir, "kparser")
    ipe = os.path.join(kdir, "linux-source-6.12/security/ipe")
    files = ["policy_parser.c", "policy_parser.h", "policy.h", "digest.c", "digest.h"]
    if not all(os.path.exists(os.path.join(ipe, f)) for f in files):
        os.makedirs(kdir, exist_ok=True)
        t = time.time()
        sh(["tar", "-xf", tars[-1], "-C", kdir] + ["linux-source-6.12/security/ipe/" + f for f in files])
        print("extracted security/ipe/{%s} from %s in %.0f s" % (",".join(files), tars[-1], time.time() - t))
    shim = os.path.join(kdir, "shim/linux")
    os.makedirs(shim, exist_ok=True)
    for h in ["err", "slab", "parser", "types", "ctype", "list", "fs", "audit"]:
        with open(os.path.join(shim, h + ".h"), "w") as f:
            f.write('#include "kshim.h"\n')
    exe = os.path.join(kdir, "kparser")
    cc = os.environ.get("CC", "cc")
    # -w: the kernel's files are compiled as they are, warnings are not ours to fix
    sh([cc, "-O2", "-std=gnu17", "-w", "-I", os.path.dirname(shim), "-I", here, "-I", ipe, "-o", exe,
        os.path.join(here, "kparser_main.c"), os.path.join(ipe, "policy_parser.c"), os.path.join(ipe, "digest.c")])
    return exe


def gen_allowlist(path, n):
    n = min(n, ((64 << 20) - 100) // 112)  # 112-byte lines: stay under the input cap
    rnd = random.Random(n)
    with open(path, "w") as f:
        f.write("policy_name=allowlist policy_version=1.0.0\nDEFAULT action=DENY\n")
        for i in range(n):
            act = "DENY" if i % 1000 == 7 else "ALLOW"
            f.write("op=EXECUTE fsverity_digest=sha256:%064x action=%s\n" % (rnd.getrandbits(256), act))


def policies():
    out = []
    gen = os.path.join(bdir, "policy-%d.pol" % nrules)
    if not os.path.exists(gen):
        sh([sys.executable, os.path.join(src, "bench/gen_policy.py"), str(nrules), gen])
    out.append(("generated", gen))
    allow = os.path.join(bdir, "allowlist-%d.pol" % nrules)
    if not os.path.exists(allow):
        gen_allowlist(allow, nrules)
    out.append(("allowlist", allow))
    return out


def run_once(cmd, count_output):
    """wall, cpu, maxrss (bytes), stdout bytes (or None), exit status.  GNU
    time starts the command and reports its peak RSS: ru_maxrss of a child
    forked from this Python process would include Python's own RSS (the
    high-water mark survives exec).  CPU time is the command's (time waits
    for it; its own share is a millisecond)."""
    rssf = os.path.join(bdir, "rss.txt")
    cmd = ["/usr/bin/time", "-q", "-f", "%M", "-o", rssf, "--"] + cmd
    t = time.perf_counter()
    if count_output:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        nbytes = 0
        while True:
            b = p.stdout.read(1 << 20)
            if not b:
                break
            nbytes += len(b)
    else:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        nbytes = None
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    with open(rssf) as f:
        maxrss = int(f.read().strip().splitlines()[-1]) * 1024
    return wall, ru.ru_utime + ru.ru_stime, maxrss, nbytes, p.returncode


def main():
    t0 = time.time()
    check = ensure_build()
    kparser = ensure_kparser()
    print("load average %.2f %.2f %.2f; %d rounds, the three commands run back to back in each round "
          "(a load change hits all three); best and median CPU = user+sys of the process"
          % (os.getloadavg() + (runs,)))
    print("%-10s %-22s %7s %7s %7s %8s %8s %6s %10s %5s %9s" % (
        "policy", "command", "wall s", "CPU s", "med CPU", "cpuMB/s", "peak RSS", "x in", "stdout", "exit",
        "CPU/kern"))
    summary = []
    for name, path in policies():
        size = os.path.getsize(path)
        rows = [("kernel parser", [kparser, path]),
                ("ipe-check --no-lint", [check, "--no-lint", path]),
                ("ipe-check", [check, path])]
        res = {label: {"wall": [], "cpu": [], "rss": 0, "nbytes": None, "rc": None} for label, _ in rows}
        for i in range(runs):
            for label, cmd in rows:
                wall, cpu, maxrss, n, code = run_once(cmd, i == 0)
                if code == 2:
                    sys.exit("%s: exit status 2 (unreadable input?)" % " ".join(cmd))
                r = res[label]
                r["wall"].append(wall)
                r["cpu"].append(cpu)
                r["rss"] = max(r["rss"], maxrss)
                if n is not None:
                    r["nbytes"], r["rc"] = n, code
        kcpu = min(res["kernel parser"]["cpu"])
        for label, _ in rows:
            r = res[label]
            cpu = min(r["cpu"])
            med = sorted(r["cpu"])[len(r["cpu"]) // 2]
            print("%-10s %-22s %7.3f %7.3f %7.3f %8.1f %7.1fMB %6.2f %10d %5d %8.2fx" % (
                name, label, min(r["wall"]), cpu, med, size / cpu / 1e6, r["rss"] / 1e6, r["rss"] / size,
                r["nbytes"], r["rc"], cpu / kcpu))
        r = res["ipe-check"]
        summary.append((name, size, min(r["cpu"]), r["rss"], min(r["cpu"]) / kcpu))
        print("%-10s %.1f MB" % (name, size / 1e6))
    print()
    print("issue #16 item 6 targets, ipe-check with default options (lint on), best CPU time:")
    for name, size, cpu, rss, ratio in summary:
        print("  %-10s %6.1f MB/s (>= 200: %s)   %.2fx the kernel parser (<= 0.5x: %s)   "
              "peak RSS %.2fx the input (<= 2.5x: %s)" % (
                  name, size / cpu / 1e6, "met" if size / cpu / 1e6 >= 200 else "NOT met",
                  ratio, "met" if ratio <= 0.5 else "NOT met",
                  rss / size, "met" if rss / size <= 2.5 else "NOT met"))
    print("%.0f s in all" % (time.time() - t0))


main()
