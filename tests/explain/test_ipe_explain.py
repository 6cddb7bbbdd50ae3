#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""ipe-explain end to end: explicit events, JSON, --expect, signed and
active policies, the audit reader on every line format, proposals.

Expected decisions are written by hand from the kernel's rules (first
matching rule of the op, else the op DEFAULT, else the global DEFAULT);
audit records follow security/ipe/audit.c's layout.  The real-kernel suite
(tests/kernel) compares with a running kernel.
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

EXPLAIN = os.environ.get("IPE_EXPLAIN", "build/src/tools/ipe-explain")
CHECK = os.environ.get("IPE_CHECK", "build/src/tools/ipe-check")
SRC = os.environ.get("IPE_SOURCE_ROOT", ".")
failures = []
checks = 0


def check(cond, what, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, detail, file=sys.stderr)


def run(*args, stdin=None):
    p = subprocess.run([EXPLAIN] + list(args), capture_output=True, timeout=120,
                       input=stdin.encode() if isinstance(stdin, str) else stdin)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def put(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)


D1 = "11" * 32
D2 = "a2" * 32
D3 = "c3" * 32
RH = "5e" * 32

POLICY = f"""policy_name=test policy_version=1.2.65535
DEFAULT action=ALLOW
DEFAULT op=EXECUTE action=DENY
# initramfs
op=EXECUTE boot_verified=TRUE action=ALLOW
op=EXECUTE fsverity_digest=sha256:{D1} action=ALLOW
op=EXECUTE dmverity_roothash=sha256:{RH} dmverity_signature=TRUE action=ALLOW
op=EXECUTE fsverity_signature=FALSE action=DENY
op=KMODULE action=DENY
op=FIRMWARE fsverity_digest=sha256:{D3.upper()} action=DENY
"""

# (spec, op, decision, line, rule)
CASES = [
    ("op=EXECUTE boot_verified=TRUE", "EXECUTE", "ALLOW", 5, "op=EXECUTE boot_verified=TRUE action=ALLOW"),
    (f"fsverity_digest=sha256:{D1}", "EXECUTE", "ALLOW", 6, f"op=EXECUTE fsverity_digest=sha256:{D1} action=ALLOW"),
    (f"fsverity_digest=sha256:{D1.upper()}", "EXECUTE", "ALLOW", 6, f"op=EXECUTE fsverity_digest=sha256:{D1} action=ALLOW"),
    (f"fsverity_digest=SHA256:{D1}", "EXECUTE", "DENY", 7 + 0, None),  # algorithm names are case-sensitive
    (f"dmverity_roothash=sha256:{RH}", "EXECUTE", "DENY", 7, "op=EXECUTE fsverity_signature=FALSE action=DENY"),
    (f"dmverity_roothash=sha256:{RH} dmverity_signature=TRUE", "EXECUTE", "ALLOW", 7 - 0, None),
    (f"fsverity_digest=sha256:{D2} fsverity_signature=TRUE", "EXECUTE", "DENY", 3, "DEFAULT op=EXECUTE action=DENY"),
    ("nofile", "EXECUTE", "DENY", 8, "op=EXECUTE fsverity_signature=FALSE action=DENY"),
    ("op=KMODULE nofile", "KMODULE", "DENY", 9, "op=KMODULE action=DENY"),
    ("op=FIRMWARE", "FIRMWARE", "ALLOW", 2, "DEFAULT action=ALLOW"),
    (f"op=FIRMWARE fsverity_digest=sha256:{D3}", "FIRMWARE", "DENY", 10, f"op=FIRMWARE fsverity_digest=sha256:{D3} action=DENY"),
]
# fix the lines the table cannot say inline
CASES[3] = (CASES[3][0], "EXECUTE", "DENY", 8, "op=EXECUTE fsverity_signature=FALSE action=DENY")
CASES[5] = (CASES[5][0], "EXECUTE", "ALLOW", 7, f"op=EXECUTE dmverity_roothash=sha256:{RH} dmverity_signature=TRUE action=ALLOW")
CASES[4] = (CASES[4][0], "EXECUTE", "DENY", 8, "op=EXECUTE fsverity_signature=FALSE action=DENY")


