#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ipe-check lint options end to end: SARIF structure, GitHub annotations,
exit status under --werror/--fail-on/--enable/--disable/--severity, machine
formats with nothing else on stdout, --baseline (text and signed blob),
--kernel-config (plain and gzip made here), escaped policy bytes.
Prints 'N passed, N failed'."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

CHECK = os.environ.get("IPE_CHECK") or sys.argv[1]
SIGN = os.environ.get("IPE_SIGN")
HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "inputs")
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import testlib  # noqa: E402

HDR = ("policy_name=lint policy_version=0.0.1\nDEFAULT action=DENY\n"
       "op=KMODULE boot_verified=TRUE action=ALLOW\nop=FIRMWARE boot_verified=TRUE action=ALLOW\n")
D = "ab" * 32
# warnings only: W101 (line 6), W113 (7:12), W110 (8:12); info: I201 (9:12)
WARN = HDR + ("op=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
              "op=EXECUTE dmverity_signature=TRUE fsverity_digest=sha256:%s action=DENY\n"
              "op=EXECUTE fsverity_digest=sha384:%s action=ALLOW\n"
              "op=EXECUTE fsverity_digest=SHA256:%s action=ALLOW\n"
              "op=EXECUTE fsverity_digest=sha256:%s action=ALLOW\n") % (D, D + D[:32], D, ("cd" * 32).upper())
INFO = HDR + "op=EXECUTE fsverity_digest=sha256:%s action=ALLOW\n" % D.upper()
CLEAN = HDR + "op=EXECUTE dmverity_signature=TRUE action=ALLOW\n"
REJECT = "policy_name=lint policy_version=0.0.1\nop=EXECUTE action=MAYBE\n"
FSV = HDR + "op=EXECUTE fsverity_digest=sha256:%s action=ALLOW\n" % D


def check(name, cond, detail=""):
    return testlib.check(cond, ("%s %s" % (name, detail)).rstrip())


def run(*args):
    return subprocess.run([CHECK] + list(args), capture_output=True)


def js(*args):
    r = run("--format=json", *args)
    return json.loads(r.stdout.decode("utf-8")), r.returncode


def codes(*args):
    doc, rc = js(*args)
    return [d["code"] for f in doc["files"] for d in f["diagnostics"]], rc


