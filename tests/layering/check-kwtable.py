#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""One source of truth for the kernel's policy keywords (src/util/kwtable.h).

Reads the names of the table (ops, actions, properties, header keys) and
flags every string literal of src/ (adjacent literals joined, comments
dropped) that writes one of them again:
  - a literal that is, blanks aside, a name or token of the table
    ("fsverity_digest", "EXECUTE", " boot_verified=TRUE", "policy_name=");
  - a literal that lists three or more op names (a copy of the op list);
  - a format that writes a property's or a header key's value
    ("fsverity_digest=%s", "boot_verified=%s").
Prose that merely mentions a keyword (messages, examples) is not flagged.
The scanner (src/lexer/scanner.l) is read like the C files: it classifies
its words with the table's own function and holds no keyword pattern
(tests/unit/test_lexer.c checks that too).  Exits 1 on any copy.
"""
import os
import re
import sys

TABLE = "src/util/kwtable.h"
SKIP = {TABLE}


def table_names(text):
    def body(macro):
        m = re.search(r"#define " + macro + r"\(X\)(.*?)(?:\n\n|\n/\*|\n#)", text, re.S)
        if not m:
            sys.exit(f"check-kwtable: {macro} not found in {TABLE}")
        return re.findall(r"X\((\w+)", m.group(1))

    ops = body("IPE_KW_OPS")
    actions = body("IPE_KW_ACTIONS")
    bools = body("IPE_KW_BOOL_PROPS")
    digests = body("IPE_KW_DIGEST_PROPS")
    header = body("IPE_KW_HEADER")
    exact = set(ops) | set(actions) | set(bools) | set(digests) | set(header)
    exact |= {f"{k}={v}" for k in bools for v in ("TRUE", "FALSE")}
    exact |= {f"{k}=" for k in digests + header}
    exact |= {f"op={o}" for o in ops} | {f"action={a}" for a in actions}
    return ops, exact, bools + digests + header


LIT = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def literals(src):
    """(line, text) of each string literal, adjacent ones joined, outside
    comments and character constants."""
    out = []
    i, n, line = 0, len(src), 1
    cur = None  # [line, text] of the literal being joined
    while i < n:
        c = src[i]
        if c == "\n":
            line += 1
            i += 1
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += src.count("\n", i, j)
            i = j
        elif src.startswith("//", i):
            j = src.find("\n", i)
            i = n if j < 0 else j
        elif c == "'":
            m = re.compile(r"'(?:[^'\\\n]|\\.)*'").match(src, i)
            i = m.end() if m else i + 1
            if cur:
                out.append(tuple(cur))
                cur = None
        elif c == '"':
            m = LIT.match(src, i)
            if not m:
                i += 1
                continue
            if cur:
                cur[1] += m.group(1)
            else:
                cur = [line, m.group(1)]
            i = m.end()
        elif c in " \t\r\\":
            i += 1
        else:
            if cur:
                out.append(tuple(cur))
                cur = None
            i += 1
    if cur:
        out.append(tuple(cur))
    return out


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    with open(os.path.join(root, TABLE), encoding="utf-8") as f:
        ops, exact, keys = table_names(f.read())
    fmt = re.compile(r"\b(?:" + "|".join(map(re.escape, keys)) + r")=%")
    opword = re.compile(r"\b(?:" + "|".join(map(re.escape, ops)) + r")\b")
    bad = []
    nfiles = 0
    for dp, _, files in os.walk(os.path.join(root, "src")):
        for fn in sorted(files):
            if not fn.endswith((".c", ".h", ".y", ".l")):
                continue
            rel = os.path.relpath(os.path.join(dp, fn), root)
            if rel in SKIP:
                continue
            nfiles += 1
            with open(os.path.join(dp, fn), encoding="utf-8", errors="replace") as f:
                src = f.read()
            for line, s in literals(src):
                why = None
                if s.strip() in exact:
                    why = "a name of the keyword table"
                elif len(set(opword.findall(s))) >= 3:
                    why = "a list of op names"
                elif fmt.search(s):
                    why = "a keyword's value written by a format"
                if why:
                    bad.append(f'{rel}:{line}: "{s[:70]}": {why}; derive it from {TABLE}')
    for b in bad:
        print("not ok - " + b)
    if bad:
        print(f"# {len(bad)} copies of keyword-table names in src/")
        return 1
    print(f"ok - {nfiles} files of src/ take the policy keywords from {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