def test_events(tmp):
    pol = f"{tmp}/p.pol"
    put(pol, POLICY)
    args = [pol]
    for spec, *_ in CASES:
        args += ["--event", spec]
    rc, out, err = run(*args, "--format=json")
    check(rc == 0, "explicit events: exit 0", err)
    j = json.loads(out)
    check(len(j["events"]) == len(CASES), "one JSON event per --event")
    for (spec, op, dec, line, rule), e in zip(CASES, j["events"]):
        check(set(("path", "op", "decision", "line", "rule", "properties")) <= set(e), f"JSON keys ({spec})")
        check(e["op"] == op and e["decision"] == dec and e["line"] == line and e["rule"] == rule,
              f"decision of '{spec}'", json.dumps(e))
    ex = j["events"][0]["properties"]
    check(ex == {"file": True, "boot_verified": True, "dmverity_roothash": None, "dmverity_signature": False,
                 "fsverity_digest": None, "fsverity_signature": False}, "JSON properties", json.dumps(ex))
    check(j["events"][1]["properties"]["fsverity_digest"] == f"sha256:{D1}", "JSON digest property")
    check(j["events"][7]["properties"]["file"] is False, "nofile event has no file")
    s = j["summary"]
    check(s["EXECUTE"] == {"allowed": 4, "denied": 4} and s["KMODULE"] == {"allowed": 0, "denied": 1}
          and s["FIRMWARE"] == {"allowed": 1, "denied": 1} and s["total"]["events"] == 11,
          "JSON summary per op", json.dumps(s))
    # text output
    rc, out, err = run(pol, "--event", "op=EXECUTE boot_verified=TRUE path=/init", "--no-file", "--op=KMODULE")
    check(rc == 0 and "/init: EXECUTE: ALLOW by the rule at line 5: op=EXECUTE boot_verified=TRUE action=ALLOW" in out,
          "text: path, op, decision, line and rule", out)
    check("(no file): KMODULE: DENY by the rule at line 9" in out, "text: --no-file --op", out)
    check("properties: boot_verified=TRUE dmverity_signature=FALSE fsverity_signature=FALSE" in out, "text: properties", out)
    check(re.search(r"summary \(.*\): EXECUTE 1 allowed 0 denied; KMODULE 0 allowed 1 denied; total 2 events", out),
          "text: summary", out)
    # --expect
    rc, out, _ = run(pol, "--event", "boot_verified=TRUE", "--expect=allow")
    check(rc == 0, "--expect=allow met: exit 0")
    rc, out, _ = run(pol, "--event", "boot_verified=TRUE", "--no-file", "--expect=allow")
    check(rc == 1 and "1 event decided otherwise" in out, "--expect=allow not met: exit 1", out)
    rc, out, _ = run(pol, "--no-file", "--expect=deny", "-q")
    check(rc == 0 and "properties" not in out, "--expect=deny met, -q prints only the summary", out)
    # bad events and usage
    for spec, what in (("boot_verified=maybe", "unknown property"), ("op=EXEC", "unknown op"),
                       ("boot_verified=TRUE boot_verified=FALSE", "given twice"),
                       ("fsverity_digest=sha256:abc", "odd"), ("nofile boot_verified=TRUE", "no properties"),
                       ("x#y", "'#'"), ("op=EXECUTE action=ALLOW", "no action")):
        rc, out, err = run(pol, "--event", spec)
        check(rc == 3 and "IPE-X001" in err, f"invalid event '{spec}' is a usage error", err)
    rc, _, err = run(pol)
    check(rc == 3 and "no events" in err, "no events: usage error")
    rc, _, err = run(f"{tmp}/missing.pol", "--no-file")
    check(rc == 2, "unreadable policy: exit 2")
    put(f"{tmp}/bad.pol", "policy_name=x policy_version=1.0.0\nop=EXECUTE action=ALLOW\n")
    rc, _, err = run(f"{tmp}/bad.pol", "--no-file")
    check(rc == 1 and "EBADMSG" in err, "a policy the kernel rejects: exit 1 with the errno", err)
    # --kernel-config: a property compiled out is false in both forms
    put(f"{tmp}/kconfig", "CONFIG_SECURITY_IPE=y\nCONFIG_IPE_PROP_DM_VERITY=y\nCONFIG_IPE_PROP_FS_VERITY=y\n")
    rc, out, err = run(pol, "--kernel-config", f"{tmp}/kconfig", "--event", "boot_verified=FALSE", "--format=json")
    check(rc == 0 and json.loads(out)["events"][0]["line"] == 3,
          "--kernel-config: fsverity_signature=FALSE is false when compiled out", out + err)


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def test_signed_and_active(tmp):
    pol = f"{tmp}/p.pol"
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{tmp}/key.pem", "-out", f"{tmp}/cert.pem",
            "-subj", "/CN=explain test", "-days", "1")
    openssl("cms", "-sign", "-binary", "-nosmimecap", "-noattr", "-nodetach", "-outform", "DER", "-in", pol,
            "-signer", f"{tmp}/cert.pem", "-inkey", f"{tmp}/key.pem", "-out", f"{tmp}/p.p7b")
    a = run(pol, "--event", "boot_verified=TRUE", "--no-file", "--format=json")
    b = run(f"{tmp}/p.p7b", "--event", "boot_verified=TRUE", "--no-file", "--format=json")
    ja, jb = json.loads(a[1]), json.loads(b[1])
    check(b[0] == 0 and ja["events"] == jb["events"], "a signed blob decides as its text", b[2])
    root = f"{tmp}/sfs"
    put(f"{root}/lsm", "capability,ipe")
    put(f"{root}/ipe/enforce", "1")
    for name, ver, active, text in (("other", "0.0.1", "0", "policy_name=other policy_version=0.0.1\nDEFAULT action=DENY\n"),
                                     ("test", "1.2.65535", "1", POLICY)):
        d = f"{root}/ipe/policies/{name}"
        put(f"{d}/version", ver)
        put(f"{d}/active", active)
        put(f"{d}/name", name)
        put(f"{d}/policy", text)
    rc, out, err = run("--active", "--securityfs", root, "--event", "boot_verified=TRUE", "--no-file", "--format=json")
    check(rc == 0 and json.loads(out)["events"] == ja["events"], "--active reads the active policy", out + err)
    put(f"{root}/ipe/policies/test/active", "0")
    rc, out, err = run("--active", "--securityfs", root, "--no-file", "--format=json")
    check(rc == 0 and json.loads(out)["events"][0]["decision"] == "ALLOW" and json.loads(out)["events"][0]["line"] is None,
          "--active without an active policy: everything allowed", out + err)
    rc, _, err = run("--active", "--securityfs", f"{tmp}/nowhere", "--no-file")
    check(rc == 2 and "does not exist" in err, "--active without IPE in securityfs: exit 2", err)


