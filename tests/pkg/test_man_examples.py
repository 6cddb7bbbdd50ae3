#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every example of every man page, extracted from its EXAMPLES section and run.

Blocks (.nf/.fi, .EX/.EE) are read with the troff escapes undone.  A block
whose first line is a policy header is a policy: it is checked with ipe-check
and must be accepted (digests shortened as 'ab...cd' are padded to full
length).  In a block with '$ ' prompts the prompted lines are commands and
the lines after each are its output: every output line must appear in what
the command prints (unless OUTPUT_FREE says why not), and '$ echo $?' checks
the exit status; in other blocks every line is a command that must exit 0.
Commands run with bash in a scratch directory holding the files the examples
name (keys made here, policies, an image for veritysetup), the built tools
first on PATH.  Commands that need a running IPE kernel, root or the reader's
own files are listed in LIVE with the reason, printed, and not run; an
example that is neither run nor listed fails the test.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

SRC = os.environ.get("IPE_SOURCE_ROOT", ".")
BUILD = os.environ.get("IPE_BUILD_ROOT", "build")
TOOLS = os.path.join(BUILD, "src", "tools")

# command regex -> why it cannot run in the test suite
LIVE = [
    (r"^ipectl (load|update|status|enforce|install|activate|delete)\b", "writes or reads a running IPE kernel's securityfs (real-kernel suite: tests/kernel)"),
    (r"/sys/kernel/security", "writes a running IPE kernel's securityfs (real-kernel suite)"),
    (r"^ipe-sign verify --keyring\b", "asks the running kernel's keyrings"),
    (r"^ipe-sign key-add\b", "adds a key to a kernel keyring (root; real-kernel suite)"),
    (r"pkcs11:", "needs a PKCS#11 token with the PIN in $PIN (tests/signer does this with softhsm2)"),
    (r"^ipe-explain --active\b", "reads the active policy of a running IPE kernel"),
    (r"--audit=/var/log/audit/audit.log", "reads this machine's audit log"),
    (r"^journalctl\b", "reads this machine's kernel log"),
    (r"/etc/ipe/prod\.p7b", "reads the policy installed on the reader's machine"),
    (r"/opt/app|/usr/lib/app", "hashes the reader's application tree"),
]
# command regex -> why its printed output is not compared
OUTPUT_FREE = [
    (r"^ipe-compile (main\.pol|--sign .* main\.pol)$", "rule count and size depend on the reader's common.pol and digests.txt"),
]

# command regex -> exit statuses that mean success, and why
EXITS = [
    (r"^ipe-check --diff\b", (0, 1), "exit 1 = some decision changed (the example shows one)"),
]

ESCAPES = [(r"\(aq", "'"), (r"\(dq", '"'), (r"\(en", "-"), (r"\(em", "--"), (r"\-", "-"), (r"\e", "\\"),
           (r"\&", ""), (r"\fB", ""), (r"\fI", ""), (r"\fR", ""), (r"\fP", ""), (r"\ ", " ")]


def unescape(s):
    for a, b in ESCAPES:
        s = s.replace(a, b)
    return s


