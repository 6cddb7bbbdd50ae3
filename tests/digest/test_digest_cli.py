#!/usr/bin/env python3
"""End-to-end tests of ipe-digest.

Groups:
  fsverity  digests equal `fsverity digest` byte for byte: sizes 0, 1, block-1, block, block+1,
            multi-level trees, every hash algorithm x block size x salt
  dmverity  root hashes equal what `veritysetup format` printed (sha256/sha512, 1024/4096-byte
            blocks, hash offsets, salts, format 0), corrupted data and wrong offsets refused
  walk      -r order, hard links, symlinks, --follow, --exec-only, -j determinism
  hostile   unreadable files and directories, FIFOs, files that change size while read,
            symlink loops, deep and 100k-file trees: per-file errors, no hang
  output    --format=rules accepted by ipe-check, json, --op, -o (atomic, never an input),
            escaped paths, --help vs. the man page, argument errors

Usage: test_digest_cli.py GROUP...
Environment: IPE_DIGEST, IPE_CHECK, IPE_SOURCE_ROOT (set by meson).  Needs `fsverity` (package
fsverity) and `veritysetup` (cryptsetup-bin): a missing one fails the test.
"""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import check, failures  # noqa: E402,F401

SRC_ROOT, BUILD = testlib.SRC_ROOT, testlib.BUILD
DIGEST = testlib.tool("IPE_DIGEST", "ipe-digest")
CHECK = testlib.tool("IPE_CHECK", "ipe-check")



def need(prog):
    p = shutil.which(prog) or (os.path.exists("/sbin/" + prog) and "/sbin/" + prog)
    if not p:
        print(f"FAIL: `{prog}` is not installed (scripts/lib.sh installs it)")
        sys.exit(1)
    return p


def run(args, cwd=None, timeout=120, **kw):
    p = subprocess.run([DIGEST] + args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout, **kw)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def write(path, data):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def rand(n, seed):
    # deterministic content without a PRNG dependency: SHA-256 counter stream
    import hashlib
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d:%d" % (seed, i)).digest()
        i += 1
    return bytes(out[:n])


# ------------------------------------------------------------------ fs-verity vs fsverity-utils

def group_fsverity():
    fsverity = need("fsverity")
    hsize = {"sha256": 32, "sha512": 64}
    with tempfile.TemporaryDirectory() as d:
        cache = {}

        def files_for(bs, alg):
            per = bs // hsize[alg]
            sizes = {0, 1, bs - 1, bs, bs + 1, 3 * bs + 7}
            for lv in (1, 2):  # just over one, two full levels: two- and three-level trees
                n = bs * per ** lv + 1
                if n <= 3 * 1024 * 1024:
                    sizes.add(n)
            names = []
            for n in sorted(sizes):
                name = f"f{n}"
                if n not in cache:
                    cache[n] = write(os.path.join(d, name), rand(n, n))
                names.append(name)
            return names

        combos = 0
        for alg in ("sha256", "sha512"):
            for bs in (1024, 2048, 4096, 8192, 16384, 32768, 65536):
                names = files_for(bs, alg)
                for salt in (None, "00", "a5" * 7, "0123456789abcdef" * 4):
                    opts = [f"--hash-alg={alg}", f"--block-size={bs}"]
                    if salt is not None:
                        opts.append(f"--salt={salt}")
                    want = subprocess.run([fsverity, "digest"] + opts + names, cwd=d,
                                          capture_output=True)
                    rc, out, err = run(opts + names, cwd=d)
                    check(want.returncode == 0, f"fsverity digest {opts} failed: {want.stderr!r}")
                    check(rc == 0 and out == want.stdout,
                          f"{opts}: ipe-digest differs from fsverity digest (rc {rc}, {err})\n"
                          f"ours:\n{out.decode()}\nfsverity:\n{want.stdout.decode()}")
                    combos += 1
        # defaults, and -j does not change anything
        names = sorted(os.listdir(d))
        want = subprocess.run([fsverity, "digest"] + names, cwd=d, capture_output=True).stdout
        for j in ([], ["-j1"], ["-j3"], ["-j64"]):
            rc, out, _ = run(j + names, cwd=d)
            check(rc == 0 and out == want, f"defaults {j}: differs from fsverity digest")
        # uppercase salt hex is the same salt
        rc, out, _ = run(["--salt=ABCD", "f1"], cwd=d)
        want = subprocess.run([fsverity, "digest", "--salt=abcd", "f1"], cwd=d,
                              capture_output=True).stdout
        check(rc == 0 and out == want, "uppercase --salt")
        # --measure on files without fs-verity: reported, not printed, exit 1
        rc, out, err = run(["--measure", "f1"], cwd=d)
        check(rc == 1 and out == b"" and "f1" in err and "not enabled" in err,
              f"--measure on a file without fs-verity: rc {rc} out {out!r} err {err!r}")
        print(f"fsverity: {combos} option combinations compared")