def fold_tests(write):
    """--fold-after: dead rules with one cause past the first N are counted in
    one finding on the first of them; suppressed ones are neither shown nor
    counted; every rule a folded finding stands for is one that --fold-after=0
    reports with the same code and the same deciding rules."""
    # line 3: a catch-all; lines 4..33: 30 rules it makes unreachable (W102),
    # line 20 suppressed; lines 35..41: 7 duplicates of line 34 (W105)
    lines = ["policy_name=fold policy_version=0.0.1", "DEFAULT action=DENY", "op=EXECUTE action=ALLOW"]
    for i in range(30):
        sup = " # ipe-check: disable=IPE-W102" if len(lines) + 1 == 20 else ""
        lines.append("op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW%s" % (i + 1, sup))
    lines += ["op=KMODULE boot_verified=TRUE action=ALLOW"] * 8
    pol = write("fold.pol", "\n".join(lines) + "\n")

    def dead(*args):
        doc, rc = js(*args, pol)
        ds = [d for f in doc["files"] for d in f["diagnostics"] if d["code"] in ("IPE-W102", "IPE-W105")]
        return ds, rc, doc

    every, rc0, _ = dead("--fold-after=0")
    check("fold-0-every-rule", [(d["code"], d["location"]["line"]) for d in every] ==
          [("IPE-W102", n) for n in range(4, 34) if n != 20] + [("IPE-W105", n) for n in range(35, 42)],
          [(d["code"], d["location"]["line"]) for d in every])
    check("fold-0-no-summary", not any("not reported one by one" in d["message"] for d in every))
    for n in (10, 3, 1):
        ds, rc, doc = dead("--fold-after=%d" % n) if n != 10 else dead()
        summ = [d for d in ds if "not reported one by one" in d["message"]]
        for code, want_lines in (("IPE-W102", [l for l in range(4, 34) if l != 20]), ("IPE-W105", list(range(35, 42)))):
            got = [d for d in ds if d["code"] == code]
            shown = [d["location"]["line"] for d in got]
            sm = [d for d in summ if d["code"] == code]
            m = re.search(r"so (?:is|are) the (\d+) rules? after it with the same cause, up to line (\d+)",
                          sm[0]["message"]) if len(sm) == 1 else None
            if len(want_lines) <= n + 1:  # nothing to fold
                check("fold-%d-%s-none" % (n, code), shown == want_lines and not sm, (shown, sm))
                continue
            # n shown one by one, then one finding on the next one standing
            # for it and the rest (the last named and pointed at)
            check("fold-%d-%s" % (n, code),
                  shown == want_lines[:n + 1] and m and int(m.group(1)) == len(want_lines) - n - 1 and
                  int(m.group(2)) == want_lines[-1] and sm[0]["location"]["line"] == want_lines[n] and
                  any(r["location"]["line"] == want_lines[-1] for r in sm[0]["related"]),
                  (shown, [d["message"] for d in sm]))
            # the folded finding is the same finding as without folding, plus the count
            first = [d for d in every if d["location"]["line"] == want_lines[n]][0]
            check("fold-%d-%s-same-finding" % (n, code), sm and sm[0]["message"].startswith(first["message"]) and
                  sm[0]["hint"] == first["hint"], (sm, first))
        check("fold-%d-exit" % n, rc == rc0, (rc, rc0))
        check("fold-%d-suppression-used" % n,
              not any(d["code"] == "IPE-W180" for f in doc["files"] for d in f["diagnostics"]))
    # one more than the cap: no summary, just one finding more
    ds, _, _ = dead("--fold-after=28")
    check("fold-one-over", len([d for d in ds if d["code"] == "IPE-W102"]) == 29 and
          not any("not reported one by one" in d["message"] for d in ds), len(ds))
    r = run("--fold-after=3", pol)
    check("fold-text", b"so are the 25 rules after it with the same cause, up to line 33, not reported one by one"
          in r.stdout and b"the last rule dead for the same cause" in r.stdout, r.stdout[-2000:])


