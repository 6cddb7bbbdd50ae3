#!/usr/bin/env python3
"""Hostile input cannot hurt the user (issue 11), end to end through every tool.

Groups:
  output    the one output routine: devices, FIFOs, symlinks, directories, the
            inputs themselves, ipe-compile's default output, long names,
            directory fsync, modes, write errors
  messages  input bytes (paths, names, tokens, include paths) never reach the
            terminal raw; SARIF URIs percent-encoded
  exit      one exit-code table, documented in every man page, and its cases
  ipectl    no recursion on names, no hang on a FIFO in the tree, names checked
  secrets   planted secrets never appear in any tool's output

Usage: test_hostile.py GROUP...
Environment (set by meson): IPE_COMPILE, IPE_CHECK, IPE_SIGN, IPECTL,
IPE_SOURCE_ROOT, IPE_FSYNC_SPY_SO.
"""

import os
import pty
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402
from testlib import check, failures  # noqa: E402,F401

SRC_ROOT, BUILD = testlib.SRC_ROOT, testlib.BUILD
TOOLS = {
    "ipe-compile": testlib.tool("IPE_COMPILE", "ipe-compile"),
    "ipe-check": testlib.tool("IPE_CHECK", "ipe-check"),
    "ipe-sign": testlib.tool("IPE_SIGN", "ipe-sign"),
    "ipectl": testlib.tool("IPECTL", "ipectl"),
}

EXIT_OK, EXIT_FINDINGS, EXIT_IO, EXIT_USAGE = 0, 1, 2, 3

POLICY = ("policy_name=demo policy_version=1.0.0\nDEFAULT action=ALLOW\n"
          "op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")

skips = []


def skip(what, why):
    skips.append(f"{what}: {why}")
    print(f"SKIP: {what}: {why}")


def run(tool, args, cwd=None, stdin=None, stdout=None, env=None, timeout=60):
    """(rc, stdout bytes, stderr bytes)"""
    p = subprocess.run([TOOLS[tool]] + args, cwd=cwd, input=stdin,
                       stdout=stdout if stdout is not None else subprocess.PIPE,
                       stderr=subprocess.PIPE, env=env, timeout=timeout)
    return p.returncode, p.stdout if p.stdout is not None else b"", p.stderr


def write(path, data, mode=None):
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    if mode is not None:
        os.chmod(path, mode)
    return path


def read(path):
    with open(path, "rb") as f:
        return f.read()


def leftovers(d):
    """temporary files of the output routine left in d"""
    return [n for n in os.listdir(d) if n.startswith(".ipe-") or ".tmp." in n]


def make_char_device(d, name):
    """A character device we may write to without harm: a private null
    device made with mknod (root), else the slave side of a new pty.
    Never the real /dev/null: a broken tool would replace it."""
    path = os.path.join(d, name)
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        return path, None
    except PermissionError:
        master, slave = pty.openpty()
        os.symlink(os.ttyname(slave), path)
        return path, (master, slave)


def make_full_device(d):
    """A private /dev/full (writes fail with ENOSPC) or None.  Tests give it
    to -o, never the real /dev/full (a broken tool would replace it);
    redirecting standard output to the real one is harmless."""
    path = os.path.join(d, "full")
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
        return path
    except PermissionError:
        skip("-o onto a full device", "mknod needs CAP_MKNOD (the stdout > /dev/full cases still run)")
        return None


