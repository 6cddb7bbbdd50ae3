"""Shared helpers for the corpus case generators (stdlib only).

A case is declared with the exact policy bytes, a comment, and the expected
error-severity diagnostics.  Each diagnostic location is given by naming the
token it points at (the n-th occurrence of a byte string in the file, optionally
shifted by `skip` bytes) or by an explicit (line, column); the generator turns
that into the 1-based display line (counting '\\n' only) and byte column.

The kernel verdict is derived from the expected diagnostics with the kernel's
processing order (security/ipe/policy_parser.c + fs.c):
  1. the first failing line (the kernel stops at the first line whose
     parse_header()/parse_rule() fails; only one error per line is listed, so
     this is the error with the smallest byte offset among the line errors),
  2. completeness (validate_policy(), IPE-E030),
  3. the policy name as a securityfs directory name (IPE-E031 before IPE-E032:
     lookup_one_common() rejects '/' '.' '..' with EACCES before the filesystem
     lookup rejects names longer than NAME_MAX with ENAMETOOLONG).
A case may also pin the verdict explicitly; it is then cross-checked.
"""

import os
import sys

ERRNO = {
    "IPE-E001": "EBADMSG",
    "IPE-E002": "EBADMSG",
    "IPE-E003": "EINVAL",
    "IPE-E004": "ERANGE",
    "IPE-E005": "EBADMSG",
    "IPE-E010": "EBADMSG",
    "IPE-E011": "EBADMSG",
    "IPE-E012": "EBADMSG",
    "IPE-E013": "EBADMSG",
    "IPE-E014": "EBADMSG",
    "IPE-E015": "EBADMSG",
    "IPE-E016": "EBADMSG",
    "IPE-E017": "EBADMSG",
    "IPE-E018": "EBADMSG",
    "IPE-E020": "EBADMSG",
    "IPE-E021": "EINVAL",
    "IPE-E022": "EBADMSG",
    "IPE-E030": "EBADMSG",
    "IPE-E031": "EACCES",
    "IPE-E032": "ENAMETOOLONG",
}

NOT_LINE_ERRORS = ("IPE-E030", "IPE-E031", "IPE-E032")

OPS = [b"EXECUTE", b"FIRMWARE", b"KMODULE", b"KEXEC_IMAGE",
       b"KEXEC_INITRAMFS", b"POLICY", b"X509_CERT"]

# A valid header and a global default, used by most cases.
H = b"policy_name=t policy_version=0.0.0\n"
G = b"DEFAULT action=ALLOW\n"
# A DEFAULT for every op (no global default needed then).
ALLDEF = b"".join(b"DEFAULT op=" + op + b" action=DENY\n" for op in OPS)
D64 = b"0123456789abcdef" * 4          # 32-byte digest, lowercase hex
D64U = D64.upper()


class At:
    """The n-th (1-based) occurrence of `sub`, shifted by `skip` bytes."""

    def __init__(self, sub, n=1, skip=0):
        self.sub, self.n, self.skip = sub, n, skip

    def offset(self, data):
        pos = -1
        for _ in range(self.n):
            pos = data.find(self.sub, pos + 1)
            if pos < 0:
                raise ValueError("locator %r #%d not found" % (self.sub, self.n))
        return pos + self.skip


class LC:
    """An explicit display position (line, column); used for 1:1 cases."""

    def __init__(self, line, col):
        self.line, self.col = line, col


def at(sub, n=1, skip=0):
    return At(sub, n, skip)


def lc(line, col):
    return LC(line, col)


def offset_to_lc(data, off):
    line = data.count(b"\n", 0, off) + 1
    col = off - (data.rfind(b"\n", 0, off) + 1) + 1
    return line, col


def resolve(data, loc):
    if isinstance(loc, LC):
        return (loc.line, loc.col), None
    off = loc.offset(data)
    return offset_to_lc(data, off), off


class Case:
    def __init__(self, name, comment, data, errors=(), verdict=None):
        self.name, self.comment, self.data = name, comment, data
        self.errors = []          # (code, (line, col), sort_key)
        for code, loc in errors:
            if code not in ERRNO:
                raise ValueError("%s: unknown code %s" % (name, code))
            pos, off = resolve(data, loc)
            key = off if off is not None else -1
            self.errors.append((code, pos, key))
        self.verdict = self.derive_verdict()
        if verdict is not None and verdict != self.verdict_text():
            raise ValueError("%s: pinned verdict %s != derived %s"
                             % (name, verdict, self.verdict_text()))
        codes = [c for c, _, _ in self.errors]
        if "IPE-E001" in codes and len(codes) != 1:
            raise ValueError("%s: IPE-E001 must be the only error" % name)

    def derive_verdict(self):
        line_errs = [e for e in self.errors if e[0] not in NOT_LINE_ERRORS]
        if line_errs:
            first = min(line_errs, key=lambda e: (e[1], e[2]))
            return (ERRNO[first[0]], first[1])
        for code in NOT_LINE_ERRORS:
            for e in self.errors:
                if e[0] == code:
                    return (ERRNO[code], e[1])
        return None

    def verdict_text(self):
        if self.verdict is None:
            return "OK"
        errno, (line, col) = self.verdict
        return "%s@%d:%d" % (errno, line, col)

    def expect_text(self):
        out = []
        for ln in self.comment.strip().splitlines():
            out.append("# " + ln.strip() if ln.strip() else "#")
        out.append("verdict: " + self.verdict_text())
        for code, (line, col), _ in sorted(self.errors,
                                           key=lambda e: (e[1], e[0])):
            out.append("error: %s@%d:%d" % (code, line, col))
        return "\n".join(out) + "\n"


def emit(cases, outdir, check_only, owns):
    """Write (or with check_only, compare) NAME.pol / NAME.expect files.
    `owns(name)` tells which existing files belong to this generator: those
    it no longer produces are reported (check) or removed (write)."""
    names = set()
    bad = 0
    for c in cases:
        if c.name in names:
            raise ValueError("duplicate case name " + c.name)
        names.add(c.name)
        for ext, content in ((".pol", c.data),
                             (".expect", c.expect_text().encode())):
            path = os.path.join(outdir, c.name + ext)
            if check_only:
                try:
                    with open(path, "rb") as f:
                        if f.read() != content:
                            print("stale: " + path)
                            bad += 1
                except OSError:
                    print("missing: " + path)
                    bad += 1
            else:
                with open(path, "wb") as f:
                    f.write(content)
    for entry in sorted(os.listdir(outdir)):
        stem, ext = os.path.splitext(entry)
        if ext in (".pol", ".expect") and owns(stem) and stem not in names:
            if check_only:
                print("not generated any more: " + entry)
                bad += 1
            else:
                os.remove(os.path.join(outdir, entry))
    if check_only:
        print("%d cases checked, %d stale or missing files" % (len(cases), bad))
    else:
        print("%d cases written to %s" % (len(cases), outdir))
    return 1 if bad else 0


def main(cases, owns):
    check = "--check" in sys.argv[1:]
    outdir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
    os.makedirs(outdir, exist_ok=True)
    sys.exit(emit(cases, outdir, check, owns))