def rec(op="EXECUTE", hook="BPRM_CHECK", enf=1, pid=100, comm='"sh"', path='"/tmp/x"', dev='"tmpfs"', ino=7, rule=""):
    f = f"path={path} dev={dev} ino={ino}" if path != "?" else "path=? dev=? ino=?"
    return f'ipe_op={op} ipe_hook={hook} enforcing={enf} pid={pid} comm={comm} {f} rule="{rule}"'


def test_audit(tmp):
    pol = f"{tmp}/p.pol"
    deny_def = "DEFAULT op=EXECUTE action=DENY"
    deny_fsig = "op=EXECUTE fsverity_signature=FALSE action=DENY"
    allow_boot = "op=EXECUTE boot_verified=TRUE action=ALLOW"
    lines = [
        # raw audit.log / ausearch --raw
        "type=IPE_ACCESS msg=audit(1700000000.100:40): " + rec(rule=deny_fsig),
        "type=SYSCALL msg=audit(1700000000.100:40): arch=c000003e syscall=59 success=no exit=-13 comm=\"sh\"",
        # dmesg
        "[   12.345678] audit: type=1420 audit(1700000001.200:41): " + rec(path='"/init"', dev='"rootfs"', rule=allow_boot),
        # journalctl -k, a hex-encoded path with a space
        "Dec 01 12:00:00 host kernel: audit: type=1420 audit(1700000002.300:42): "
        + rec(path="2F746D702F6120622F78", comm="6120622063", rule=deny_fsig),
        # /dev/kmsg, file-less mmap
        "5,1234,56789012,-;audit: type=1420 audit(1700000003.000:43): " + rec(hook="MMAP", path="?", rule=deny_fsig),
        # auditd without the name; enriched tail after 0x1d
        "type=UNKNOWN[1420] msg=audit(1700000004.000:44): " + rec(pid=7, rule=deny_fsig) + "\x1dAUID=\"root\"",
        # ausearch -i
        "type=IPE_ACCESS msg=audit(12/01/2026 12:00:05.000:45) : " + rec(op="KMODULE", hook="KERNEL_READ", path="?",
                                                                          rule="op=KMODULE action=DENY"),
        # a rule that does not match the policy given
        "type=IPE_ACCESS msg=audit(1700000006.000:46): " + rec(path='"/tmp/changed"', rule=allow_boot),
        # an op the kernel could not classify
        "type=IPE_ACCESS msg=audit(1700000007.000:47): " + rec(op="UNKNOWN", hook="KERNEL_READ", path="?",
                                                              rule="DEFAULT action=ALLOW"),
        # firmware: digest rule, uppercase hex, quoted algorithm
        "type=IPE_ACCESS msg=audit(1700000008.000:48): "
        + rec(op="FIRMWARE", hook="KERNEL_READ", path='"/lib/firmware/x.bin"', dev='"tmpfs"',
              rule="DEFAULT action=ALLOW"),
        # malformed: unquoted non-hex dev; truncated
        "type=IPE_ACCESS msg=audit(1700000009.000:49): " + rec(dev="tmpfs"),
        "type=1420 audit(1700000009.000:50): ipe_op=EXECUTE ipe_hook=BPRM_CHECK enforcing=1 pid=1",
        "unrelated line ipe_op=EXECUTE",
        "",
    ]
    log = f"{tmp}/audit.log"
    put(log, "\n".join(lines) + "\n")
    rc, out, err = run(pol, "--audit", log, "--format=json")
    j = json.loads(out)
    evs = j["events"]
    check(rc == 1, "a logged rule that differs makes exit 1", err)
    check(len(evs) == 8, "distinct events merged (the two identical /tmp/x records are one)", json.dumps(evs, indent=1))
    by = {(e["path"], e["audit"]["hook"], e["op"]): e for e in evs}
    x = by.get(("/tmp/x", "BPRM_CHECK", "EXECUTE"))
    check(x is not None and x["audit"]["count"] == 2 and x["audit"]["rule_matches"] is True
          and x["decision"] == "DENY" and x["line"] == 8, "raw + UNKNOWN[1420] records merged and matched", json.dumps(x))
    i = by.get(("/init", "BPRM_CHECK", "EXECUTE"))
    check(i is not None and i["properties"]["boot_verified"] is True and i["audit"]["rule_matches"] is True,
          "dev=rootfs is boot_verified (dmesg format)", json.dumps(i))
    h = by.get(("/tmp/a b/x", "BPRM_CHECK", "EXECUTE"))
    check(h is not None and h["audit"]["comm"] == "a b c" and h["audit"]["rule_matches"] is True,
          "hex-encoded path and comm decoded (journalctl format)", json.dumps(evs))
    m = by.get((None, "MMAP", "EXECUTE"))
    check(m is not None and m["properties"]["file"] is False and m["audit"]["rule_matches"] is True,
          "path=? is a file-less event (kmsg format)")
    k = by.get((None, "KERNEL_READ", "KMODULE"))
    check(k is not None and k["audit"]["rule_matches"] is True, "ausearch -i format")
    c = by.get(("/tmp/changed", "BPRM_CHECK", "EXECUTE"))
    check(c is not None and c["audit"]["rule_matches"] is False and c["audit"]["predicted_rule"] == deny_fsig,
          "a different logged rule is a mismatch")
    check("/tmp/changed" in err and "not the one that was active" in err, "the mismatch is reported on stderr", err)
    u = by.get((None, "KERNEL_READ", "UNKNOWN"))
    check(u is not None and u["rule"] == "DEFAULT action=ALLOW" and u["audit"]["rule_matches"] is True,
          "ipe_op=UNKNOWN: the global DEFAULT")
    check(err.count("IPE-X010") == 2 and ":11:" in err and ":12:" in err, "malformed records warned with their line", err)
    a = j["summary"]["audit"]
    check(a["records"] == 11 and a["distinct_events"] == 8 and a["mismatches"] == 1, "audit summary", json.dumps(a))
    # text, from stdin
    rc, out, err = run(pol, "--audit=-", stdin="\n".join(lines[:3]) + "\n")
    check(rc == 0 and "logged rule matches" in out and "1 mismatch" not in out, "--audit=- reads stdin", out + err)
    # digest rules as the kernel re-prints them
    weird = f'policy_name=w policy_version=1.0.0\nDEFAULT action=ALLOW\nop=EXECUTE fsverity_digest=a"b:{D1} action=DENY\n' \
            f"op=EXECUTE fsverity_digest=sha256:{D2.upper()} action=DENY\n"
    put(f"{tmp}/w.pol", weird)
    rc, out, err = run(f"{tmp}/w.pol", "--event", f'fsverity_digest=a"b:{D1}', "--event", f"fsverity_digest=sha256:{D2}",
                       "--format=json")
    # the predicted audit form is visible through a self-made log
    log2 = f"{tmp}/w.log"
    put(log2, "type=1420 audit(1.1:1): " + rec(path='"/x"', dev='"vda"', rule=f'op=EXECUTE fsverity_digest=61226 action=DENY') + "\n")
    rc, out, err = run(f"{tmp}/w.pol", "--audit", log2, "--format=json")
    e = json.loads(out)["events"][0]
    check(e["audit"]["rule_matches"] is None and e["uncertain"], "a file on a block device is not checked (unknown)",
          json.dumps(e))
    # the kernel's audit rule text of digest rules: untrusted-string algorithm, uppercase hex
    for spec, want in ((f'fsverity_digest=a"b:{D1}', f"op=EXECUTE fsverity_digest=612262:{D1.upper()} action=DENY"),
                       (f"fsverity_digest=sha256:{D2}", f'op=EXECUTE fsverity_digest="sha256":{D2.upper()} action=DENY')):
        lg = f"{tmp}/k.log"
        put(lg, "type=1420 audit(1.1:1): " + rec(path="?", rule=want) + "\n")
        # a file-less event cannot match a digest rule: build the event by hand via the log of a tmpfs file instead
        put(lg, "type=1420 audit(1.1:1): " + rec(path='"/x"', dev='"tmpfs"', rule="DEFAULT action=ALLOW") + "\n")
        rc, out, err = run(f"{tmp}/w.pol", "--audit", lg, "--format=json")
        check(json.loads(out)["events"][0]["audit"]["rule_matches"] is True, "DEFAULT re-printed as the kernel does")
    # a long garbage log: no crash, bounded warnings
    put(f"{tmp}/junk.log", ("type=1420 audit(1.1:1): ipe_op=" + "A" * 100 + "\n") * 500 + "\x00\xff" * 1000)
    rc, out, err = run(pol, "--audit", f"{tmp}/junk.log")
    check(rc == 0 and err.count("IPE-X010") == 101 and "more malformed lines not shown" in err,
          "garbage log: warnings capped at 100", err[-300:])


