#!/usr/bin/env python3
"""Run the conformance corpus against ipe-check (stdlib only).

For every cases/NAME.pol with its NAME.expect, run
    $IPE_CHECK --format=json --no-lint NAME.pol   (the front end alone: lint
    findings have their own tests)
and compare
  * the kernel verdict: OK, or ERRNO@LINE:COL (errno name and the start of the
    token the kernel fails on),
  * the exact multiset of error-severity diagnostics CODE@LINE:COL
    (warnings, infos and notes are ignored),
  * the exit status (0 when the kernel accepts and there is no error, else 1).

Usage: run_corpus.py [--ipe-check PATH] [--min-cases N] [-v] [CASES_DIR] [NAME_SUBSTRING...]
(an argument naming an existing directory is the cases directory, others are filters)
Prints one line per failing case and ends with "N passed, N failed".
Exit status: 0 all passed (and at least --min-cases ran), 1 otherwise.
"""

import argparse
import json
import os
import re
import subprocess
import sys

VERDICT_RE = re.compile(r"^verdict:\s*(OK|(E[A-Z0-9]+)@(\d+):(\d+))\s*$")
ERROR_RE = re.compile(r"^error:\s*(IPE-E\d{3})@(\d+):(\d+)\s*$")


class ExpectError(Exception):
    pass


def parse_expect(path):
    verdict = None
    errors = []
    with open(path, encoding="utf-8") as f:
        for n, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            m = VERDICT_RE.match(line)
            if m:
                if verdict is not None:
                    raise ExpectError("%s:%d: second verdict line" % (path, n))
                verdict = "OK" if m.group(1) == "OK" else m.group(1)
                continue
            m = ERROR_RE.match(line)
            if m:
                errors.append("%s@%s:%s" % m.groups())
                continue
            raise ExpectError("%s:%d: cannot parse %r" % (path, n, line))
    if verdict is None:
        raise ExpectError("%s: no verdict line" % path)
    return verdict, sorted(errors)


def describe_verdict(kv):
    if not isinstance(kv, dict):
        raise ValueError("kernel_verdict is not an object")
    if kv.get("accepted") is True:
        return "OK"
    loc = kv.get("location") or {}
    return "%s@%s:%s" % (kv.get("errno"), loc.get("line"), loc.get("column"))


def run_case(ipe_check, pol, timeout):
    try:
        proc = subprocess.run([ipe_check, "--format=json", "--no-lint", pol],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timed out after %ds" % timeout
    except OSError as e:
        return None, "cannot run %s: %s" % (ipe_check, e)
    if proc.returncode < 0:
        return None, "killed by signal %d" % -proc.returncode
    try:
        doc = json.loads(proc.stdout.decode("utf-8"))
        if doc.get("schema") != "ipe-check/1":
            return None, "unexpected schema %r" % doc.get("schema")
        files = doc["files"]
        if len(files) != 1:
            return None, "expected 1 file entry, got %d" % len(files)
        entry = files[0]
        verdict = describe_verdict(entry["kernel_verdict"])
        errors = sorted("%s@%s:%s" % (d["code"], d["location"]["line"],
                                       d["location"]["column"])
                        for d in entry["diagnostics"]
                        if d.get("severity") == "error")
    except (ValueError, KeyError, TypeError, AttributeError, IndexError) as e:
        err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, "bad JSON output (%s: %s), exit %d%s" % (
            type(e).__name__, e, proc.returncode,
            ", stderr: " + err[-1] if err else "")
    return (verdict, errors, proc.returncode), None


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("args", nargs="*", metavar="CASES_DIR|FILTER",
                    help="a cases directory (default: cases/ next to this script) "
                         "and/or substrings: only cases whose name contains one")
    ap.add_argument("--ipe-check", default=os.environ.get("IPE_CHECK"))
    ap.add_argument("--min-cases", type=int, default=150)
    ap.add_argument("--timeout", type=int, default=60)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    args.cases_dir = os.path.join(here, "cases")
    args.filters = []
    for a in args.args:
        if os.path.isdir(a):
            args.cases_dir = a
        else:
            args.filters.append(a)

    if not args.ipe_check:
        print("run_corpus: set IPE_CHECK or pass --ipe-check", file=sys.stderr)
        return 1
    if not os.path.isdir(args.cases_dir):
        print("run_corpus: no such directory: " + args.cases_dir, file=sys.stderr)
        return 1

    entries = sorted(os.listdir(args.cases_dir))
    pols = {e[:-4] for e in entries if e.endswith(".pol")}
    expects = {e[:-7] for e in entries if e.endswith(".expect")}
    passed = failed = 0
    for orphan in sorted(pols ^ expects):
        print("FAIL %s: missing %s" % (orphan, ".expect" if orphan in pols else ".pol"))
        failed += 1

    names = sorted(pols & expects)
    if args.filters:
        names = [n for n in names if any(f in n for f in args.filters)]
        args.min_cases = 0
    for name in names:
        pol = os.path.join(args.cases_dir, name + ".pol")
        try:
            want_verdict, want_errors = parse_expect(
                os.path.join(args.cases_dir, name + ".expect"))
        except (ExpectError, OSError, UnicodeDecodeError) as e:
            print("FAIL %s: bad expectation file: %s" % (name, e))
            failed += 1
            continue
        got, problem = run_case(args.ipe_check, pol, args.timeout)
        if problem:
            print("FAIL %s: %s" % (name, problem))
            failed += 1
            continue
        got_verdict, got_errors, rc = got
        want_rc = 0 if (want_verdict == "OK" and not want_errors) else 1
        diffs = []
        if got_verdict != want_verdict:
            diffs.append("verdict expected %s got %s" % (want_verdict, got_verdict))
        if got_errors != want_errors:
            missing = [e for e in want_errors if e not in got_errors]
            extra = [e for e in got_errors if e not in want_errors]
            diffs.append("errors expected [%s] got [%s] (missing: %s; unexpected: %s)" % (
                " ".join(want_errors), " ".join(got_errors),
                " ".join(missing) or "-", " ".join(extra) or "-"))
        if rc != want_rc:
            diffs.append("exit expected %d got %d" % (want_rc, rc))
        if diffs:
            print("FAIL %s: %s" % (name, "; ".join(diffs)))
            failed += 1
        else:
            passed += 1
            if args.verbose:
                print("ok   %s" % name)

    total = passed + failed
    print("%d passed, %d failed" % (passed, failed))
    if total < args.min_cases:
        print("run_corpus: only %d cases ran, at least %d required"
              % (total, args.min_cases), file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