def blocks(page):
    with open(page, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, on, cur = [], False, None
    for ln in lines:
        if ln.startswith(".SH"):
            on = ln.split(None, 1)[1].strip('"') in ("EXAMPLES", "EXAMPLE") if len(ln.split()) > 1 else False
            continue
        if not on:
            continue
        if ln in (".nf", ".EX"):
            cur = []
        elif ln in (".fi", ".EE"):
            if cur is not None:
                out.append(cur)
            cur = None
        elif cur is not None and not ln.startswith((".RS", ".RE", ".PP", ".br")):
            cur.append(unescape(ln))
    return out


def join_continued(lines):
    res = []
    for ln in lines:
        if res and res[-1].endswith("\\"):
            res[-1] = res[-1][:-1].rstrip() + " " + ln.strip()
        else:
            res.append(ln)
    return res


def pad_digests(text):
    def fill(m):
        alg, left, right = m.group(1), m.group(2), m.group(3)
        n = {"sha256": 64, "sha384": 96, "sha512": 128}.get(alg, 64)
        return f"{alg}:{left}{'0' * (n - len(left) - len(right))}{right}"
    return re.sub(r"(sha256|sha384|sha512):([0-9a-f]+)\.\.\.([0-9a-f]+)", fill, text)


def sh(cmd, cwd, env):
    p = subprocess.run(["bash", "-c", cmd], cwd=cwd, env=env, capture_output=True, timeout=120)
    return p.returncode, (p.stdout + p.stderr).decode("utf-8", "replace")


def fixtures(d, env):
    def put(name, text, mode=0o644):
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
    shutil.copytree(os.path.join(SRC, "examples"), os.path.join(d, "examples"))
    hello = open(os.path.join(SRC, "examples", "hello.pol")).read()
    for n in ("policy.txt", "policy.pol", "policies/hello.pol"):
        put(n, hello)
    put("demo.pol", "policy_name=demo policy_version=1.0.0\nDEFAULT action=DENY\nop=EXEC action=ALLOW\n")
    put("bin/generate-policy", "#!/bin/sh\ncat \"$(dirname \"$0\")/../policy.txt\"\n", 0o755)
    hdr = "DEFAULT action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\n" \
          "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n"
    put("old.pol", "policy_name=prod policy_version=1.0.0\n" + hdr)
    put("new.pol", "policy_name=prod policy_version=1.0.1\n" + hdr + "op=KMODULE action=ALLOW\n")
    put("common.pol", "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n")
    put("digests.txt", "".join(f"sha256:{i:064x} /usr/bin/tool{i}\n" for i in range(1, 11)))
    ext = "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n" \
          "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"
    put("signer.ext", ext)
    cmds = [
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ca -addext basicConstraints=critical,CA:TRUE "
        "-addext keyUsage=critical,keyCertSign -keyout ca.key -out ca.pem",
        "openssl req -newkey rsa:2048 -nodes -subj /CN=signer -keyout signer.key -out signer.csr",
        "openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile signer.ext -out signer.pem",
        "cp signer.key key.pem && cp signer.pem cert.pem && cp signer.key signing.key && cp signer.pem signing.crt",
        "ipe-sign sign --key signer.key --cert signer.pem policy.txt -o policy.p7b",
        "dd if=/dev/zero of=rootfs.img bs=4096 count=64 status=none",
    ]
    for c in cmds:
        rc, out = sh(c, d, env)
        if rc:
            raise RuntimeError(f"fixture '{c}' failed: {out}")


def main():
    pages = sorted(os.path.join(SRC, "man", p) for p in os.listdir(os.path.join(SRC, "man"))
                   if re.search(r"\.[1-8]$", p))
    ran = live = fail = 0
    for page in pages:
        name = os.path.basename(page)
        d = tempfile.mkdtemp(prefix="man-examples-")
        env = dict(os.environ)
        env["PATH"] = os.path.abspath(TOOLS) + os.pathsep + os.path.join(d, "bin") + os.pathsep + env["PATH"]
        try:
            fixtures(d, env)
            for blk in blocks(page):
                lines = join_continued(blk)
                if lines and lines[0].startswith("policy_name="):
                    with open(os.path.join(d, "example.pol"), "w") as f:
                        f.write(pad_digests("\n".join(lines) + "\n"))
                    rc, out = sh("ipe-check --no-lint example.pol", d, env)
                    ran += 1
                    if rc != 0:
                        fail += 1
                        print(f"not ok - {name}: policy example '{lines[0]}' rejected:\n{out}")
                    else:
                        print(f"ok - {name}: policy example '{lines[0]}' accepted")
                    continue
                prompted = any(ln.startswith("$ ") for ln in lines)
                steps = []  # (command, expected output lines)
                for ln in lines:
                    if prompted:
                        if ln.startswith("$ "):
                            steps.append([ln[2:].strip(), []])
                        elif steps:
                            steps[-1][1].append(ln)
                    elif ln.strip() and not ln.lstrip().startswith("#"):
                        steps.append([ln.strip(), []])
                last_rc = 0
                for i, (cmd, expect) in enumerate(steps):
                    why = next((w for rx, w in LIVE if re.search(rx, cmd)), None)
                    if why:
                        live += 1
                        print(f"# not run - {name}: '{cmd}': {why}")
                        continue
                    if cmd == "echo $?":
                        ok = expect and expect[0].strip() == str(last_rc)
                        ran += 1
                        fail += not ok
                        print(f"{'ok' if ok else 'not ok'} - {name}: exit status {last_rc} (page says {expect[0] if expect else '?'})")
                        continue
                    m = re.match(r"^cat (\S+)$", cmd)
                    if m and expect and not os.path.exists(os.path.join(d, m.group(1))):
                        # the page shows the file: make it from what it shows
                        with open(os.path.join(d, m.group(1)), "w") as f:
                            f.write("\n".join(expect) + "\n")
                    rc, out = sh(cmd, d, env)
                    last_rc = rc
                    okrc = next((codes for rx, codes, _ in EXITS if re.search(rx, cmd)), (0,))
                    ran += 1
                    checked_by_echo = i + 1 < len(steps) and steps[i + 1][0] == "echo $?"
                    problems = []
                    if rc not in okrc and not checked_by_echo:
                        problems.append(f"exit {rc}")
                    free = next((w for rx, w in OUTPUT_FREE if re.search(rx, cmd)), None)
                    if not free:
                        have = [" ".join(x.split()) for x in out.split("\n")]
                        for e in expect:
                            if e.strip() and " ".join(e.split()) not in have:
                                problems.append(f"no line '{e.strip()}'")
                    if problems:
                        fail += 1
                        print(f"not ok - {name}: '{cmd}': {'; '.join(problems)}\n--- it printed:\n{out}---")
                    else:
                        print(f"ok - {name}: '{cmd}'" + (f" (output not compared: {free})" if free and expect else ""))
        finally:
            shutil.rmtree(d, ignore_errors=True)
    # one date on every page, and every ipe-tools page a page names exists
    dates, refs = set(), []
    for page in pages:
        text = open(page, encoding="utf-8").read()
        th = re.search(r"^\.TH (\S+) (\d) (\S+)", text, re.M)
        dates.add(th.group(3).strip('"') if th else "?")
        for n, s in re.findall(r"(ipe(?:\\-|-)[a-z]+|ipectl)\s*\((\d)\)", text):
            refs.append((os.path.basename(page), n.replace("\\-", "-"), s))
    ran += 1
    if len(dates) == 1:
        print(f"ok - every man page is dated {dates.pop()}")
    else:
        fail += 1
        print(f"not ok - the man pages carry different dates: {sorted(dates)}")
    missing = sorted({f"{pg}: {n}({s})" for pg, n, s in refs
                      if n != "ipe-tools" and not os.path.exists(os.path.join(SRC, "man", f"{n}.{s}"))})
    ran += 1
    if missing:
        fail += 1
        print("not ok - cross-references to pages that do not exist: " + ", ".join(missing))
    else:
        print(f"ok - {len(refs)} cross-references name existing pages")
    print(f"{ran} examples run, {fail} failed, {live} not run (need a live system; listed above)")
    return 1 if fail or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