def decisions(pol, specs):
    args = [pol, "--format=json"]
    for s in specs:
        args += ["--event", s]
    rc, out, err = run(*args)
    return [(e["decision"]) for e in json.loads(out)["events"]]


def test_propose(tmp):
    pol = f"{tmp}/p.pol"
    new = f"{tmp}/new.pol"
    specs = [f"fsverity_digest=sha256:{D2} path=/usr/bin/a", f"fsverity_digest=sha256:{D2} fsverity_signature=TRUE path=/usr/bin/a2",
             f"op=KMODULE fsverity_digest=sha256:{D2} path=/lib/m.ko", "path=/tmp/plain", "nofile",
             "boot_verified=TRUE path=/init", f"dmverity_roothash=sha256:{RH} path=/mnt/v"]
    args = [pol]
    for s in specs:
        args += ["--event", s]
    rc, out, err = run(*args, "--propose=fsverity", "-o", new)
    check(rc == 0 and os.path.exists(new), "--propose=fsverity writes NEW", out + err)
    text = open(new).read()
    check(text.startswith("policy_name=test policy_version=1.3.0\n"), "version bumped with carry (1.2.65535 -> 1.3.0)", text[:60])
    check(f"# ipe-explain: allows /usr/bin/a, /usr/bin/a2\nop=EXECUTE fsverity_digest=sha256:{D2} action=ALLOW\nop=EXECUTE fsverity_signature=FALSE action=DENY" in text,
          "EXECUTE rule before the denying rule, commented with the paths", text)
    check(f"# ipe-explain: allows /lib/m.ko\nop=KMODULE fsverity_digest=sha256:{D2} action=ALLOW\nop=KMODULE action=DENY" in text,
          "KMODULE rule before its denying rule", text)
    check("# initramfs\n" in text, "comments of the old policy kept")
    check(text.count("action=ALLOW\n") == POLICY.count("action=ALLOW\n") + 2, "exactly two rules added", text)
    check("not pinned: /tmp/plain" in out and "fsverity enable" in out, "file without fs-verity explained", out)
    check("not pinned: (no file)" in out, "file-less event explained, not turned into a rule", out)
    check("not pinned: /mnt/v" in out, "dm-verity file under --propose=fsverity explained", out)
    check("proven by equivalence" in out and "old: DENY" in out and "new: ALLOW" in out, "the difference printed", out)
    p = subprocess.run([CHECK, "--no-lint", new], capture_output=True)
    check(p.returncode == 0, "the proposed policy is accepted (ipe-check)", p.stdout.decode() + p.stderr.decode())
    after = decisions(new, specs)
    check(after[:3] == ["ALLOW"] * 3 and after[3:] == decisions(pol, specs)[3:], "pinned events allowed, others unchanged",
          str(after))
    # random events: only those carrying D2 changed
    rnd = random.Random(13)
    probe = []
    for _ in range(200):
        toks = [rnd.choice(["op=EXECUTE", "op=KMODULE", "op=FIRMWARE", ""])]
        if rnd.random() < 0.1:
            toks.append("nofile")
        else:
            toks.append(rnd.choice(["", "boot_verified=TRUE", "boot_verified=FALSE"]))
            toks.append(rnd.choice(["", f"fsverity_digest=sha256:{D1}", f"fsverity_digest=sha256:{D2}",
                                    f"fsverity_digest=sha256:{D3}", "fsverity_signature=TRUE"]))
            toks.append(rnd.choice(["", f"dmverity_roothash=sha256:{RH}", "dmverity_signature=TRUE"]))
        probe.append(" ".join(t for t in toks if t))
    old_d, new_d = decisions(pol, probe), decisions(new, probe)
    changed = [s for s, a, b in zip(probe, old_d, new_d) if a != b]
    check(all(D2 in s for s in changed) and all(old_d[probe.index(s)] == "DENY" for s in changed),
          "random events: only pinned D2 events changed, DENY -> ALLOW", str(changed[:3]))
    check(any(D2 in s and "KMODULE" not in s and "FIRMWARE" not in s for s in changed), "some random event changed")
    # dm-verity proposal
    new2 = f"{tmp}/new2.pol"
    rc, out, err = run(pol, "--event", f"dmverity_roothash=sha256:{RH} path=/mnt/v/b", "--event", f"fsverity_digest=sha256:{D2} path=/x",
                       "--propose=dmverity", "-o", new2, "--format=json")
    j = json.loads(out)
    check(rc == 0 and j["proposal"]["proven"] and j["proposal"]["rules"][0]["rule"] ==
          f"op=EXECUTE dmverity_roothash=sha256:{RH} action=ALLOW" and j["proposal"]["rules"][0]["before_line"] == 8
          and len(j["proposal"]["unpinned"]) == 1, "--propose=dmverity (JSON)", out + err)
    # refusing to overwrite inputs; nothing to add writes nothing
    before = open(pol).read()
    rc, _, err = run(pol, "--event", f"fsverity_digest=sha256:{D2}", "--propose=fsverity", "-o", pol)
    check(rc == 3 and "input" in err and open(pol).read() == before, "-o POLICY refused", err)
    os.link(pol, f"{tmp}/hard.pol")
    rc, _, err = run(pol, "--event", f"fsverity_digest=sha256:{D2}", "--propose=fsverity", "-o", f"{tmp}/hard.pol")
    check(rc == 3 and open(pol).read() == before, "-o a hard link of POLICY refused", err)
    rc, out, err = run(pol, "--event", "boot_verified=TRUE", "--propose=fsverity", "-o", f"{tmp}/none.pol")
    check(rc == 0 and not os.path.exists(f"{tmp}/none.pol") and "nothing to add" in out, "nothing to add: nothing written", out)
    rc, out, err = run(pol, "--event", f"fsverity_digest=sha256:{D2}", "--propose=fsverity", "-o", "-")
    check(rc == 0 and out.startswith("policy_name=test policy_version=1.3.0") and "proposal:" in err,
          "-o - writes the policy to stdout, the report to stderr", out[:80])
    rc, _, err = run(pol, "--event", "boot_verified=TRUE", "--propose=fsverity")
    check(rc == 3, "--propose without -o: usage error")
    # the round trip through a log: records of the denied files, proposal, then the log replayed allowed
    put(f"{tmp}/max.pol", POLICY.replace("1.2.65535", "65535.65535.65535"))
    rc, _, err = run(f"{tmp}/max.pol", "--event", f"fsverity_digest=sha256:{D2}", "--propose=fsverity", "-o", f"{tmp}/m.pol")
    check(rc == 1 and "cannot be increased" in err and not os.path.exists(f"{tmp}/m.pol"), "version at the maximum: refused", err)


