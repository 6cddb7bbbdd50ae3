#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The CHECKS section of man/ipe-check.1, generated from the check catalogue
(ipe-check --list-checks and --explain), so the page cannot drift from it.

  gen_man_checks.py --write man/ipe-check.1   regenerate the section in place
  gen_man_checks.py --check man/ipe-check.1   exit 1 (with a diff) when it differs

The section runs from '.SH CHECKS' to the line '.\\" --- end of the CHECKS section ---'.
IPE_CHECK (environment) or the first non-option argument names the ipe-check binary.
"""
import difflib
import os
import re
import subprocess
import sys

START = ".SH CHECKS"
END = '.\\" --- end of the CHECKS section ---'

INTRO = r""".SH CHECKS
Beyond the kernel's own errors,
.B ipe\-check
reports policies that the kernel loads but that probably do not do what
their author meant.
Every check has a stable code:
.BR IPE\-E0 nn
errors,
.BR IPE\-W1 nn
warnings and
.BR IPE\-I2 nn
information.
.B \-\-list\-checks
prints the catalogue,
.BI \-\-explain= CODE
one entry;
.BR \-\-enable ,
.B \-\-disable
and
.B \-\-severity
change what is reported, and
.B \-\-fail\-on
and
.B \-\-werror
which findings make the exit status 1.
The rule analyses (dead, shadowed, redundant and duplicate rules, revocations,
defaults) run only on policies the kernel accepts: a rejected policy decides
nothing, so fix its errors first.
.PP
A comment
.RS
.B # ipe\-check: disable=IPE\-W101[,IPE\-W105...]
.RE
at the end of a line suppresses those codes on that line; on a line of its
own it suppresses them on the next line, and before the header for the
whole file
.RB ( all
suppresses every code).
A suppression that suppresses nothing is reported as IPE\-W180, a malformed
one as IPE\-W181.
The canonical text
.RB ( \-\-canonical )
drops these comments like any other.
.PP
This section is generated from the catalogue by
.I tests/lint/gen_man_checks.py
(a test fails when they differ).
"""


def roff_text(s):
    s = s.replace("\\", "\\e").replace("-", "\\-")
    if s.startswith(".") or s.startswith("'"):
        s = "\\&" + s
    return s


def entry(code, sev, name, title, expl):
    out = [".TP", '.BR %s " (%s, %s)"' % (roff_text(code), sev, roff_text(name)), roff_text(title[0].upper() + title[1:]) + "."]
    out.append(".br")
    in_ex = False
    for line in expl.splitlines():
        if line.startswith("  "):
            if not in_ex:
                out += [".RS", ".nf"]
                in_ex = True
            out.append(roff_text(line[2:]))
            continue
        if in_ex:
            out += [".fi", ".RE"]
            in_ex = False
        if not line.strip():
            continue
        if line.startswith("Fix:") or line.startswith("Example"):
            out.append(".br")
        out.append(roff_text(line))
    if in_ex:
        out += [".fi", ".RE"]
    return out


def generate(ipe_check):
    lst = subprocess.run([ipe_check, "--list-checks"], capture_output=True, text=True, check=True).stdout
    lint, kernel = [], []
    for l in lst.splitlines():
        if not l.strip():
            continue
        code = l.split()[0]
        ex = subprocess.run([ipe_check, "--explain=" + code], capture_output=True, text=True, check=True).stdout
        m = re.match(r"^(\S+) \(([^,]+), (\w+)\): (.*)\n\n(.*)$", ex, re.S)
        if not m or m.group(1) != code:
            raise SystemExit("cannot read --explain=%s output: %r" % (code, ex[:200]))
        e = (code, m.group(3), m.group(2), m.group(4), m.group(5).rstrip("\n"))
        (kernel if l.rstrip().endswith("[kernel]") else lint).append(e)
    out = INTRO.rstrip("\n").splitlines()
    out += [".SS Linter checks"]
    for e in lint:
        out += entry(*e)
    out += [".SS Kernel rejections and text facts",
            "Reported by the front end whether or not linting is on (see also",
            ".BR \"DIAGNOSTIC CODES\" ).",
            "The error number is the kernel's answer."]
    for e in kernel:
        out += entry(*e)
    out.append(END)
    return out


def split(page):
    lines = page.splitlines()
    try:
        a = lines.index(START)
        b = lines.index(END)
    except ValueError:
        raise SystemExit("the man page has no '%s' ... '%s' section" % (START, END))
    return lines[:a], lines[a:b + 1], lines[b + 1:]


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    mode = "--check" if "--check" in sys.argv else "--write" if "--write" in sys.argv else None
    ipe_check = os.environ.get("IPE_CHECK")
    if not ipe_check and len(args) == 2:
        ipe_check = args.pop(0)
    if not mode or len(args) != 1 or not ipe_check:
        print(__doc__)
        return 2
    page = open(args[0], encoding="utf-8").read()
    before, section, after = split(page)
    new = generate(ipe_check)
    if mode == "--write":
        with open(args[0], "w", encoding="utf-8") as f:
            f.write("\n".join(before + new + after) + "\n")
        print("wrote %d lines of CHECKS" % len(new))
        return 0
    if section == new:
        print("1 passed, 0 failed (CHECKS section matches the catalogue, %d lines)" % len(new))
        return 0
    sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in section], [l + "\n" for l in new],
                                               "man page CHECKS", "catalogue"))
    print("0 passed, 1 failed: man/ipe-check.1 CHECKS differs from the catalogue; "
          "run tests/lint/gen_man_checks.py --write man/ipe-check.1")
    return 1


if __name__ == "__main__":
    sys.exit(main())