def main():
    tmp = tempfile.mkdtemp(prefix="ipe-lint-cli-")
    P = lambda n: os.path.join(tmp, n)

    def write(name, data):
        return testlib.write(tmp, name, data)

    warn, info, clean, reject, fsv = (write("warn.pol", WARN), write("info.pol", INFO), write("clean.pol", CLEAN),
                                      write("reject.pol", REJECT), write("fsv.pol", FSV))
    hostile = write("hostile.pol", (HDR + "op=EXECUTE fsverity_digest=s\xffa\x1b[31m:%s action=ALLOW # \xe9\n" % D)
                    .encode("latin-1"))

    # ---- findings and exit status ----
    c, rc = codes(warn)
    check("warn-findings", c == ["IPE-W101", "IPE-W113", "IPE-W110", "IPE-I201"], c)
    check("warn-exit-0", rc == 0, rc)
    check("werror", run("--werror", warn).returncode == 1)
    check("fail-on-warning", run("--fail-on=warning", warn).returncode == 1)
    check("fail-on-error", run("--fail-on=error", warn).returncode == 0)
    check("fail-on-info-info", run("--fail-on=info", info).returncode == 1)
    check("fail-on-warning-info", run("--fail-on=warning", info).returncode == 0)
    check("werror-info", run("--werror", info).returncode == 0)
    check("werror-clean", run("--werror", "--fail-on=info", clean).returncode == 0)
    check("reject-exit-1", run(reject).returncode == 1)
    check("no-lint-reject", run("--no-lint", reject).returncode == 1)
    c, rc = codes("--no-lint", warn)
    check("no-lint-no-findings", c == [] and rc == 0, c)
    c, rc = codes("--disable=IPE-W101", "--disable=W113", "--disable=fsverity-algorithm", warn)
    check("disable", c == ["IPE-W110", "IPE-I201"], c)
    check("disable-werror", run("--werror", "--disable=W101", "--disable=W113", "--disable=W110", warn)
          .returncode == 0)
    c, _ = codes("--disable=all", "--enable=IPE-W110", warn)
    check("disable-all-enable-one", c == ["IPE-W110"], c)
    c, _ = codes("--disable=all", warn)
    check("disable-all", c == [], c)
    # a front-end code cannot be disabled: the tool says so and still reports it
    for code in ("IPE-E001", "W160"):
        r = run("--disable=" + code, reject)
        check("disable-frontend-note-" + code, b"has no effect" in r.stderr and r.returncode == 1, r.stderr)
    c, _ = codes("--disable=all", reject)
    check("disable-all-keeps-verdict", c != [] and all(x.startswith("IPE-E") for x in c), c)
    r = run("--disable=W101", reject)
    check("disable-linter-no-note", b"has no effect" not in r.stderr, r.stderr)
    doc, rc = js("--severity=IPE-W101=error", warn)
    sev = {d["code"]: d["severity"] for f in doc["files"] for d in f["diagnostics"]}
    check("severity-error", sev.get("IPE-W101") == "error" and rc == 1, (sev, rc))
    doc, rc = js("--severity=W101=info", "--severity=W113=info", "--severity=W110=info", "--fail-on=warning", warn)
    sev = {d["code"]: d["severity"] for f in doc["files"] for d in f["diagnostics"]}
    check("severity-info", set(sev.values()) == {"info"} and rc == 0, (sev, rc))
    check("severity-info-fail-on-info",
          run("--severity=W101=info", "--fail-on=info", warn).returncode == 1)
    for bad in (["--enable=IPE-W999"], ["--disable=nope"], ["--severity=W101"], ["--severity=W101=fatal"],
                ["--severity=IPE-W999=error"], ["--fail-on=never"], ["--target=banana"], ["--target=6.12foo"],
                ["--max-rules=x"], ["--fold-after=-1"], ["--fold-after=1x"], ["--format=xml"],
                ["--max-rules= 5"], ["--fold-after=+3"], ["--fold-after="], ["--max-rules=0x10"],
                ["--fold-after=99999999999999999999"],
                ["--explain=IPE-W999"]):
        r = run(*bad, warn)
        check("usage%s" % bad, r.returncode == 3 and r.stdout == b"" and r.stderr, (r.returncode, r.stdout))
    fold_tests(write)
    r = run("--explain=W101")
    check("explain", r.returncode == 0 and r.stdout.startswith(b"IPE-W101 (shadowed-rule, warning)"), r.stdout[:80])
    r = run("--list-checks")
    check("list-checks", r.returncode == 0 and len(r.stdout.splitlines()) >= 50)

    # ---- SARIF ----
    r = run("--format=sarif", warn, reject, info)
    try:
        s = json.loads(r.stdout.decode("utf-8"))
    except Exception as e:
        s = None
        check("sarif-json", False, e)
    if s:
        check("sarif-version", s.get("version") == "2.1.0" and "sarif-2.1.0" in s.get("$schema", ""))
        run0 = s["runs"][0]
        rules = run0["tool"]["driver"]["rules"]
        ids = [x["id"] for x in rules]
        res = run0["results"]
        check("sarif-has-results", len(res) >= 6, len(res))
        check("sarif-rules-cover", all(x["ruleId"] in ids for x in res),
              [x["ruleId"] for x in res if x["ruleId"] not in ids])
        check("sarif-ruleIndex", all(rules[x["ruleIndex"]]["id"] == x["ruleId"] for x in res if "ruleIndex" in x))
        check("sarif-rule-fields", all(x.get("shortDescription", {}).get("text") and
                                      x.get("fullDescription", {}).get("text") and
                                      x.get("defaultConfiguration", {}).get("level") in ("error", "warning", "note")
                                      for x in rules))
        order = [warn, reject, info]
        keys = []
        for x in res:
            pl = x["locations"][0]["physicalLocation"]
            keys.append((order.index(pl["artifactLocation"]["uri"]), pl["region"]["startLine"],
                         pl["region"]["startColumn"], x["ruleId"]))
        check("sarif-sorted", keys == sorted(keys), keys)
        check("sarif-levels", all(x["level"] in ("error", "warning", "note") for x in res))
        check("sarif-reject-error", any(x["level"] == "error" and order[k[0]] == reject
                                        for x, k in zip(res, keys)))
        check("sarif-exit", r.returncode == 1)
    # SARIF and JSON with hostile bytes: valid UTF-8, no control bytes
    for fmt in ("sarif", "json", "github", "text"):
        r = run("--format=" + fmt, "--color=always", hostile)
        out = r.stdout
        ok = True
        try:
            out.decode("utf-8")
        except UnicodeDecodeError:
            ok = False
        bad = [b for b in out if (b < 0x20 and b not in (0x0a,)) or b >= 0x80 or b == 0x7f]
        if fmt == "text":
            # colour escapes are ours; policy bytes must not appear raw
            bad = [b for b in re.sub(rb"\x1b\[[0-9;]*m", b"", out) if (b < 0x20 and b != 0x0a) or b >= 0x7f]
        check("escaped-" + fmt, ok and not bad and b"\\xff" in out.lower().replace(b"\\\\", b"\\"),
              (bad[:5], out[:300]))

    # ---- GitHub ----
    r = run("--format=github", warn, reject)
    lines = r.stdout.decode().splitlines()
    n_json = len(codes(warn, reject)[0])
    pat = re.compile(r"^::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+(,endColumn=\d+)?,title=IPE-[EWI]\d{3}[^:]*::.+$")
    check("github-count", len(lines) == n_json, (len(lines), n_json))
    check("github-format", all(pat.match(l) for l in lines), [l for l in lines if not pat.match(l)][:3])
    check("github-exit", r.returncode == 1)

    # ---- machine formats: nothing human on stdout, even with an unreadable file ----
    for fmt in ("json", "sarif"):
        r = run("--format=" + fmt, warn, P("missing.pol"))
        try:
            json.loads(r.stdout.decode())
            ok = True
        except Exception:
            ok = False
        check("pure-stdout-" + fmt, ok and r.returncode == 2 and b"missing.pol" in r.stderr, (r.returncode, r.stdout[:100]))
    r = run("--format=github", warn, P("missing.pol"))
    check("pure-stdout-github", all(l.startswith("::") for l in r.stdout.decode().splitlines()) and r.returncode == 2)
    r = run("--format=sarif", "--kernel-config=" + P("missing.config"), warn)
    check("kconfig-missing", r.returncode == 2 and r.stdout == b"" and b"missing.config" in r.stderr, r.stderr)

    # ---- --kernel-config: plain and gzip (like /proc/config.gz) ----
    c, rc = codes("--kernel-config=" + os.path.join(INPUTS, "nofsv.config"), fsv)
    check("kconfig-plain", c == ["IPE-W170"], c)
    c, rc = codes("--kernel-config=" + os.path.join(INPUTS, "full.config"), fsv)
    check("kconfig-plain-neg", c == [], c)
    check("gzip(1) is a test dependency (apt-get install gzip)", shutil.which("gzip") is not None)
    if shutil.which("gzip"):
        gz = P("config.gz")
        with open(gz, "wb") as f:
            subprocess.run(["gzip", "-c", "-n", os.path.join(INPUTS, "nofsv.config")], stdout=f, check=True)
        c, rc = codes("--kernel-config=" + gz, fsv)
        check("kconfig-gzip", c == ["IPE-W170"], c)
        data = open(gz, "rb").read()
        write("trunc.gz", data[:-5])
        r = run("--kernel-config=" + P("trunc.gz"), fsv)
        check("kconfig-gzip-truncated", r.returncode == 2 and r.stdout == b"" and b"trunc.gz" in r.stderr, r.stderr)
        c, rc = codes("--kernel-config=" + gz, "--enable=all", "--disable=W170", fsv)
        check("kconfig-gzip-disable", c == [], c)
    r = run("--kernel-config=" + warn, fsv)  # a policy is not a kernel config
    check("kconfig-not-config", r.returncode == 2 and b"not a kernel .config" in r.stderr, r.stderr)
    c, rc = codes("--target=6.11", clean)
    check("target-6.11", c == ["IPE-E041"] and rc == 1, (c, rc))
    c, rc = codes("--target=6.12", clean)
    check("target-6.12", c == [] and rc == 0, (c, rc))
    # newer than the table: the newest known, with a note; uname -r forms; the running kernel
    for rel in ("9.99", "6.99.1-1-amd64"):
        r = run("--target=" + rel, clean)
        check("target-newer-" + rel, r.returncode == 0 and b"is newer than the newest release" in r.stderr
              and b"checked as 6." in r.stderr, (r.returncode, r.stderr))
    r = run("--target=6.12.3-arch1-1", clean)
    check("target-uname-6.12", r.returncode == 0 and r.stderr == b"", (r.returncode, r.stderr))
    r = run("--target=running", clean)
    check("target-running", r.returncode in (0, 1) and b"is not a kernel release" not in r.stderr,
          (r.returncode, r.stderr))

    # ---- --baseline: text and signed blob ----
    base_same = write("base_same.pol", CLEAN)  # same name and version: E043
    base_old = write("base_old.pol", CLEAN.replace("0.0.1", "0.0.0"))
    base_other = write("base_other.pol", CLEAN.replace("name=lint", "name=other").replace("0.0.1", "0.0.0"))
    c, rc = codes("--baseline=" + base_same, clean)
    check("baseline-text-version", c == ["IPE-E043"] and rc == 1, (c, rc))
    c, rc = codes("--baseline=" + base_old, clean)
    check("baseline-text-ok", c == [] and rc == 0, (c, rc))
    c, rc = codes("--baseline=" + base_other, clean)
    check("baseline-text-name", c == ["IPE-E042"] and rc == 1, (c, rc))
    r = run("--baseline=" + reject, clean)
    check("baseline-rejected", r.returncode == 2 and r.stdout == b"" and b"baseline" in r.stderr, r.stderr)
    r = run("--baseline=" + P("nope.pol"), clean)
    check("baseline-missing", r.returncode == 2 and b"nope.pol" in r.stderr, r.stderr)
    if SIGN and os.path.exists(SIGN) and shutil.which("openssl"):
        key, cert = P("k.pem"), P("c.pem")
        g = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                            "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=ipe-lint-test"],
                           capture_output=True)
        if g.returncode == 0:
            for name, base, want in (("same", base_same, ["IPE-E043"]), ("old", base_old, []),
                                     ("other", base_other, ["IPE-E042"])):
                blob = P("base_%s.p7b" % name)
                s = subprocess.run([SIGN, "sign", "--key", key, "--cert", cert, base, "-o", blob], capture_output=True)
                check("sign-%s" % name, s.returncode == 0, s.stderr)
                c, rc = codes("--baseline=" + blob, clean)
                check("baseline-blob-%s" % name, c == want and rc == (1 if want else 0), (c, rc))
            # a corrupt blob is neither a blob nor a policy
            data = open(P("base_old.p7b"), "rb").read()
            write("corrupt.p7b", data[: len(data) // 2])
            r = run("--baseline=" + P("corrupt.p7b"), clean)
            check("baseline-blob-corrupt", r.returncode == 2 and r.stdout == b"", (r.returncode, r.stderr))
        else:
            check("signed baselines: openssl makes a test key (a test dependency)", False, g.stderr)
    else:
        check("signed baselines: ipe-sign and openssl(1) are test dependencies", False, (SIGN, shutil.which("openssl")))

    shutil.rmtree(tmp)
    return testlib.finish()


if __name__ == "__main__":
    sys.exit(main())
