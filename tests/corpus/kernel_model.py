#!/usr/bin/env python3
"""A small, independent Python model of the Linux 6.12 IPE policy parser's
*verdict* (errno + the token it fails on), written from a reading of
security/ipe/policy_parser.c, digest.c, lib/parser.c and lib/kstrtox.c.

It exists only to cross-check the hand-written corpus expectations (a typo
in a .expect file shows up as a disagreement with this model).  It does not
produce diagnostics and shares no code with ipe-tools.

    kernel_model.py --check [CASES_DIR]   compare every NAME.expect verdict
    kernel_model.py FILE...               print the modelled verdict
"""

import os
import re
import sys

ISSPACE = {0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0xA0}   # kernel ctype _S
HEXDIGITS = set(b"0123456789abcdefABCDEF")
OPS = {b"op=EXECUTE", b"op=FIRMWARE", b"op=KMODULE", b"op=KEXEC_IMAGE",
       b"op=KEXEC_INITRAMFS", b"op=POLICY", b"op=X509_CERT"}
ACTIONS = {b"action=ALLOW", b"action=DENY"}
BOOL_PROPS = {b"boot_verified=TRUE", b"boot_verified=FALSE",
              b"dmverity_signature=TRUE", b"dmverity_signature=FALSE",
              b"fsverity_signature=TRUE", b"fsverity_signature=FALSE"}
DIGEST_KEYS = (b"dmverity_roothash=", b"fsverity_digest=")


class Fail(Exception):
    def __init__(self, errno, off):
        super().__init__(errno)
        self.errno, self.off = errno, off


def kstrtou16(s):
    """0 or an errno name, following kstrtoull(base 10) + the u16 check."""
    i = 1 if s[:1] == b"+" else 0
    val, n, overflow = 0, 0, False
    while i + n < len(s) and 0x30 <= s[i + n] <= 0x39:
        val = val * 10 + s[i + n] - 0x30
        if val > 0xFFFFFFFFFFFFFFFF:
            overflow = True
        n += 1
    if overflow:
        return "ERANGE"
    if n == 0:
        return "EINVAL"
    rest = s[i + n:]
    if rest[:1] == b"\n":
        rest = rest[1:]
    if rest:
        return "EINVAL"
    return "ERANGE" if val > 0xFFFF else None


def parse_version(v):
    parts = v.split(b".")
    for i, part in enumerate(parts):
        if i >= 3:
            return "EBADMSG"
        rc = kstrtou16(part)
        if rc:
            return rc
    return None if len(parts) == 3 else "EBADMSG"


def parse_digest(v):
    if b":" not in v:
        return "EBADMSG"
    hexpart = v.split(b":", 1)[1]
    if len(hexpart) % 2 or any(c not in HEXDIGITS for c in hexpart):
        return "EINVAL"
    return None


def tokens_of(line, base):
    out, i = [], 0
    while i < len(line):
        if line[i] in (0x20, 0x09):
            i += 1
            continue
        j = i
        while j < len(line) and line[j] not in (0x20, 0x09):
            j += 1
        out.append((line[i:j], base + i))
        i = j
    return out


def model(data):
    """Return None (accepted) or (errno, byte offset of the failing token)."""
    try:
        return _model(data)
    except Fail as f:
        return (f.errno, f.off)


def _model(data):
    if not data:
        raise Fail("EBADMSG", 0)
    nul = data.find(b"\0")
    text = data if nul < 0 else data[:nul]
    header = None          # (name, offset of first header token)
    glob = False
    opdef = set()
    for m in re.finditer(rb"[^\r\n]*", text):
        line, base = m.group(0), m.start()
        if b"#" in line:
            line = line[:line.index(b"#")]
        while line and line[-1] in ISSPACE:
            line = line[:-1]
        if not line:
            continue
        toks = tokens_of(line, base)
        if header is None:
            name = None
            for idx, (t, off) in enumerate(toks):
                if idx >= 2:
                    raise Fail("EBADMSG", off)
                if t.startswith(b"policy_name=") and len(t) > 12:
                    kind = 0
                elif t.startswith(b"policy_version=") and len(t) > 15:
                    kind = 1
                else:
                    kind = 2
                if kind != idx:
                    raise Fail("EBADMSG", off)
                if kind == 0:
                    name = t[12:]
                else:
                    rc = parse_version(t[15:])
                    if rc:
                        raise Fail(rc, off)
            if len(toks) != 2:
                raise Fail("EBADMSG", toks[0][1])
            header = (name, toks[0][1])
            continue
        is_default, op, props = False, None, []
        for i, (t, off) in enumerate(toks[:-1]):
            if i == 0 and t == b"DEFAULT":
                is_default = True
            elif op is None:
                if t not in OPS:
                    raise Fail("EBADMSG", off)
                op = t
            else:
                if t in BOOL_PROPS:
                    pass
                elif any(t.startswith(k) and len(t) > len(k) for k in DIGEST_KEYS):
                    rc = parse_digest(t.split(b"=", 1)[1])
                    if rc:
                        raise Fail(rc, off)
                else:
                    raise Fail("EBADMSG", off)
                props.append(off)
        last, loff = toks[-1]
        if last not in ACTIONS:
            raise Fail("EBADMSG", loff)
        if is_default:
            if props:
                raise Fail("EBADMSG", props[0])
            if op is None:
                if glob:
                    raise Fail("EBADMSG", toks[0][1])
                glob = True
            else:
                if op in opdef:
                    raise Fail("EBADMSG", toks[0][1])
                opdef.add(op)
        elif op is None:
            raise Fail("EBADMSG", loff)
    if header is None:
        raise Fail("EBADMSG", 0)
    if not glob and opdef != OPS:
        raise Fail("EBADMSG", header[1])
    name = header[0]
    if name in (b".", b"..") or b"/" in name:
        raise Fail("EACCES", header[1])
    if len(name) > 255:
        raise Fail("ENAMETOOLONG", header[1])
    return None


def verdict_text(data):
    v = model(data)
    if v is None:
        return "OK"
    errno, off = v
    line = data.count(b"\n", 0, off) + 1
    col = off - (data.rfind(b"\n", 0, off) + 1) + 1
    return "%s@%d:%d" % (errno, line, col)


def check(cases_dir):
    bad = n = 0
    for entry in sorted(os.listdir(cases_dir)):
        if not entry.endswith(".pol"):
            continue
        n += 1
        stem = os.path.join(cases_dir, entry[:-4])
        with open(stem + ".pol", "rb") as f:
            got = verdict_text(f.read())
        want = None
        with open(stem + ".expect", encoding="utf-8") as f:
            for line in f:
                if line.startswith("verdict:"):
                    want = line.split(":", 1)[1].strip()
        if got != want:
            print("MODEL DISAGREES %s: expect %s, model %s" % (entry[:-4], want, got))
            bad += 1
    print("%d cases, %d disagreements with the kernel model" % (n, bad))
    return 1 if bad or n == 0 else 0


def main(argv):
    if argv[:1] == ["--check"]:
        here = os.path.dirname(os.path.abspath(__file__))
        return check(argv[1] if len(argv) > 1 else os.path.join(here, "cases"))
    for path in argv:
        with open(path, "rb") as f:
            print("%s: %s" % (path, verdict_text(f.read())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
