#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every exported function of libipe is documented in its header and used by
a tool, the example or a test (docs/architecture.md, "Public API rules").

Documented: an IPE_EXPORT declaration sits under a comment (a group of
declarations without a blank line between them shares one) or carries one on
its line.  Used: its name appears in src/tools/, examples/ or tests/ (not
counting the symbol list and the ABI baseline).  KNOWN_UNUSED is the debt of
the day: shrink it, never grow it.  Exits 1 on any violation.
"""
import os
import re
import sys

KNOWN_UNUSED = set()
KNOWN_UNDOCUMENTED = set()

DECL = re.compile(r'IPE_EXPORT\b.*?\b(ipe_[a-z0-9_]+)\s*\(')


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    inc = os.path.join(root, "include", "ipe")
    bad, exported = [], {}
    for h in sorted(os.listdir(inc)):
        if not h.endswith(".h"):
            continue
        documented = False
        in_comment = False
        with open(os.path.join(inc, h), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                s = line.strip()
                if in_comment:
                    if "*/" in s:
                        in_comment = False
                        documented = True
                    continue
                if s.startswith("/*"):
                    if "*/" in s:
                        documented = True
                    else:
                        in_comment = True
                    continue
                if not s:
                    documented = False
                    continue
                m = DECL.search(line)
                if m:
                    name = m.group(1)
                    exported[name] = f"include/ipe/{h}:{n}"
                    if not documented and "/*" not in line and name not in KNOWN_UNDOCUMENTED:
                        bad.append(f"include/ipe/{h}:{n}: {name} has no comment saying what it does")
                elif s.startswith("#"):
                    documented = False
    text = []
    for top in ("src/tools", "examples", "tests"):
        for dp, _, files in os.walk(os.path.join(root, top)):
            for f in files:
                if f in ("libipe.symbols", "libipe.abi", "check-api.py") or not f.endswith((".c", ".h", ".py", ".sh")):
                    continue
                with open(os.path.join(dp, f), encoding="utf-8", errors="replace") as fh:
                    text.append(fh.read())
    words = set(re.findall(r'\bipe_[a-z0-9_]+\b', "\n".join(text)))
    for name, where in sorted(exported.items()):
        if name not in words and name not in KNOWN_UNUSED:
            bad.append(f"{where}: {name} is exported but no tool, example or test uses it")
    for name in sorted(KNOWN_UNUSED):
        if name in words:
            bad.append(f"{name} is used now: remove it from KNOWN_UNUSED in {__file__}")
    for b in bad:
        print("not ok - " + b)
    if bad:
        return 1
    print(f"ok - {len(exported)} exported functions documented and used ({len(KNOWN_UNUSED)} known unused)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