def signing_pair(d):
    key, cert = os.path.join(d, "signer.key"), os.path.join(d, "signer.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-subj", "/CN=hostile", "-days", "30"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return key, cert


# ---------------------------------------------------------------- output

def test_output():
    with tempfile.TemporaryDirectory() as d:
        src = write(os.path.join(d, "demo.src"), POLICY)
        key, cert = signing_pair(d)

        # -O -o CHARDEV (the /dev/null case, on a private node): written
        # through, never replaced by a regular file
        dev, ptys = make_char_device(d, "null")
        before = os.stat(dev)
        rc, out, err = run("ipe-compile", ["-O", "-o", dev, src])
        after = os.stat(dev)
        check(rc == 0, f"-O -o chardev: exit {rc}: {err}")
        check(stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino and after.st_rdev == before.st_rdev,
              "-O -o chardev replaced the device node")
        if ptys:
            os.close(ptys[0])
            os.close(ptys[1])

        # a full device is a character device: the write error is an exit 2
        full = make_full_device(d)
        if full:
            rc, out, err = run("ipe-compile", ["-o", full, src])
            check(rc == EXIT_IO, f"-o FULL: exit {rc} (want 2): {err}")
            check(b"No space left" in err, f"-o FULL: no ENOSPC message: {err}")
            check(stat.S_ISCHR(os.stat(full).st_mode), "-o FULL: the device was replaced")

        # FIFO: written through to the reader, still a FIFO afterwards
        fifo = os.path.join(d, "fifo")
        os.mkfifo(fifo)
        got = []
        t = threading.Thread(target=lambda: got.append(read(fifo)))
        t.start()
        rc, out, err = run("ipe-compile", ["-q", "-o", fifo, src])
        t.join(30)
        check(rc == 0, f"-o fifo: exit {rc}: {err}")
        check(got and got[0].startswith(b"policy_name=demo"), f"-o fifo: reader got {got!r}")
        check(stat.S_ISFIFO(os.lstat(fifo).st_mode), "-o fifo replaced the FIFO")

        # a symlink to a device stays a symlink to the device
        link = os.path.join(d, "tonull")
        os.symlink(dev, link)
        rc, out, err = run("ipe-compile", ["-q", "-o", link, src])
        check(rc == 0 and os.path.islink(link) and stat.S_ISCHR(os.stat(link).st_mode),
              f"-o symlink-to-device: exit {rc}, link or device replaced: {err}")

        # a symlink to a regular file: the target is replaced, the link kept
        target = write(os.path.join(d, "target.pol"), "old\n")
        link2 = os.path.join(d, "tofile")
        os.symlink("target.pol", link2)
        rc, out, err = run("ipe-compile", ["-q", "-o", link2, src])
        check(rc == 0 and os.path.islink(link2) and read(target).startswith(b"policy_name=demo"),
              f"-o symlink-to-file: exit {rc}, link {os.path.islink(link2)}, target {read(target)[:20]!r}: {err}")

        # refused: a dangling symlink, a directory, a block device, a socket
        dang = os.path.join(d, "dangling")
        os.symlink("nowhere", dang)
        refused = [(dang, "dangling symlink"), (d, "directory"), (d + "/", "name ending in /")]
        try:
            blk = os.path.join(d, "blk")
            os.mknod(blk, 0o600 | stat.S_IFBLK, os.makedev(7, 200))
            refused.append((blk, "block device"))
        except PermissionError:
            skip("output: -o block device", "mknod needs CAP_MKNOD")
        import socket
        sock = os.path.join(d, "sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(sock)
        refused.append((sock, "socket"))
        for path, what in refused:
            before = os.lstat(path)
            rc, out, err = run("ipe-compile", ["-q", "-o", path, src])
            after = os.lstat(path)
            check(rc == EXIT_IO, f"-o {what}: exit {rc} (want 2): {err}")
            check(b"cannot write" in err, f"-o {what}: no reason given: {err}")
            check(after.st_ino == before.st_ino and stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode),
                  f"-o {what}: replaced")
        s.close()
        check(os.path.islink(dang) and os.readlink(dang) == "nowhere" and
              not os.path.exists(os.path.join(d, "nowhere")), "dangling symlink: followed or replaced")
        check(leftovers(d) == [], f"temporary files left: {leftovers(d)}")

        # never an input: the source by another name, a hard link, a symlink
        srcdata = read(src)
        os.link(src, os.path.join(d, "hard.src"))
        os.symlink("demo.src", os.path.join(d, "soft.src"))
        for o in [src, os.path.join(d, ".", "demo.src"), os.path.join(d, "hard.src"), os.path.join(d, "soft.src")]:
            rc, out, err = run("ipe-compile", ["-o", o, src])
            check(rc == EXIT_IO and b"is the input" in err, f"-o {o} (the source): exit {rc}: {err}")
            check(read(src) == srcdata, f"-o {o}: the source was changed")
        # ... nor an include or a digest file
        inc = write(os.path.join(d, "rules.inc"), "op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")
        digs = write(os.path.join(d, "digests.txt"), "sha256:" + "11" * 32 + "\n")
        main = write(os.path.join(d, "main.src"),
                     "policy_name=inc policy_version=1.0.0\nDEFAULT action=ALLOW\ninclude \"rules.inc\"\n"
                     "set D from \"digests.txt\"\nop=EXECUTE fsverity_digest in @D action=DENY\n")
        for o, what in [(inc, "include"), (digs, "digest file")]:
            data = read(o)
            rc, out, err = run("ipe-compile", ["-o", o, main])
            check(rc == EXIT_IO and b"is the input" in err and read(o) == data,
                  f"-o the {what}: exit {rc}, changed {read(o) != data}: {err}")
        # ... nor the signing key or certificate, nor --bump-from
        for o in [key, cert]:
            data = read(o)
            rc, out, err = run("ipe-compile", ["--sign", "--key", key, "--cert", cert, "-o", o, src])
            check(rc == EXIT_IO and read(o) == data, f"ipe-compile --sign -o {o}: exit {rc}: {err}")
        old = write(os.path.join(d, "old.pol"), POLICY)
        rc, out, err = run("ipe-compile", ["--bump-from", old, "-o", old, src])
        check(rc == EXIT_IO and read(old) == POLICY.encode(), f"-o the --bump-from file: exit {rc}: {err}")

        # ipe-compile's default output POLICY_NAME.pol is never its source
        ex = os.path.join(d, "ex")
        os.mkdir(ex)
        shutil.copy(os.path.join(SRC_ROOT, "examples", "hello.pol"), ex)
        orig = read(os.path.join(ex, "hello.pol"))
        rc, out, err = run("ipe-compile", ["hello.pol"], cwd=ex)
        check(rc == EXIT_IO and read(os.path.join(ex, "hello.pol")) == orig,
              f"cd examples && ipe-compile hello.pol: exit {rc}, source changed {read(os.path.join(ex, 'hello.pol')) != orig}")
        check(b"default output hello.pol" in err and b"-o" in err, f"default output refusal says how to fix: {err}")
        rc, out, err = run("ipe-compile", ["-o", "-", "hello.pol"], cwd=ex)
        check(rc == 0 and out.startswith(b"policy_name=hello"), f"-o - still works: {rc} {err}")

        # every other writer refuses its inputs too
        rc, out, err = run("ipe-check", ["-f", "json", "-o", src, src])
        check(rc == EXIT_IO and read(src) == srcdata, f"ipe-check -o SOURCE: exit {rc}: {err}")
        rc, out, err = run("ipe-check", ["--canonical", "-o", src, src])
        check(rc == EXIT_IO and read(src) == srcdata, f"ipe-check --canonical -o SOURCE: exit {rc}: {err}")
        blob = os.path.join(d, "demo.p7b")
        rc, out, err = run("ipe-sign", ["sign", "-q", "--key", key, "--cert", cert, src, "-o", blob])
        check(rc == 0, f"ipe-sign sign: exit {rc}: {err}")
        for o in [src, key, cert]:
            data = read(o)
            rc, out, err = run("ipe-sign", ["sign", "--key", key, "--cert", cert, src, "-o", o])
            check(rc == EXIT_IO and read(o) == data, f"ipe-sign sign -o {os.path.basename(o)}: exit {rc}: {err}")
        bdata = read(blob)
        rc, out, err = run("ipe-sign", ["extract", blob, "-o", blob])
        check(rc == EXIT_IO and read(blob) == bdata, f"ipe-sign extract -o BLOB: exit {rc}: {err}")

        # and writes through devices: ipe-check report and canonical, ipe-sign
        for tool, args in [("ipe-check", ["-f", "sarif", "-o", dev, src]),
                           ("ipe-check", ["--canonical", "-o", dev, src]),
                           ("ipe-sign", ["sign", "-q", "--key", key, "--cert", cert, src, "-o", dev]),
                           ("ipe-sign", ["extract", blob, "-o", dev])]:
            rc, out, err = run(tool, args)
            check(rc == 0 and stat.S_ISCHR(os.stat(dev).st_mode), f"{tool} {args[0]} -o chardev: exit {rc}: {err}")

        # a name of NAME_MAX bytes: the temporary suffix must not push it over
        long = os.path.join(d, "L" * 251 + ".pol")
        rc, out, err = run("ipe-compile", ["-q", "-o", long, src])
        check(rc == 0 and os.path.exists(long), f"-o NAME_MAX name: exit {rc}: {err}")
        rc, out, err = run("ipe-compile", ["-q", "-o", long, src])
        check(rc == 0, f"-o NAME_MAX name over an existing file: exit {rc}: {err}")
        rc, out, err = run("ipe-compile", ["-q", "-o", os.path.join(d, "L" * 256), src])
        check(rc == EXIT_IO and b"too long" in err, f"-o longer than NAME_MAX: exit {rc}: {err}")
        check(leftovers(d) == [], f"temporary files left: {leftovers(d)}")

        # the directory is fsync'ed after the rename
        spy = os.environ.get("IPE_FSYNC_SPY_SO")
        if not spy or not os.path.exists(spy):
            check(False, "IPE_FSYNC_SPY_SO not built")
        else:
            log = os.path.join(d, "spy.log")
            env = dict(os.environ, LD_PRELOAD=spy, IPE_FSYNC_SPY=log,
                       ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0")
            outdir = os.path.join(d, "out")
            os.mkdir(outdir)
            st = os.stat(outdir)
            rc, out, err = run("ipe-compile", ["-q", "-o", os.path.join(outdir, "x.pol"), src], env=env)
            logged = read(log).decode() if os.path.exists(log) else ""
            check(rc == 0 and f"dir {st.st_dev}:{st.st_ino}" in logged,
                  f"the output directory was not fsync'ed: exit {rc}, log {logged!r}: {err}")

        # an existing file keeps its mode; a new one gets the umask
        keep = write(os.path.join(d, "keep.pol"), "x", mode=0o600)
        rc, out, err = run("ipe-compile", ["-q", "-o", keep, src])
        check(rc == 0 and stat.S_IMODE(os.stat(keep).st_mode) == 0o600,
              f"existing 0600 output: mode now {oct(stat.S_IMODE(os.stat(keep).st_mode))}")
        old_umask = os.umask(0o077)
        try:
            new = os.path.join(d, "new.pol")
            rc, out, err = run("ipe-compile", ["-q", "-o", new, src])
        finally:
            os.umask(old_umask)
        check(rc == 0 and stat.S_IMODE(os.stat(new).st_mode) == 0o600,
              f"new output under umask 077: mode {oct(stat.S_IMODE(os.stat(new).st_mode))}")

        # ipe-check: a report that cannot be written is an error, and no
        # partial file is left
        if full:
            rc, out, err = run("ipe-check", ["-f", "json", "-o", full, src])
            check(rc == EXIT_IO and stat.S_ISCHR(os.stat(full).st_mode), f"ipe-check -o FULL: exit {rc}: {err}")
        for fmt in ["text", "json", "sarif", "github"]:
            with open("/dev/full", "wb") as devfull:
                rc, out, err = run("ipe-check", ["-f", fmt, src], stdout=devfull)
            check(rc == EXIT_IO, f"ipe-check -f {fmt} > /dev/full: exit {rc} (want 2): {err}")
        rc, out, err = run("ipe-check", ["-f", "json", "-o", os.path.join(d, "nodir", "r.json"), src])
        check(rc == EXIT_IO and not os.path.exists(os.path.join(d, "nodir")), f"ipe-check -o nodir/r.json: exit {rc}")
        check(leftovers(d) == [], f"temporary files left: {leftovers(d)}")


# ---------------------------------------------------------------- messages

RAW = re.compile(rb"[\x00-\x08\x0b-\x1f\x7f-\xff]")  # anything but TAB/LF and printable ASCII


def no_raw(what, rc, out, err, allow_stdout=False):
    """No control byte or byte >= 0x7f from input reaches the terminal."""
    for name, data in (("stderr", err), ("stdout", b"" if allow_stdout else out)):
        m = RAW.search(data)
        check(m is None, f"{what}: raw byte {m.group(0)!r} on {name}: {data[max(0, m.start() - 60):m.end() + 20]!r}"
              if m else what)


def test_messages():
    env = dict(os.environ, NO_COLOR="1")
    with tempfile.TemporaryDirectory() as d:
        bad = "e\x1b[31m\x07\xff"  # ESC sequence, BEL, a non-UTF-8 byte (surrogate-escaped below)
        bname = os.fsencode(os.path.join(d, "pol" + "\udcff" + "\x1b[2J\x07.pol"))
        write(bname, POLICY)
        inc_name = b"inc\x1b]0;title\x07.inc"
        write(os.path.join(os.fsencode(d), inc_name), "op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")
        main = write(os.path.join(d, "main.src"),
                     b"policy_name=demo policy_version=1.0.0\nDEFAULT action=ALLOW\ninclude \"" + inc_name + b"\"\n"
                     b"include \"missing\x1b[5m.inc\"\nop=EXECUTE bogus\x1b[1m=x action=ALLOW\n")
        key, cert = signing_pair(d)
        fname = os.fsdecode(bname)
        for tool, args in [
                ("ipe-check", ["--color=never", fname]),
                ("ipe-check", ["--color=never", main]),
                ("ipe-check", ["--color=never", "-f", "github", main]),
                ("ipe-check", ["--color=never", fname + "\x1bmissing"]),
                ("ipe-check", ["--color=never", "--equivalent", fname, fname]),
                ("ipe-check", ["--color=never", "--kernel-config", fname + "\x1b", fname]),
                ("ipe-check", ["--color=never", "--enable", "\x1b[31m", fname]),
                ("ipe-compile", ["--color=never", main, "-o", "-"]),
                ("ipe-compile", ["--color=never", fname, "-o", os.path.join(d, "out\x1b[31m.pol")]),
                ("ipe-compile", ["--color=never", "--name", "n\x1b", fname, "-o", "-"]),
                ("ipe-compile", ["--color=never", fname + "\x07"]),
                ("ipe-sign", ["sign", "--key", key, "--cert", cert, fname, "-o", os.path.join(d, "b\x1b.p7b")]),
                ("ipe-sign", ["verify", "--trust", cert, os.path.join(d, "b\x1b.p7b")]),
                ("ipe-sign", ["inspect", os.path.join(d, "b\x1b.p7b")]),
                ("ipe-sign", ["inspect", fname]),
                ("ipe-sign", ["\x1b[31mverb"]),
                ("ipectl", ["--securityfs", d + "/\x1b", "status"]),
                ("ipectl", ["--securityfs", d, "show", "\x1bname"]),
                ("ipectl", ["\x1b[31mverb"]),
        ]:
            rc, out, err = run(tool, args, env=env)
            no_raw(f"{tool} {' '.join(a.encode('utf-8', 'surrogateescape').decode('ascii', 'backslashreplace') for a in args)}",
                   rc, out, err, allow_stdout=(tool == "ipe-compile"))

        # the policy name itself (quoted in verdicts and "wrote" lines)
        named = write(os.path.join(d, "named.src"), b"policy_name=n\x1b[1m\xff policy_version=1.0.0\nDEFAULT action=ALLOW\n")
        for tool, args in [("ipe-check", [named]), ("ipe-compile", [named, "-o", os.path.join(d, "n.pol")])]:
            rc, out, err = run(tool, args, env=env)
            no_raw(f"{tool} on a policy name with ESC", rc, out, err)

        # SARIF: the URI of a file name with a space, ESC and 0xFF is percent-encoded
        import json
        rc, out, err = run("ipe-check", ["-f", "sarif", fname], env=env)
        try:
            doc = json.loads(out.decode("utf-8"))
            uris = [a["location"]["uri"] for a in doc["runs"][0].get("artifacts", [])]
            uris += [loc["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]
                     for loc in r.get("locations", [])]
        except (ValueError, KeyError, IndexError) as e:
            uris = []
            check(False, f"SARIF output unreadable ({e}): {out[:200]!r}")
        check(uris and all(re.fullmatch(r"[A-Za-z0-9._~/%-]*", u) for u in uris), f"SARIF URIs not percent-encoded: {uris}")
        check(any("%FF%1B%5B2J%07.pol" in u for u in uris), f"SARIF URI does not encode the name: {uris}")


# ---------------------------------------------------------------- ipectl

def fake_tree(d):
    root = os.path.join(d, "sfs")
    nodes = {"lsm": "lockdown,capability,ipe", "ipe/enforce": "1", "ipe/success_audit": "0", "ipe/new_policy": "",
             "ipe/policies/boot/version": "0.0.1", "ipe/policies/boot/active": "1",
             "ipe/policies/boot/update": "", "ipe/policies/boot/delete": "",
             "ipe/policies/boot/policy": "policy_name=boot policy_version=0.0.1\nDEFAULT action=ALLOW\n"}
    for rel, data in nodes.items():
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        write(os.path.join(root, rel), data)
    return root


def ipectl(root, args, timeout=20):
    try:
        return run("ipectl", ["--securityfs", root] + args, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "hang", b"", b""


def test_ipectl():
    with tempfile.TemporaryDirectory() as d:
        root = fake_tree(d)
        rc, out, err = ipectl(root, ["status"])
        check(rc == 0 and b"boot" in out, f"fake tree status: exit {rc}: {err}")

        # names are checked before they become paths (no recursion, no escape
        # from policies/): a trailing slash, '..', '/', '.'
        for name in ["boot/", "../ipe", "boot/../boot", ".", "..", "a/b", ""]:
            for args in (["show", name], ["show", "--policy", name], ["activate", name], ["delete", name]):
                rc, out, err = ipectl(root, args)
                check(rc == EXIT_USAGE and b"is not a policy name" in err,
                      f"ipectl {' '.join(args)!r}: exit {rc} (want 3, a name refusal): {err[-300:]}")
        check(read(os.path.join(root, "ipe/policies/boot/delete")) == b"" and
              read(os.path.join(root, "ipe/policies/boot/active")) == b"1", "a refused name wrote something")

        # a policy directory the policies/ listing does not show: once, no loop
        # (simulated by a name whose version node exists but is unlisted: a
        # symlink under another name is listed, so use a directory made
        # unreadable to readdir but searchable).  Root reads a --x directory
        # anyway: as root (CI) ipectl runs as nobody for this case.
        pol = os.path.join(root, "ipe/policies")
        os.chmod(pol, 0o311)  # --x: lookup works, listing does not
        if os.geteuid() != 0:
            rc, out, err = ipectl(root, ["show", "boot"])
        else:
            os.chmod(d, 0o755)
            # nobody may not reach the build tree (a checkout under /root or
            # a 0700 directory): it runs a copy of ipectl (linked statically
            # against libipe) from this directory
            exe = os.path.join(d, "ipectl")
            shutil.copy(TOOLS["ipectl"], exe)
            os.chmod(exe, 0o755)

            def as_nobody():
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)
            try:
                p = subprocess.run([exe, "--securityfs", root, "show", "boot"], capture_output=True,
                                   timeout=20, preexec_fn=as_nobody)
                rc, err = p.returncode, p.stderr
            except subprocess.TimeoutExpired:
                rc, err = "hang", b""
        os.chmod(pol, 0o755)
        check(rc in (EXIT_IO, EXIT_FINDINGS) and b"lists no policy" in err,
              f"show of an unlisted policy: exit {rc}: {err[-300:]}")

        # a FIFO anywhere in the tree hangs nothing: each node in turn
        for rel in ["lsm", "ipe/enforce", "ipe/success_audit", "ipe/policies/boot/version",
                    "ipe/policies/boot/active", "ipe/policies/boot/policy", "ipe/new_policy",
                    "ipe/policies/boot/delete"]:
            r2 = fake_tree(os.path.join(d, rel.replace("/", "_")))
            node = os.path.join(r2, rel)
            os.unlink(node)
            os.mkfifo(node)
            for args in (["status"], ["show", "boot"], ["show", "--policy", "boot"], ["delete", "boot"],
                         ["--no-preflight", "delete", "boot"], ["activate", "boot"], ["enforce", "on"],
                         ["load", os.path.join(d, "nothing.p7b")]):
                rc, out, err = ipectl(r2, args)
                check(rc != "hang", f"ipectl {' '.join(args)} with a FIFO at {rel}: hangs")
                check(rc != "hang" and rc >= 0, f"ipectl {' '.join(args)} with a FIFO at {rel}: killed by a signal")
            check(stat.S_ISFIFO(os.lstat(node).st_mode), f"the FIFO at {rel} was replaced")
            rc, out, err = ipectl(r2, ["show", "--policy", "boot"])
            if rel == "ipe/policies/boot/policy":
                check(rc == EXIT_IO and b"not supported" in err.lower(),
                      f"show --policy of a FIFO node: exit {rc}: {err}")


# ---------------------------------------------------------------- secrets

def test_secrets():
    """Plant secrets where a careless tool would echo them; grep every output."""
    with tempfile.TemporaryDirectory() as d:
        key, cert = signing_pair(d)
        os.chmod(key, 0o600)
        src = write(os.path.join(d, "demo.pol"), POLICY)
        pem_lines = [ln for ln in read(key).decode().splitlines() if ln and not ln.startswith("-----")]
        secrets = {
            "passphrase": "Hostile-Passphrase-7f3a9c",
            "pin": "Hostile-PIN-4412",
            "pass-file": "Hostile-File-Secret-b81d",
        }
        # an encrypted key whose passphrase is not what we give
        enc = os.path.join(d, "enc.key")
        subprocess.run(["openssl", "pkey", "-in", key, "-out", enc, "-aes256", "-passout", "pass:right-one"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.chmod(enc, 0o600)
        pfile = write(os.path.join(d, "pass.txt"), secrets["pass-file"] + "\n", mode=0o600)
        pem_src = write(os.path.join(d, "setfrom.src"),
                        "policy_name=s policy_version=1.0.0\nDEFAULT action=ALLOW\nset K from \"%s\"\n"
                        "op=EXECUTE fsverity_digest in @K action=DENY\n" % os.path.basename(key))
        env = dict(os.environ, NO_COLOR="1", IPE_HOSTILE_PASS=secrets["passphrase"])
        out_p7b = os.path.join(d, "o.p7b")
        uri = f"pkcs11:token=none;object=none;pin-value={secrets['pin']}?pin-value={secrets['pin']}"
        runs = [
            ("ipe-sign", ["sign", "--key", enc, "--cert", cert, "--pass", "env:IPE_HOSTILE_PASS", src, "-o", out_p7b]),
            ("ipe-sign", ["sign", "--key", enc, "--cert", cert, "--pass", "file:" + pfile, src, "-o", out_p7b]),
            ("ipe-sign", ["sign", "--key", enc, "--cert", cert, "--pass", "pass:" + secrets["passphrase"], src,
                          "-o", out_p7b]),
            ("ipe-sign", ["sign", "--key", enc, "--cert", cert, "--pass", secrets["passphrase"], src, "-o", out_p7b]),
            ("ipe-sign", ["sign", "--key", uri, "--cert", cert, src, "-o", out_p7b]),
            ("ipe-sign", ["sign", "--key", uri, "--cert", cert, "--pkcs11-module", "/nonexistent.so", src,
                          "-o", out_p7b]),
            ("ipe-compile", ["--sign", "--key", enc, "--cert", cert, "--pass", "env:IPE_HOSTILE_PASS", src,
                             "-o", out_p7b]),
            ("ipe-compile", ["--sign", "--key", uri, "--cert", cert, src, "-o", out_p7b]),
            ("ipe-compile", ["--sign", "--key", enc, "--cert", cert, "--pass", "pass:" + secrets["passphrase"], src,
                             "-o", out_p7b]),
            ("ipe-compile", [pem_src, "-o", "-"]),
            ("ipe-compile", ["-f", "binary", pem_src, "-o", os.path.join(d, "x.ipeb")]),
            ("ipe-compile", ["--decompile", key, "-o", "-"]),
            ("ipe-compile", ["--bump-from", key, src, "-o", "-"]),
            ("ipe-check", ["--baseline", key, src]),
            ("ipe-check", ["--kernel-config", key, src]),
            ("ipe-check", ["-f", "json", "--baseline", key, src]),
            ("ipe-sign", ["verify", "--trust", key, src]),
            ("ipe-sign", ["inspect", key]),
            ("ipe-sign", ["inspect", "--format=json", key]),
            ("ipe-sign", ["extract", key]),
            ("ipectl", ["--securityfs", fake_tree(d), "load", key]),
        ]
        for tool, args in runs:
            rc, out, err = run(tool, args, env=env, cwd=d)
            both = out + err
            what = f"{tool} {' '.join(a if secrets['pin'] not in a and secrets['passphrase'] not in a else '<secret>' for a in args)}"
            check(rc != 0, f"{what}: succeeded?! exit {rc}")
            for name, value in secrets.items():
                check(value.encode() not in both, f"{what}: the {name} appears in the output")
            leaked = [ln for ln in pem_lines if len(ln) >= 16 and ln[:16].encode() in both]
            check(not leaked, f"{what}: {len(leaked)} line(s) of the private key appear in the output")


# ---------------------------------------------------------------- exit

TABLE_START = "All ipe-tools commands share one table of exit statuses"


def man_exit_block(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    i = text.find(TABLE_START)
    if i < 0:
        return None
    j = text.find("\n.SH", i)
    return text[i:j if j >= 0 else len(text)]


def test_exit():
    # one table, the same words in every tool's man page
    blocks = {}
    # ipe-digest(1) keeps the statuses of `fsverity digest` (2 = usage), which
    # it replaces: a documented exception, reported to the lead (issue 11)
    for page in ["ipe-check.1", "ipe-compile.1", "ipe-sign.1", "ipectl.8", "ipe-explain.1"]:
        path = os.path.join(SRC_ROOT, "man", page)
        if not os.path.exists(path):
            continue
        blocks[page] = man_exit_block(path)
        check(blocks[page] is not None, f"man/{page}: no shared exit-status table ({TABLE_START!r})")
    shown = [b for b in blocks.values() if b]
    check(len(set(shown)) <= 1, "the shared exit-status tables of the man pages differ")
    if shown:
        for code in ["\n.B 0\nsuccess", "\n.B 1\n", "\n.B 2\n", "\n.B 3\nusage error"]:
            check(code in shown[0], f"shared exit table lacks {code!r}")

    with tempfile.TemporaryDirectory() as d:
        src = write(os.path.join(d, "demo.pol"), POLICY)
        key, cert = signing_pair(d)
        blob = os.path.join(d, "demo.p7b")
        rc, out, err = run("ipe-sign", ["sign", "-q", "--key", key, "--cert", cert, src, "-o", blob])
        check(rc == 0, f"sign: {rc} {err}")

        # a full standard output is exit 2 for every command that prints
        root = fake_tree(d)
        for tool, args in [("ipe-sign", ["inspect", blob]), ("ipe-sign", ["inspect", "--format=json", blob]),
                           ("ipe-sign", ["verify", "--trust", cert, blob]), ("ipe-sign", ["extract", blob]),
                           ("ipe-check", [src]), ("ipe-check", ["--canonical", src]),
                           ("ipe-check", ["--equivalent", src, src]), ("ipe-check", ["--list-checks"]),
                           ("ipe-compile", ["-o", "-", src]),
                           ("ipectl", ["--securityfs", root, "status"]),
                           ("ipectl", ["--securityfs", root, "show", "boot"]),
                           ("ipectl", ["--securityfs", root, "show", "--policy", "boot"])]:
            with open("/dev/full", "wb") as devfull:
                rc, out, err = run(tool, args, stdout=devfull)
            check(rc == EXIT_IO, f"{tool} {' '.join(args[:2])} > /dev/full: exit {rc} (want 2): {err[-200:]}")

        # one kind of failure, one status: the passphrase cannot be had
        os.chmod(key, 0o600)
        codes = {}
        for p in ["fd:99", "env:IPE_HOSTILE_UNSET_VAR", "file:" + os.path.join(d, "nonexistent")]:
            rc, out, err = run("ipe-sign", ["sign", "--key", key, "--cert", cert, "--pass", p, src,
                                            "-o", os.path.join(d, "x.p7b")], env={k: v for k, v in os.environ.items()
                                                                               if k != "IPE_HOSTILE_UNSET_VAR"})
            codes[p] = rc
        check(len(set(codes.values())) == 1 and EXIT_IO in codes.values(), f"--pass failures differ: {codes}")
        # ... the key cannot be used
        codes = {}
        for k in ["/dev/zero", ".", os.path.join(d, "nonexistent.key"), src]:
            for tool, args in [("ipe-sign", ["sign", "--key", k, "--cert", cert, src, "-o", os.path.join(d, "y.p7b")]),
                               ("ipe-compile", ["--sign", "--key", k, "--cert", cert, src, "-o", os.path.join(d, "y.p7b")])]:
                rc, out, err = run(tool, args, cwd=d)
                codes[f"{tool} --key {os.path.basename(k)}"] = rc
        check(set(codes.values()) == {EXIT_IO}, f"--key failures differ: {codes}")
        # ... and a policy the kernel rejects is a finding, not an input error
        badpol = write(os.path.join(d, "bad.pol"), "policy_name=x policy_version=1.0.0\nop=FOO action=ALLOW\n")
        rc, out, err = run("ipe-sign", ["sign", "--key", key, "--cert", cert, badpol, "-o", os.path.join(d, "z.p7b")])
        check(rc == EXIT_FINDINGS, f"sign of a rejected policy: exit {rc} (want 1)")

        # numbers that are not numbers
        for v in ["-1", " -1", "+5", "", "x", "99999999999999999999999"]:
            rc, out, err = run("ipe-check", [f"--max-rules={v}", src])
            check(rc == EXIT_USAGE, f"--max-rules={v!r}: exit {rc} (want 3)")
        rc, out, err = run("ipe-check", ["--max-rules=0", src])
        check(rc == 0, f"--max-rules=0: exit {rc}")


# ---------------------------------------------------------------- main

GROUPS = {"output": test_output, "ipectl": test_ipectl, "messages": test_messages, "exit": test_exit, "secrets": test_secrets}


def main():
    groups = sys.argv[1:] or list(GROUPS)
    for g in groups:
        if g not in GROUPS:
            print(f"unknown group {g}")
            return 2
        GROUPS[g]()
    for s in skips:
        print("  skipped:", s)
    return testlib.finish(skips)


if __name__ == "__main__":
    sys.exit(main())