# ------------------------------------------------------------------ dm-verity vs veritysetup

def veritysetup_format(vs, data, hashdev, opts):
    r = subprocess.run([vs, "format"] + opts + [data, hashdev], capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stderr
    m = re.search(r"^Root hash:\s*([0-9a-f]+)\s*$", r.stdout, re.M)
    alg = re.search(r"^Hash type:.*$", r.stdout, re.M)
    return (m.group(1) if m else None), r.stdout


def group_dmverity():
    vs = need("veritysetup")
    with tempfile.TemporaryDirectory() as d:
        n = 0
        for alg in ("sha256", "sha512"):
            for dbs, hbs in ((4096, 4096), (1024, 1024), (4096, 1024), (1024, 4096)):
                # one block (no hash level), a few, and enough blocks for 3 levels at 1024/sha512
                for blocks in (1, 2, 7, 1100):
                    data = write(os.path.join(d, f"data-{alg}-{dbs}-{hbs}-{blocks}"),
                                 rand(dbs * blocks, blocks * 31 + dbs))
                    hashdev = data + ".hash"
                    opts = [f"--hash={alg}", f"--data-block-size={dbs}", f"--hash-block-size={hbs}"]
                    root, log = veritysetup_format(vs, data, hashdev, opts)
                    check(root is not None, f"veritysetup format {opts}: {log}")
                    if root is None:
                        continue
                    rc, out, err = run([f"--dm-verity={data}", f"--hash-device={hashdev}"])
                    check(rc == 0 and out.decode() == f"{alg}:{root}\n",
                          f"{opts} {blocks} blocks: got rc {rc} {out!r} {err}, want {alg}:{root}")
                    n += 1
        # salts, format 0 (Chrome OS), sha1
        data = write(os.path.join(d, "data"), rand(4096 * 40, 5))
        for opts in (["--salt=-"], ["--salt=00"], ["--salt=" + "ab" * 100], ["--format=0"],
                     ["--hash=sha1"], ["--format=0", "--salt=1234"]):
            hashdev = os.path.join(d, "hash-" + str(n))
            root, log = veritysetup_format(vs, data, hashdev, opts)
            check(root is not None, f"veritysetup format {opts}: {log}")
            rc, out, err = run([f"--dm-verity={data}", f"--hash-device={hashdev}"])
            check(rc == 0 and out.decode().split(":", 1)[1] == root + "\n",
                  f"{opts}: got rc {rc} {out!r} {err}, want {root}")
            n += 1
        # the hash area after the data in the same file (--hash-offset)
        comb = write(os.path.join(d, "combined"), rand(4096 * 64, 9))
        off = os.path.getsize(comb)
        root, log = veritysetup_format(vs, comb, comb, [f"--hash-offset={off}"])
        rc, out, err = run([f"--dm-verity={comb}", f"--hash-device={comb}", f"--hash-offset={off}"])
        check(rc == 0 and out.decode() == f"sha256:{root}\n", f"--hash-offset: {out!r} {err}")
        # a wrong offset: no superblock
        rc, out, err = run([f"--dm-verity={comb}", f"--hash-device={comb}", "--hash-offset=4096"])
        check(rc == 1 and out == b"" and "no valid verity superblock" in err,
              f"wrong --hash-offset: rc {rc} {err}")
        # --format=rules and json
        rc, out, err = run(["--format=rules", "--op=KMODULE", f"--dm-verity={comb}",
                            f"--hash-device={comb}", f"--hash-offset={off}"])
        check(rc == 0 and out.decode().endswith(
            f"op=KMODULE dmverity_roothash=sha256:{root} action=ALLOW\n"), f"dm rules: {out!r}")
        rc, out, err = run(["--format=json", f"--dm-verity={comb}", f"--hash-device={comb}",
                            f"--hash-offset={off}"])
        check(rc == 0 and json.loads(out) == {"roothash": "sha256:" + root}, f"dm json: {out!r}")
        # corrupted data: refused unless --no-verify (which reports the stored tree's root)
        data = write(os.path.join(d, "c-data"), rand(4096 * 300, 77))
        hashdev = os.path.join(d, "c-hash")
        root, _ = veritysetup_format(vs, data, hashdev, [])
        with open(data, "r+b") as f:
            f.seek(4096 * 200 + 5)
            f.write(b"X")
        rc, out, err = run([f"--dm-verity={data}", f"--hash-device={hashdev}"])
        check(rc == 1 and out == b"" and "does not match" in err, f"corrupted data: rc {rc} {err}")
        rc, out, err = run(["--no-verify", f"--dm-verity={data}", f"--hash-device={hashdev}"])
        check(rc == 0 and out.decode() == f"sha256:{root}\n", f"--no-verify: rc {rc} {out!r} {err}")
        # not a hash device at all, missing files, a directory, a FIFO (must not hang)
        rc, out, err = run([f"--dm-verity={data}", f"--hash-device={data}"])
        check(rc == 1 and "no valid verity superblock" in err, f"data as hash device: {err}")
        rc, out, err = run([f"--dm-verity={data}", "--hash-device=/nonexistent"])
        check(rc == 1 and "No such file" in err, f"missing hash device: {err}")
        rc, out, err = run([f"--dm-verity={data}", f"--hash-device={d}"])
        check(rc == 1 and "directory" in err.lower(), f"directory as hash device: {err}")
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        rc, out, err = run([f"--dm-verity={data}", f"--hash-device={fifo}"], timeout=30)
        check(rc == 1, f"FIFO as hash device: rc {rc} {err}")
        # an active device name that does not exist
        rc, out, err = run(["--dm-verity=ipe-digest-test-no-such-device"])
        check(rc == 1 and out == b"" and err.strip(), f"missing active device: rc {rc} {err}")
        rc, out, err = run([f"--dm-verity={data}"])
        check(rc == 1 and "not a block device" in err, f"regular file as active device: {err}")
        print(f"dmverity: {n} image pairs compared")


# ------------------------------------------------------------------ walks

def lines(out):
    return [l.split(" ", 1)[1] for l in out.decode().splitlines()]


def group_walk():
    with tempfile.TemporaryDirectory() as d:
        t = os.path.join(d, "t")
        for p in ("b/z", "b/a", "a", "b.txt", "c/d/e", "A"):
            write(os.path.join(t, p), p.encode())
        os.link(os.path.join(t, "a"), os.path.join(t, "hardlink"))
        os.symlink("a", os.path.join(t, "sym"))
        os.symlink("b", os.path.join(t, "symdir"))
        os.mkfifo(os.path.join(t, "fifo"))
        rc, out, err = run(["-r", "t"], cwd=d)
        # byte order per directory, depth first; the second link to "a" is left out
        want = ["t/A", "t/a", "t/b/a", "t/b/z", "t/b.txt", "t/c/d/e"]
        check(rc == 0 and lines(out) == want, f"-r order: {lines(out)} rc {rc}")
        check("t/fifo: FIFO skipped" in err, f"FIFO note: {err}")
        check("t/sym: symbolic link not followed" in err and "t/symdir: symbolic link" in err,
              f"symlink notes: {err}")
        rc, out, err = run(["-r", "t/"], cwd=d)
        check(lines(out)[0] == "t/A", f"trailing slash joins once: {lines(out)}")
        # --follow: symlinked directory walked, symlinked file already listed (same inode)
        rc, out, err = run(["-r", "--follow", "t"], cwd=d)
        got = lines(out)
        check(rc == 0 and got[:6] == want and "t/sym" not in got and
              got[6:] == [], f"--follow: {got}")
        write(os.path.join(d, "other/x"), b"x")
        os.symlink(os.path.join(d, "other"), os.path.join(t, "zlink"))
        rc, out, err = run(["-r", "--follow", "t"], cwd=d)
        check("t/zlink/x" in lines(out), f"--follow into another tree: {lines(out)}")
        os.unlink(os.path.join(t, "zlink"))
        # symlink given as an argument is followed
        rc, out, err = run(["t/sym"], cwd=d)
        check(rc == 0 and lines(out) == ["t/sym"], f"symlink argument: {out!r} {err}")
        # a directory without -r is an error, the rest still printed
        rc, out, err = run(["t", "t/a"], cwd=d)
        check(rc == 1 and lines(out) == ["t/a"] and "use --recursive" in err,
              f"directory without -r: rc {rc} {out!r} {err}")
        # arguments keep their order; the same file twice is listed once
        rc, out, err = run(["t/b.txt", "t/a", "t/a", "t/hardlink"], cwd=d)
        check(lines(out) == ["t/b.txt", "t/a"], f"argument order / dedup: {lines(out)}")
        # hard links met in a directory listing (opened, not stat'ed, by the walk) and
        # given again: the first path in walk order is the one listed
        rc, out, err = run(["-r", "t", "t/hardlink", "t/b/../a"], cwd=d)
        check(rc == 0 and lines(out) == want, f"-r, then links again: {lines(out)}")
        rc, out, err = run(["t/hardlink", "-r", "t"], cwd=d)
        check(rc == 0 and lines(out) == ["t/hardlink"] + [p for p in want if p != "t/a"],
              f"a link, then -r: {lines(out)}")
        # --exec-only: ELF (any mode), #! with an exec bit
        e = os.path.join(d, "e")
        with open("/bin/true", "rb") as f:
            elf = f.read()
        write(os.path.join(e, "elf-noexec"), elf)
        write(os.path.join(e, "elf"), elf)
        write(os.path.join(e, "script"), b"#!/bin/sh\necho\n")
        write(os.path.join(e, "script-noexec"), b"#!/bin/sh\necho\n")
        write(os.path.join(e, "text-exec"), b"echo\n")
        write(os.path.join(e, "short"), b"#")
        for p in ("elf", "script", "text-exec", "short"):
            os.chmod(os.path.join(e, p), 0o755)
        os.chmod(os.path.join(e, "elf-noexec"), 0o644)
        os.chmod(os.path.join(e, "script-noexec"), 0o644)
        rc, out, err = run(["-r", "--exec-only", "e"], cwd=d)
        check(rc == 0 and lines(out) == ["e/elf", "e/elf-noexec", "e/script"],
              f"--exec-only: {lines(out)} {err}")
        # determinism across job counts on a tree of 600 files
        big = os.path.join(d, "big")
        for i in range(600):
            write(os.path.join(big, f"{i % 7}", f"f{i:04d}"), rand(i * 37 % 9000, i))
        outs = {tuple(j): run(["-r"] + j + ["big"], cwd=d)[1] for j in ([], ["-j1"], ["-j2"], ["-j16"])}
        check(len(set(outs.values())) == 1 and len(lines(outs[()])) == 600,
              "output depends on -j")


# ------------------------------------------------------------------ hostile input

def as_nobody():
    """Run as an unprivileged user when we are root (file modes do not stop root)."""
    if os.geteuid() != 0:
        return []
    sp = shutil.which("setpriv")
    if not sp:
        print("FAIL: root and no setpriv (util-linux) to test unreadable files")
        sys.exit(1)
    return [sp, "--reuid=65534", "--regid=65534", "--clear-groups"]


def group_hostile():
    with tempfile.TemporaryDirectory() as d:
        os.chmod(d, 0o755)
        h = os.path.join(d, "h")
        write(os.path.join(h, "ok"), b"fine")
        write(os.path.join(h, "secret"), b"no")
        os.chmod(os.path.join(h, "secret"), 0o000)
        os.makedirs(os.path.join(h, "closed"))
        write(os.path.join(h, "closed", "x"), b"x")
        os.chmod(os.path.join(h, "closed"), 0o000)
        os.mkfifo(os.path.join(h, "fifo"))
        os.symlink("loop", os.path.join(h, "loop"))
        os.makedirs(os.path.join(h, "l"))
        os.symlink("..", os.path.join(h, "l", "up"))
        os.chmod(h, 0o755)
        pre = as_nobody()
        p = subprocess.run(pre + [DIGEST, "-r", "h"], cwd=d, capture_output=True, timeout=60)
        err = p.stderr.decode()
        check(p.returncode == 1, f"unreadable: exit {p.returncode}")
        check(lines(p.stdout) == ["h/ok"], f"unreadable: output {p.stdout!r}")
        check("h/secret: Permission denied" in err, f"unreadable file message: {err}")
        check("h/closed: cannot open directory (Permission denied)" in err,
              f"unreadable directory message: {err}")
        check("h/fifo: FIFO skipped" in err, f"FIFO: {err}")
        # FIFOs given as arguments, with --follow, symlink loops: no hang
        rc, out, err = run(["h/fifo"], cwd=d, timeout=30)
        check(rc == 0 and out == b"" and "FIFO skipped" in err, f"FIFO argument: {rc} {err}")
        rc, out, err = run(["-r", "--follow", "h/l", "h/loop"], cwd=d, timeout=60)
        # h/l/up is h; walking on, h/l comes again below itself
        check(rc == 1 and "h/l/up/l: symlink loop" in err and "h/loop: symlink loop" in err,
              f"symlink loops: rc {rc} {err}")
        # a FIFO put in place of a file between the walk and the hashing: never opened blocking
        # (the kernel files below report a size that is not what a read returns)
        for path, what in (("/proc/self/status", "grows"),
                           ("/sys/devices/system/cpu/online", "shrinks")):
            if not os.path.exists(path):
                print(f"FAIL: {path} is missing: cannot test a file that {what} while read")
                failures.append(path)
                continue
            rc, out, err = run([path], timeout=30)
            check(rc == 1 and out == b"" and "changed size while being read" in err,
                  f"{path} ({what}): rc {rc} {out!r} {err}")
        # a file that really grows while it is read: the error or a digest of all of it
        grow = os.path.join(d, "grow")
        write(grow, rand(8 << 20, 1))
        writer = subprocess.Popen([sys.executable, "-c",
                                   "import sys,time\nf=open(sys.argv[1],'ab')\n"
                                   "t=time.time()\nwhile time.time()-t<3:\n f.write(b'x'*4096); f.flush()\n",
                                   grow])
        time.sleep(0.05)
        rc, out, err = run(["grow"], cwd=d, timeout=60)
        writer.wait()
        check(rc in (0, 1) and ((rc == 1 and "changed size" in err) or
                                (rc == 0 and out.startswith(b"sha256:"))),
              f"growing file: rc {rc} {err}")
        # deep tree: paths longer than PATH_MAX are per-file errors, the walk goes on
        deep = os.path.join(d, "deep")
        os.makedirs(deep)
        fd = os.open(deep, os.O_RDONLY | os.O_DIRECTORY)
        for _ in range(100):  # 100 x 61 bytes > PATH_MAX
            os.mkdir("d" * 60, dir_fd=fd)
            nfd = os.open("d" * 60, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        os.close(fd)
        write(os.path.join(deep, "z"), b"z")
        rc, out, err = run(["-r", "deep"], cwd=d, timeout=120)
        check(rc == 1 and "File name too long" in err and lines(out) == ["deep/z"],
              f"deep tree: rc {rc} {out!r} {err[-300:]}")
        # 100k files: all listed, sorted, in bounded time
        # on tmpfs when there is one: 100k creations on a loaded disk take minutes
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        md = tempfile.mkdtemp(dir=shm)
        many = os.path.join(md, "many")
        os.makedirs(many)
        for i in range(100):
            sub = os.path.join(many, f"{i:02d}")
            os.makedirs(sub)
            for k in range(1000):
                with open(os.path.join(sub, f"{k:04d}"), "wb") as f:
                    f.write(b"%d" % (i * 1000 + k))
        t0 = time.monotonic()
        rc, out, err = run(["-r", "many"], cwd=md, timeout=600)
        shutil.rmtree(md)
        dt = time.monotonic() - t0
        got = out.decode().splitlines()
        check(rc == 0 and len(got) == 100000, f"100k files: rc {rc}, {len(got)} lines, {err[:200]}")
        check(got and got[0].endswith(" many/00/0000") and got[-1].endswith(" many/99/0999"),
              "100k files: order")
        print(f"hostile: 100k-file tree digested in {dt:.1f}s")


# ------------------------------------------------------------------ output

def group_output():
    with tempfile.TemporaryDirectory() as d:
        write(os.path.join(d, "x/one"), b"1")
        write(os.path.join(d, "x/two"), b"2")
        write(os.path.join(d, "x/same"), b"1")
        write(os.path.join(d, "x/new\nline"), b"3")
        rc, out, err = run(["-r", "--format=rules", "x"], cwd=d)
        text = out.decode()
        check(rc == 0, f"rules: rc {rc} {err}")
        check("# x/new\\x0aline\n" in text, f"newline in a path is escaped: {text!r}")
        check("# x/same (same content as x/one)\n" in text, f"duplicate digest: {text!r}")
        check(text.count("op=EXECUTE fsverity_digest=sha256:") == 3, f"3 rules: {text!r}")
        policy = "policy_name=digest_test policy_version=0.0.1\nDEFAULT action=DENY\n" + text
        pol = write(os.path.join(d, "p.pol"), policy.encode())
        p = subprocess.run([CHECK, "--color=never", pol], capture_output=True, text=True)
        check(p.returncode == 0, f"ipe-check rejects the rules output: {p.stdout} {p.stderr}")
        rc, out, err = run(["--format=rules", "--op=KEXEC_IMAGE", "x/one"], cwd=d)
        check(out.decode().startswith("# x/one\nop=KEXEC_IMAGE fsverity_digest=sha256:"),
              f"--op: {out!r}")
        rc, out, err = run(["--op=exec", "x/one"], cwd=d)
        check(rc == 2 and "unknown operation" in err, f"bad --op: {rc} {err}")
        # lines: control bytes escaped, everything else as is
        rc, out, err = run(["-r", "x"], cwd=d)
        check(b" x/new\\x0aline\n" in out, f"lines escaping: {out!r}")
        # json: every entry with its status
        write(os.path.join(d, "j/a"), b"a")
        os.mkfifo(os.path.join(d, "j/f"))
        rc, out, err = run(["-r", "--format=json", "j", "missing"], cwd=d)
        js = json.loads(out)
        check(rc == 1 and [(e["path"], e["status"]) for e in js] ==
              [("j/a", "ok"), ("j/f", "skipped"), ("missing", "failed")], f"json: {js}")
        check(js[0]["digest"].startswith("sha256:") and js[0]["size"] == 1 and
              js[2]["errno"] == 2, f"json fields: {js}")
        # json stays valid UTF-8 with any byte in a path
        write(os.path.join(d, os.fsdecode(b"u/a\xffb")), b"u")
        rc, out, err = run(["-r", "--format=json", "u"], cwd=d)
        js = json.loads(out.decode("utf-8"))  # strict: raises on invalid UTF-8
        check(rc == 0 and js[0]["path"] == "u/a\\xffb", f"json non-UTF-8 path: {js}")
        # -o: atomic, never an input
        o = os.path.join(d, "out.txt")
        rc, out, err = run(["-o", o, "x/one"], cwd=d)
        with open(o, "rb") as f:
            check(rc == 0 and out == b"" and f.read().endswith(b" x/one\n"), "-o writes the file")
        before = open(os.path.join(d, "x/one"), "rb").read()
        rc, out, err = run(["-r", "-o", "x/one", "x"], cwd=d)
        check(rc == 2 and "refusing to overwrite input" in err and
              open(os.path.join(d, "x/one"), "rb").read() == before, f"-o input: rc {rc} {err}")
        rc, out, err = run(["-o", o, "x/two", "x/missing"], cwd=d)
        with open(o, "rb") as f:
            check(rc == 1 and "nothing written to" in err and f.read().endswith(b" x/one\n"),
                  f"-o with a failed file leaves the old output: rc {rc} {err}")
        rc, out, err = run(["-o", "/nonexistent-dir/out", "x/one"], cwd=d)
        check(rc == 1 and "cannot write" in err and not os.path.exists("/nonexistent-dir"),
              f"-o unwritable: {rc} {err}")
        check([n for n in os.listdir(d) if n.startswith(".")] == [], "no temporary files left")
        # argument errors: exit 2, nothing printed on stdout
        for args, msg in ((["--block-size=3000", "x/one"], "invalid block size"),
                          (["--block-size=512", "x/one"], "invalid block size"),
                          (["--block-size=131072", "x/one"], "invalid block size"),
                          (["--hash-alg=md5", "x/one"], "unknown hash algorithm"),
                          (["--salt=abc", "x/one"], "invalid salt"),
                          (["--salt=" + "00" * 33, "x/one"], "invalid salt"),
                          (["--salt=zz", "x/one"], "invalid salt"),
                          (["-j0", "x/one"], "invalid --jobs"),
                          (["-j", "x", "x/one"], "invalid --jobs"),
                          (["-j", " 2", "x/one"], "invalid --jobs"),
                          (["-j", "+2", "x/one"], "invalid --jobs"),
                          (["-j", "1025", "x/one"], "invalid --jobs"),
                          (["--block-size= 4096", "x/one"], "invalid block size"),
                          (["--hash-offset=18446744073709551616", "--dm-verity=a"], "invalid --hash-offset"),
                          (["--hash-offset=0x10", "--dm-verity=a"], "invalid --hash-offset"),
                          (["--format=xml", "x/one"], "unknown format"),
                          ([], "no PATH"),
                          (["--measure", "--hash-alg=sha512", "x/one"], "--measure"),
                          (["--dm-verity=a", "x/one"], "takes no PATH"),
                          (["--dm-verity=a", "-r"], "do not apply"),
                          (["--hash-device=h", "x/one"], "need --dm-verity"),
                          (["--hash-offset=-1", "--dm-verity=a"], "invalid --hash-offset"),
                          (["--no-such-option"], "")):
            rc, out, err = run(args, cwd=d)
            check(rc == 2 and out == b"" and msg in err, f"{args}: rc {rc} {err}")
    # --help and the man page document the same options
    rc, out, err = run(["--help"])
    helptext = out.decode()
    check(rc == 0 and "Usage: ipe-digest" in helptext, "--help")
    man = open(os.path.join(SRC_ROOT, "man/ipe-digest.1")).read().replace("\\-", "-")
    opts_help = set(re.findall(r"--[a-z][a-z-]+", helptext))
    opts_man = set(re.findall(r"--[a-z][a-z-]+", man))
    check(opts_help - opts_man == set(), f"in --help, not in the man page: {opts_help - opts_man}")
    check(opts_man - opts_help == set(), f"in the man page, not in --help: {opts_man - opts_help}")
    rc, out, err = run(["--version"])
    check(rc == 0 and out.startswith(b"ipe-digest "), "--version")


GROUPS = {"fsverity": group_fsverity, "dmverity": group_dmverity, "walk": group_walk,
          "hostile": group_hostile, "output": group_output}


def main():
    names = sys.argv[1:] or list(GROUPS)
    for n in names:
        if n not in GROUPS:
            print(__doc__)
            sys.exit(2)
    if not os.access(DIGEST, os.X_OK):
        print(f"FAIL: {DIGEST} is not built")
        sys.exit(1)
    for n in names:
        GROUPS[n]()
    sys.exit(testlib.finish())


if __name__ == "__main__":
    main()
