#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The include layering of src/ (docs/architecture.md, "Layers").

Every #include of a libipe source file is checked against the table below:
an internal header ("dir/x.h", "../dir/x.h") must belong to the file's own
directory or one it may call; a public header (<ipe/x.h>) must be owned by
such a directory.  A new dependency is a deliberate edit of this table and
of docs/architecture.md, never an accident.  Exits 1 on any violation.
"""
import os
import re
import sys

# Directories of src/, lowest first, and the directories each may call
# (its own is always allowed).
MAY_CALL = {
    "util": [],
    "lexer": ["util"],
    "source": ["util"],
    # the model (compiler/model.h) is what the parser builds
    "parser": ["util", "lexer", "source", "compiler"],
    # the front end's back half; it never calls the parser, the signer or
    # anything above (compiler/checks scan comments with the lexer)
    "compiler": ["util", "lexer", "parser"],
    "signer": ["util", "lexer", "parser", "compiler"],
    "digest": ["util"],
    "ctl": ["util", "lexer", "parser", "compiler", "signer"],
    "explain": ["util", "lexer", "parser", "compiler", "digest"],
    "pipeline": ["util", "lexer", "source", "parser", "compiler", "signer"],
    # one main per tool, public API only
    "tools": ["public"],
}

# Who owns each public header (the layer that implements it).
PUBLIC_OWNER = {
    "export": "util", "diag": "util", "io": "util", "systemd": "util",
    "policy": "parser", "compile": "parser",
    "binary": "compiler", "equiv": "compiler", "eval": "compiler", "lint": "compiler",
    "opt": "compiler", "report": "compiler",
    "sign": "signer", "digest": "digest", "ctl": "ctl", "explain": "explain",
    "pipeline": "pipeline", "ipe": "tools",
}

# Known debt: dependencies that break the table today, each with its reason.
# Remove an entry when the code moves; never add one without an issue.
EXCEPTIONS = {
    # types only: the public headers hold them with the functions above
    ("lexer", "parser"): "types only: <ipe/policy.h> enums of ops and properties for the keyword table",
    ("source", "parser"): "types only: <ipe/compile.h> struct ipe_source_opts, the loader's options",
}

# A file may include the public header whose functions it implements.
FILE_EXCEPTIONS = {
    ("src/compiler/version.c", "ipe/ipe.h"): "implements ipe_version(), declared in the umbrella header",
}

INC = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def owner_of_internal(path, srcdir, fdir):
    p = os.path.normpath(os.path.join(fdir, path)) if path.startswith("..") else path
    top = p.split("/")[0]
    if top in MAY_CALL:
        return top
    return None  # a header next to the file ("lexer.h", "grammar.h", generated)


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
    src = os.path.join(root, "src")
    bad = []
    seen_dirs = set()
    for d in sorted(os.listdir(src)):
        if not os.path.isdir(os.path.join(src, d)):
            continue
        seen_dirs.add(d)
        if d not in MAY_CALL:
            bad.append(f"src/{d}/: a directory the layering table does not know (add it to "
                       f"tests/layering/check-layering.py and docs/architecture.md)")
            continue
        allowed = set(MAY_CALL[d]) | {d}
        for dp, _, files in os.walk(os.path.join(src, d)):
            for f in sorted(files):
                if not f.endswith((".c", ".h", ".y", ".l")):
                    continue
                fp = os.path.join(dp, f)
                rel = os.path.relpath(fp, root)
                fdir = os.path.relpath(dp, src)
                with open(fp, encoding="utf-8", errors="replace") as fh:
                    for n, line in enumerate(fh, 1):
                        m = INC.match(line)
                        if not m:
                            continue
                        kind, path = m.groups()
                        if kind == "<":
                            if not path.startswith("ipe/"):
                                continue
                            name = path[4:].removesuffix(".h")
                            target = PUBLIC_OWNER.get(name)
                            if target is None:
                                bad.append(f"{rel}:{n}: <{path}> has no owner in the table")
                                continue
                            if d == "tools" or target in allowed or (rel, path) in FILE_EXCEPTIONS:
                                continue
                        else:
                            target = owner_of_internal(path, src, fdir)
                            if target is None or target in allowed:
                                continue
                            if d == "tools":
                                bad.append(f"{rel}:{n}: tools use the public API only, not \"{path}\"")
                                continue
                        if (d, target) in EXCEPTIONS:
                            continue
                        bad.append(f"{rel}:{n}: src/{d}/ may not depend on src/{target}/ ({line.strip()})")
    for (a, b), why in EXCEPTIONS.items():
        print(f"# known exception {a} -> {b}: {why}")
    for b in bad:
        print("not ok - " + b)
    if bad:
        print(f"# {len(bad)} layering violation(s); the table is in tests/layering/check-layering.py")
        return 1
    print(f"ok - includes of {len(seen_dirs)} directories of src/ follow the layering")
    return 0


if __name__ == "__main__":
    sys.exit(main())
