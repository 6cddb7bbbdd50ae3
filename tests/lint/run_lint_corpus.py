#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Lint corpus: small policies with their exact expected findings.

cases/NAME.pol      the policy
cases/NAME.expect   one 'CODE@LINE:COL' per finding (the whole set, in order:
                    ipe-check sorts by file, line, column, code); empty = clean
cases/NAME.args     optional extra ipe-check arguments (@INPUTS@ = tests/lint/inputs)

NAME starts with the check code and says whether the case is a positive
('CODE-pos...': CODE must be among the expectations) or a negative
('CODE-neg...': CODE must not be) test.  Every linter check of the catalogue
(ipe-check --list-checks, entries without [kernel]) needs at least one of
each.  Some cases are generated here (signed-size limits need ~60 KB).

Each case runs ipe-check --format=json and compares the findings (all of
them, front end included) with the expectation, and the exit status with the
severities (1 iff an error-level finding).  Prints 'N passed, N failed'.

Expectations are written by hand and reviewed: nothing here overwrites them.
--propose writes NAME.expect.new (the tool's current findings) beside each
case whose findings differ or that has no .expect, and still fails: read
it against the policy, then rename it yourself if every finding is right.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")
INPUTS = os.path.join(HERE, "inputs")

PREFIX = ("policy_name=lint policy_version=0.0.1\nDEFAULT action=DENY\n"
          "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n")


def digest_rules(n):
    return "".join("op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW\n" % (i * 0x9E3779B97F4A7C15 + 1)
                   for i in range(n))


# name -> (text, expectation); rules are ~100 bytes each, + ~2 KiB signature
GENERATED = {
    # 700 rules: ~73 KB signed, over 65,535
    "E040-pos-gen": (PREFIX + digest_rules(700), ["IPE-E040@1:1"]),
    # 600 rules: ~62.5 KB, within 10%
    "W134-pos-gen": (PREFIX + digest_rules(540), ["IPE-W134@1:1"]),
    # 500 rules: ~52.5 KB, well under
    "E040-neg-gen": (PREFIX + digest_rules(450), []),
    "W134-neg-gen": (PREFIX + digest_rules(450), []),
}


def run_case(ipe_check, path, args):
    cmd = [ipe_check, "--format=json"] + args + [path]
    r = subprocess.run(cmd, capture_output=True)
    try:
        doc = json.loads(r.stdout.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return None, r.returncode, "stdout is not JSON (%s); stderr: %s" % (e, r.stderr.decode(errors="replace"))
    found, sevs = [], []
    for f in doc["files"]:
        for d in f["diagnostics"]:
            loc = d.get("location") or {}
            found.append("%s@%s:%s" % (d["code"], loc.get("line"), loc.get("column")))
            sevs.append(d["severity"])
    return (found, sevs), r.returncode, r.stderr.decode(errors="replace")


def main():
    ipe_check = os.environ.get("IPE_CHECK") or (sys.argv[1] if len(sys.argv) > 1 else None)
    propose = "--propose" in sys.argv
    if "--regen" in sys.argv:
        print("--regen is gone: expectations are not regenerated from the tool's output (use --propose and review)")
        return 2
    if not ipe_check:
        print("set IPE_CHECK or pass the ipe-check path")
        return 2
    lst = subprocess.run([ipe_check, "--list-checks"], capture_output=True, text=True, check=True).stdout
    lint_codes = [l.split()[0] for l in lst.splitlines() if l.strip() and "[kernel]" not in l]
    if len(lint_codes) < 30:
        print("FAIL: --list-checks lists only %d linter checks" % len(lint_codes))
        return 1

    passed = failed = 0
    pos, neg = {}, {}
    cases = []
    for fn in sorted(os.listdir(CASES)):
        if fn.endswith(".pol"):
            name = fn[:-4]
            exp_path = os.path.join(CASES, name + ".expect")
            exp = None
            if os.path.exists(exp_path):
                exp = [l.strip() for l in open(exp_path) if l.strip() and not l.startswith("#")]
            args = []
            ap = os.path.join(CASES, name + ".args")
            if os.path.exists(ap):
                args = shlex.split(open(ap).read().replace("@INPUTS@", INPUTS))
            cases.append((name, os.path.join(CASES, fn), args, exp, exp_path))
    tmp = tempfile.TemporaryDirectory()
    for name, (text, exp) in GENERATED.items():
        p = os.path.join(tmp.name, name + ".pol")
        with open(p, "w") as f:
            f.write(text)
        cases.append((name, p, [], exp, None))

    for name, path, args, exp, exp_path in cases:
        code = "IPE-" + name.split("-")[0]
        kind = name.split("-")[1] if "-" in name else ""
        res, rc, err = run_case(ipe_check, path, args)
        if res is None:
            print("FAIL %s: %s" % (name, err))
            failed += 1
            continue
        found, sevs = res
        if propose and exp_path and found != exp:
            with open(exp_path + ".new", "w") as f:
                f.write("".join(x + "\n" for x in found))
            print("wrote %s.new: review it against %s before renaming it" % (exp_path, path))
        problems = []
        if exp is None:
            problems.append("no .expect file")
        elif found != exp:
            problems.append("findings differ:\n    expected %s\n    got      %s" % (exp, found))
        want_rc = 1 if "error" in sevs else 0
        if rc != want_rc:
            problems.append("exit status %d, expected %d (stderr: %s)" % (rc, want_rc, err.strip()))
        if kind == "pos":
            if exp is not None and not any(e.startswith(code + "@") for e in exp):
                problems.append("positive case for %s does not expect it" % code)
            pos[code] = pos.get(code, 0) + 1
        elif kind == "neg":
            if exp is not None and any(e.startswith(code + "@") for e in exp):
                problems.append("negative case for %s expects it" % code)
            neg[code] = neg.get(code, 0) + 1
        else:
            problems.append("case name must be CODE-pos... or CODE-neg...")
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            passed += 1

    # coverage: every linter check has a positive and a negative case
    for c in lint_codes:
        ok = pos.get(c, 0) > 0 and neg.get(c, 0) > 0
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL coverage %s: %d positive, %d negative case(s)" % (c, pos.get(c, 0), neg.get(c, 0)))
    for c in sorted(set(pos) | set(neg)):
        if c not in lint_codes:
            failed += 1
            print("FAIL coverage: cases for %s, which is not a linter check" % c)
    if os.environ.get("LINT_CORPUS_COUNTS"):
        for c in lint_codes:
            print("%s pos=%d neg=%d" % (c, pos.get(c, 0), neg.get(c, 0)))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