def test_files(tmp):
    pol = f"{tmp}/p.pol"
    t = f"{tmp}/tree"
    put(f"{t}/bin/a", "hello")
    put(f"{t}/bin/sub/b", "#!/bin/sh\necho b\n")
    put(f"{t}/lib/c.so", b"\x7fELF" + bytes(range(256)) * 40)
    os.symlink("a", f"{t}/bin/link")
    want = {}
    for f in ("bin/a", "bin/sub/b", "lib/c.so"):
        p = subprocess.run(["fsverity", "digest", f"{t}/{f}"], capture_output=True, check=True)
        want[f"{t}/{f}"] = p.stdout.decode().split()[0]
    # a policy allowing one of them by digest
    pol2 = f"{tmp}/files.pol"
    put(pol2, POLICY.replace(f"sha256:{D1}", want[f"{t}/bin/a"]))
    rc, out, err = run(pol2, "-r", t, "--assume-fsverity", "--format=json")
    check(rc == 0, "-r tree --assume-fsverity: exit 0", err)
    evs = json.loads(out)["events"]
    check([e["path"] for e in evs] == [f"{t}/bin/a", f"{t}/bin/sub/b", f"{t}/lib/c.so"], "tree walked in name order",
          str([e["path"] for e in evs]))
    check(all(e["properties"]["fsverity_digest"] == want[e["path"]] for e in evs),
          "--assume-fsverity digests equal `fsverity digest`")
    check([e["decision"] for e in evs] == ["ALLOW", "DENY", "DENY"] and evs[0]["line"] == 6, "file decisions", out)
    check("bin/link" in err and "IPE-X030" in err, "symlink inside a tree skipped with a warning", err)
    rc, out, err = run(pol2, "-r", "--follow", t, "--assume-fsverity", "--format=json")
    check(rc == 0 and "IPE-X030" not in err, "--follow: no symlink warning", err)
    # without --assume-fsverity: the kernel's measurement (these files have no fs-verity)
    rc, out, err = run(pol2, f"{t}/bin/a", "--format=json")
    e = json.loads(out)["events"][0]
    check(rc == 0 and e["properties"]["fsverity_digest"] is None and e["decision"] == "DENY",
          "a file without fs-verity has no fsverity_digest", out + err)
    rc, out, err = run(pol2, t)
    check(rc == 2 and "--recursive" in err, "a directory without -r: exit 2", err)
    rc, out, err = run(pol2, f"{t}/missing", f"{t}/bin/a")
    check(rc == 2 and "missing" in err and f"{t}/bin/a:" in out, "an unreadable file: exit 2, the others explained", out + err)
    rc, out, err = run(pol2, f"{t}/bin/a", "--boot-verified", "--format=json")
    check(json.loads(out)["events"][0]["line"] == 5, "--boot-verified", out)
    rc, out, err = run(pol2, f"{t}/bin/a", f"--dmverity-roothash=sha256:{RH}", "--dmverity-signature", "--format=json")
    e = json.loads(out)["events"][0]
    check(e["line"] == 7 and e["properties"]["dmverity_roothash"] == f"sha256:{RH}" and e["properties"]["dmverity_signature"],
          "--dmverity-roothash --dmverity-signature", out + err)
    rc, out, err = run(pol2, f"{t}/bin/a", "--assume-fsverity", "--fsverity-signature", "--format=json")
    e = json.loads(out)["events"][0]
    check(e["properties"]["fsverity_signature"] is True and e["decision"] == "ALLOW", "--fsverity-signature", out)
    rc, out, err = run(pol2, f"{t}/bin/a", "--dmverity-roothash=5e5e")
    check(rc == 3, "--dmverity-roothash without ALG: usage error", err)
    rc, out, err = run(pol2, "--no-file", "--boot-verified")
    check(rc == 3, "file options without files: usage error", err)
    # the audit log mapped into an offline tree
    log = f"{tmp}/files.log"
    put(log, "\n".join([
        "type=1420 audit(1.1:1): " + rec(path='"/bin/a"', dev='"vda"', rule=f'op=EXECUTE fsverity_digest="sha256":{want[f"{t}/bin/a"].split(":")[1].upper()} action=ALLOW'),
        "type=1420 audit(1.1:2): " + rec(path='"/bin/sub/b"', dev='"vda"', rule="op=EXECUTE fsverity_signature=FALSE action=DENY"),
        "type=1420 audit(1.1:3): " + rec(path='"/bin/gone"', dev='"vda"', rule="op=EXECUTE fsverity_signature=FALSE action=DENY"),
    ]) + "\n")
    rc, out, err = run(pol2, "--audit", log, "--root", t, "--assume-fsverity", "--format=json")
    evs = json.loads(out)["events"]
    check(rc == 0 and [e["audit"]["rule_matches"] for e in evs] == [True, True, None],
          "--audit --root: logged files examined under the root, a missing one not checked", out + err)
    check(evs[0]["path"] == "/bin/a" and "not found under" in evs[2]["uncertain"], "logged paths kept, missing file explained", out)
    # logged paths resolve inside the root: absolute symlinks of the image and ".." stay below it
    os.symlink("/bin/a", f"{t}/abs-link")
    put(f"{tmp}/outside/bin/a", "not the image's file")
    log3 = f"{tmp}/root.log"
    put(log3, "type=1420 audit(1.1:1): " + rec(path='"/abs-link"', dev='"vda"', rule="x") + "\n"
        + "type=1420 audit(1.1:2): " + rec(path='"/../../outside/bin/a"', dev='"vda"', rule="y") + "\n")
    rc, out, err = run(pol2, "--audit", log3, "--root", t, "--assume-fsverity", "--format=json")
    evs = json.loads(out)["events"]
    check(evs[0]["properties"]["fsverity_digest"] == want[f"{t}/bin/a"] and evs[1]["properties"]["fsverity_digest"] is None
          and "not found under" in evs[1]["uncertain"],
          "--root: an absolute symlink and '..' resolve inside the root", out + err)
    # proposal from the log: the denied file pinned by its digest
    new = f"{tmp}/files-new.pol"
    rc, out, err = run(pol2, "--audit", log, "--root", t, "--assume-fsverity", "--propose=fsverity", "-o", new)
    check(rc == 0 and f"op=EXECUTE fsverity_digest={want[f'{t}/bin/sub/b']} action=ALLOW" in open(new).read()
          and "# ipe-explain: allows /bin/sub/b" in open(new).read() and "fsverity enable" in out,
          "--audit --propose pins the denied logged file", out + err)
    rc, out, err = run(new, "-r", t, "--assume-fsverity", "--format=json")
    check([e["decision"] for e in json.loads(out)["events"]] == ["ALLOW", "ALLOW", "DENY"], "after the proposal", out)


def test_help_man():
    rc, out, _ = run("--help")
    check(rc == 0, "--help exits 0")
    man = open(os.path.join(SRC, "man/ipe-explain.1")).read().replace("\\-", "-")
    help_opts = set(re.findall(r"--[a-z][a-z-]*", out))
    man_opts = set(re.findall(r"--[a-z][a-z-]*", man))
    check(len(help_opts) >= 15, "--help lists the options", str(help_opts))
    check(help_opts <= man_opts, "every --help option is in the man page", str(help_opts - man_opts))
    rc, out, _ = run("--version")
    check(rc == 0 and out.startswith("ipe-explain "), "--version")


def main():
    tmp = tempfile.mkdtemp(prefix="ipe-explain-")
    try:
        test_events(tmp)
        test_signed_and_active(tmp)
        test_audit(tmp)
        test_propose(tmp)
        test_files(tmp)
        test_help_man()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{checks - len(failures)}/{checks} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
