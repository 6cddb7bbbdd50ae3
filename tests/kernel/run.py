#!/usr/bin/env python3
"""Real-kernel IPE test suite driver.  Usage: run.py SCENARIO

Scenarios: corpus signing lifecycle fsverity dmverity keyrings corrupt digest explain (and build-kernel).
Each scenario builds (or reuses) the cached IPE kernel, prepares its inputs on the host,
boots a busybox initramfs under qemu, and asserts on the structured results the guest
prints (IPE-RESULT <scenario> <case> <value>).  Exit 0 pass, 1 fail, 77 skip.
"""

import glob
import os
import re
import errno
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from ipekt import ensure_kernel, log, skip  # noqa: E402
from guest import Guest, messages  # noqa: E402
from tools import Signer, tool, openssl_sign, ipe_check_verdict, \
    expect_verdict, ERRNO_WORD  # noqa: E402
from explain_scenario import scenario_explain  # noqa: E402

S = "/sys/kernel/security/ipe"
# every policy directory, also names starting with '.' (".hidden", "...", "..a")
ALLPOL = f"{S}/policies/* {S}/policies/.[!.]* {S}/policies/..?*"


class Checker:
    def __init__(self, scenario):
        self.scenario = scenario
        self.passed = 0
        self.failed = []

    def eq(self, case, got, want, detail=""):
        if got == want:
            self.passed += 1
        else:
            self.failed.append(case)
            log(f"FAIL {self.scenario}/{case}: expected {want}, got {got}" +
                (f" ({detail})" if detail else ""))

    def ok(self, case, cond, msg):
        if cond:
            self.passed += 1
        else:
            self.failed.append(case)
            log(f"FAIL {self.scenario}/{case}: {msg}")

    def finish(self):
        log(f"{self.scenario}: {self.passed} passed, {len(self.failed)} failed")
        sys.exit(1 if self.failed else 0)


def workdir(scenario):
    base = os.environ.get("IPE_KT_WORKDIR")
    if not base:
        root = os.environ.get("IPE_BUILD_ROOT")
        base = os.path.join(root, "tests/kernel-work") if root else "/tmp/ipe-kernel-work"
    d = os.path.join(base, scenario)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def simple_policy(name, version="1.0.0", extra=""):
    return f"policy_name={name} policy_version={version}\nDEFAULT action=ALLOW\n{extra}"


def guest_loader(g):
    """Copy ipectl into the guest when it is built; return its guest path or None."""
    ipectl = tool("IPECTL", "ipectl")
    if ipectl and os.environ.get("IPE_KT_LOADER") != "ipe-load":
        g.add_dynamic(ipectl, "/bin/ipectl")
        log(f"guest loader: ipectl ({ipectl}), cross-checked with the static ipe-load helper")
        return "/bin/ipectl"
    log("guest loader: static ipe-load helper (FALLBACK: " +
        ("IPE_KT_LOADER=ipe-load" if ipectl else "ipectl is not built") + ")")
    return None


# ------------------------------------------------------------------ 1. corpus conformance

def scenario_corpus(bz, keydir):
    ck = Checker("corpus")
    corpus = os.environ.get("IPE_KT_CORPUS") or os.path.join(
        os.environ.get("IPE_SOURCE_ROOT", os.path.join(os.path.dirname(__file__), "../..")),
        "tests/corpus/cases")
    files = sorted(glob.glob(os.path.join(corpus, "*.pol")))
    if not files:
        skip(f"no corpus policies in {corpus} (tests/corpus/cases/*.pol)")
    wd = workdir("corpus")
    ipe_check = tool("IPE_CHECK", "ipe-check")
    if ipe_check:
        log(f"expected verdicts: ipe-check --format=json ({ipe_check}); .expect files cross-checked")
    else:
        log("expected verdicts: NAME.expect files only (ipe-check is not built)")
    signer = Signer(keydir, wd)
    g = Guest("corpus", bz, wd)
    ipectl = guest_loader(g)
    expected = {}
    script = [f"for f in /in/*.p7b; do",
              f"  i=$(basename $f .p7b)"]
    if ipectl:
        script += [f"  M ctl_$i ipectl load --no-preflight $f",
                   f"  for d in {ALLPOL}; do [ -e \"$d/delete\" ] && echo 1 > \"$d/delete\"; done"]
    script += [f"  r=$(ipe-load $f); R $i $r",
               f"  if [ \"$r\" = OK ]; then for d in {ALLPOL}; do "
               f"ipe-load -s 1 \"$d/delete\" >/dev/null; done; fi",
               "done",
               f"R leftover $(ls -A {S}/policies | wc -l)"]
    used = {}
    oversize = []
    for i, f in enumerate(files):
        idx = "%04d" % i
        base = os.path.basename(f)
        want_check, err = (ipe_check_verdict(ipe_check, f) if ipe_check else (None, None))
        if err:
            ck.ok(f"{base}:ipe-check", False, err)
        want_expect = expect_verdict(f)
        expected[idx] = (base, want_check, want_expect)
        blob = os.path.join(wd, idx + ".p7b")
        try:
            _, how = signer.sign(f, blob, force=True)
        except RuntimeError as e:
            openssl_sign(f, blob, signer.k("rsa2048", "crt"), signer.k("rsa2048", "key"))
            how = "openssl"
            if os.path.getsize(blob) <= 65535:
                ck.ok(f"{base}:sign", False, f"{e}; signed with openssl instead")
            else:
                how = "openssl (ipe-sign refused: over 65,535 bytes)"
        used[how] = used.get(how, 0) + 1
        if os.path.getsize(blob) > 65535:
            # the kernel's ASN.1 decoder refuses the blob before the parser sees the text
            oversize.append(base)
            expected[idx] = (base, "EMSGSIZE", "EMSGSIZE")
        g.add_file(blob, f"/in/{idx}.p7b")
    log("signed %d corpus policies with: %s" % (len(files), ", ".join(
        f"{k} x{v}" for k, v in used.items())))
    results, lines = g.boot("\n".join(script) + "\n", timeout=600)
    got = dict(results)
    agree_check = agree_expect = 0
    for idx, (base, want_check, want_expect) in expected.items():
        k = got.get(idx)
        if k is None:
            ck.ok(base, False, "no result from the guest")
            continue
        if want_check is not None:
            if k == want_check:
                agree_check += 1
            ck.eq(base, k, want_check, "kernel vs ipe-check")
        if want_expect is not None:
            if k == want_expect:
                agree_expect += 1
            ck.eq(base + ":expect", k, want_expect, "kernel vs .expect")
        elif want_check is None:
            ck.ok(base, False, f"no expectation (.expect missing and no ipe-check); kernel said {k}")
        if ipectl:
            rc = got.get(f"ctl_{idx}")
            msg = " | ".join(messages(lines, f"ctl_{idx}"))
            ck.ok(base + ":ipectl", (rc == "exit=0") == (k == "OK"),
                  f"ipectl load {rc} but the kernel said {k}: {msg}")
            if k != "OK":
                words = [w for w in ERRNO_WORD.findall(msg) if hasattr(errno, w)]
                ck.ok(base + ":ipectl-msg", bool(msg.strip()) and (not words or k in words),
                      f"ipectl's message does not name {k}: {msg!r}")
    ck.eq("leftover-policies", got.get("leftover"), "0")
    n = len(expected)
    if oversize:
        log(f"{len(oversize)} policies sign to blobs over 65,535 bytes: expected EMSGSIZE from "
            f"the kernel, their text verdict cannot be checked through securityfs: "
            + ", ".join(oversize))
    log(f"corpus summary: {n} policies; kernel agrees with ipe-check on "
        f"{agree_check if ipe_check else 'n/a'}, with .expect on {agree_expect}")
    ck.finish()


# ------------------------------------------------------------------ 2. signing

def scenario_signing(bz, keydir):
    ck = Checker("signing")
    wd = workdir("signing")
    g = Guest("signing", bz, wd)
    k = lambda n, e: os.path.join(keydir, f"{n}.{e}")  # noqa: E731
    rows = []  # (case, expected, blob path, description)

    def pol(case):
        return write(os.path.join(wd, case + ".pol"), simple_policy("sig_" + case.replace("-", "_")))

    def ossl(case, want, desc, key="rsa2048", **kw):
        p = pol(case)
        out = os.path.join(wd, case + ".p7b")
        openssl_sign(p, out, k(key, "crt"), k(key, "key"), **kw)
        rows.append((case, want, out, desc))
        return out

    def raw(case, want, desc, cmd):
        p = pol(case)
        out = os.path.join(wd, case + ".p7b")
        subprocess.run([c.replace("@IN@", p).replace("@OUT@", out) for c in cmd], check=True,
                       capture_output=True)
        rows.append((case, want, out, desc))
        return out

    for md in ("sha256", "sha224", "sha384", "sha512", "sha3-256"):
        ossl(f"rsa2048-{md}", "OK", f"RSA-2048 PKCS#1 v1.5 {md}", md=md)
    ossl("rsa3072-sha256", "OK", "RSA-3072 sha256", key="rsa3072")
    ossl("p256-sha256", "OK", "ECDSA P-256 sha256", key="p256")
    ossl("p256-sha512", "OK", "ECDSA P-256 sha512", key="p256", md="sha512")
    ossl("p384-sha384", "OK", "ECDSA P-384 sha384", key="p384", md="sha384")
    ossl("attrs-nosmimecap", "OK", "signed attributes without S/MIME capabilities", attrs=True)
    ossl("attrs-smimecap", "EKEYREJECTED", "signed attributes with S/MIME capabilities",
         attrs=True, smimecap=True)
    ossl("keyid", "OK", "signer identified by subject key identifier", extra=["-keyid"])
    ossl("nocerts", "OK", "signer cert not embedded, in the builtin keyring", extra=["-nocerts"])
    ossl("leaf-embedded", "OK", "leaf embedded, issuing CA in the keyring", key="leaf")
    # not in the §3 table: the kernel matches a signer identified by SKID only against keys in
    # the keyring, never against embedded certificates, so an embedded leaf does not help
    ossl("leaf-embedded-keyid", "ENOKEY", "leaf embedded, signer by SKID, CA in the keyring",
         key="leaf", extra=["-keyid"])
    ossl("leaf-nocert", "ENOKEY", "leaf not embedded, only its CA in the keyring", key="leaf",
         extra=["-nocerts"])
    ossl("untrusted", "ENOKEY", "untrusted key", key="untrusted")
    ossl("two-signers", "OK", "two signers, one trusted and one not", key="rsa2048",
         extra=["-signer", k("untrusted", "crt"), "-inkey", k("untrusted", "key")])
    ossl("sha1", "ENOPKG", "sha1 digest", md="sha1")
    ossl("rsa-pss", "ENOPKG", "RSA-PSS", extra=["-keyopt", "rsa_padding_mode:pss"])
    ossl("detached", "EKEYREJECTED", "detached signature", detach=True)
    ossl("streamed", "EKEYREJECTED", "streamed (indefinite-length) encoding", extra=["-stream"])
    ossl("pem", "EBADMSG", "PEM instead of DER", outform="PEM")
    raw("mime-text", "EBADMSG", "MIME header in the content (-text)",
        ["openssl", "cms", "-sign", "-text", "-nodetach", "-noattr", "-outform", "DER",
         "-signer", k("rsa2048", "crt"), "-inkey", k("rsa2048", "key"), "-in", "@IN@",
         "-out", "@OUT@"])
    empty = write(os.path.join(wd, "empty.pol"), b"")
    out = os.path.join(wd, "empty.p7b")
    openssl_sign(empty, out, k("rsa2048", "crt"), k("rsa2048", "key"))
    rows.append(("empty", "EBADMSG", out, "empty content"))
    # content changed after signing: flip one byte of the embedded policy text (a comment byte,
    # so the text stays a valid policy) inside the DER blob
    p = write(os.path.join(wd, "tampered.pol"), simple_policy("sig_tampered", extra="# abcdef\n"))
    out = os.path.join(wd, "tampered.p7b")
    openssl_sign(p, out, k("rsa2048", "crt"), k("rsa2048", "key"))
    data = open(out, "rb").read()
    pos = data.find(b"# abcdef")
    assert pos > 0, "policy text not found in the DER blob"
    write(out, data[:pos + 2] + b"X" + data[pos + 3:])
    rows.append(("tampered", "EKEYREJECTED", out, "content changed after signing"))
    # whole blob larger than 65,535 bytes (a valid policy)
    rules = "".join(f"op=EXECUTE fsverity_digest=sha256:{i:064x} action=ALLOW\n" for i in range(800))
    p = write(os.path.join(wd, "big.pol"), simple_policy("sig_big", extra=rules))
    out = os.path.join(wd, "big.p7b")
    openssl_sign(p, out, k("rsa2048", "crt"), k("rsa2048", "key"))
    assert os.path.getsize(out) > 65535
    rows.append(("oversize", "EMSGSIZE", out, f"blob of {os.path.getsize(out)} bytes"))

    # ipe-sign: every option combination must load
    ipe_sign = tool("IPE_SIGN", "ipe-sign")
    if ipe_sign and os.environ.get("IPE_KT_SIGNER") != "openssl":
        log(f"ipe-sign: testing option combinations ({ipe_sign})")
        n = 0
        for key, hashes in (("rsa2048", ("sha256", "sha384", "sha512")),
                            ("rsa3072", ("sha256",)), ("p256", ("sha256", "sha512")),
                            ("p384", ("sha384",)), ("leaf", ("sha256",))):
            for h in hashes:
                for cert_opt in ("--embed-cert", "--no-cert"):
                    for keyid in (False, True):
                        n += 1
                        case = f"ipesign-{key}-{h}{cert_opt.replace('--', '-')}{'-keyid' if keyid else ''}"
                        p = pol(case)
                        out = os.path.join(wd, case + ".p7b")
                        cmd = [ipe_sign, "sign", "--key", k(key, "key"), "--cert", k(key, "crt"),
                               "--hash", h, cert_opt] + (["--keyid"] if keyid else []) + [p, "-o", out]
                        r = subprocess.run(cmd, capture_output=True, text=True)
                        if r.returncode != 0:
                            ck.ok(case, False, "ipe-sign failed: %s" % (r.stderr or r.stdout).strip())
                            continue
                        # a leaf cannot chain to the builtin CA without its cert, nor when the
                        # signer is named by SKID (see leaf-embedded-keyid): the kernel says ENOKEY
                        want = "ENOKEY" if (key == "leaf" and (cert_opt == "--no-cert" or keyid)) \
                            else "OK"
                        rows.append((case, want, out, "ipe-sign " + " ".join(cmd[2:-3])))
        # signingTime must lie within the signer certificate's validity, else EKEYREJECTED
        # (the test certificates are made when the cache is first filled: use "now")
        epoch_now = str(int(time.time()))
        for key, h, epoch, want in (("rsa2048", "sha256", epoch_now, "OK"),
                                    ("p256", "sha256", epoch_now, "OK"),
                                    ("p384", "sha384", epoch_now, "OK"),
                                    ("rsa2048", "sha256", "1000000000", "EKEYREJECTED")):
            n += 1
            case = f"ipesign-{key}-{h}-signed-attrs" + ("-time2001" if want != "OK" else "")
            p = pol(case)
            out = os.path.join(wd, case + ".p7b")
            cmd = [ipe_sign, "sign", "--key", k(key, "key"), "--cert", k(key, "crt"), "--hash", h,
                   "--signed-attrs", p, "-o", out]
            r = subprocess.run(cmd, capture_output=True, text=True,
                               env=dict(os.environ, SOURCE_DATE_EPOCH=epoch))
            if r.returncode != 0:
                ck.ok(case, False, "ipe-sign failed: %s" % (r.stderr or r.stdout).strip())
                continue
            rows.append((case, want, out, f"SOURCE_DATE_EPOCH={epoch} ipe-sign "
                         + " ".join(cmd[2:-3])))
        log(f"ipe-sign: {n} option combinations signed")
    else:
        log("ipe-sign is not built: option combinations NOT tested (openssl rows only)")

    script = []
    for case, want, blob, desc in rows:
        g.add_file(blob, f"/in/{case}.p7b")
        script.append(f"R {case} $(ipe-load /in/{case}.p7b)")
    results, lines = g.boot("\n".join(script) + "\n", timeout=300)
    got = dict(results)

    # ipe-sign verify must predict the kernel's errno
    trust = [k(n, "crt") for n in ("rsa2048", "rsa3072", "p256", "p384", "ca")]
    predicted = {}
    if ipe_sign:
        for case, want, blob, desc in rows:
            cmd = [ipe_sign, "verify"]
            for t in trust:
                cmd += ["--trust", t]
            r = subprocess.run(cmd + [blob], capture_output=True, text=True)
            # "BLOB: OK: the kernel would accept it" / "BLOB: ENOKEY: the kernel would reject..."
            m = re.search(r"(?m)^.*?: (OK|E[A-Z0-9]+): ", r.stdout + "\n" + r.stderr)
            predicted[case] = m.group(1) if m else f"unparsed(exit {r.returncode})"
            if m and (m.group(1) == "OK") != (r.returncode == 0):
                ck.ok(case + ":verify-exit", False,
                      f"ipe-sign verify printed {m.group(1)} but exited {r.returncode}")
    for case, want, blob, desc in rows:
        kern = got.get(case)
        ck.eq(case, kern, want, desc)
        if ipe_sign:
            ck.eq(case + ":verify", predicted[case], kern, "ipe-sign verify vs kernel")
    log("signing table (case: kernel / IPE-KERNEL.md §3" + (" / ipe-sign verify" if ipe_sign else "")
        + "):")
    for case, want, blob, desc in rows:
        print(f"    {case:40s} {got.get(case)!s:13s} {want:13s} "
              f"{predicted.get(case, '') if ipe_sign else ''}  {desc}", flush=True)
    ck.finish()


# ------------------------------------------------------------------ 3. lifecycle

def scenario_lifecycle(bz, keydir):
    ck = Checker("lifecycle")
    wd = workdir("lifecycle")
    g = Guest("lifecycle", bz, wd)
    signer = Signer(keydir, wd)
    blobs = {}
    for name, ver in (("lcA", "1.0.0"), ("lcA", "0.9.0"), ("lcA", "2.0.0"), ("lcA", "3.0.0"),
                      ("lcB", "2.0.0"), ("lcC", "1.0.0"), ("lcD", "4.0.0"), ("lcE", "1.0.0"),
                      ("ctlA", "5.0.0"), ("ctlA", "4.0.0"), ("ctlA", "6.0.0"), ("ctlB", "1.0.0"),
                      ("ctlC", "7.0.0")):
        tag = f"{name}-{ver}"
        p = write(os.path.join(wd, tag + ".pol"), simple_policy(name, ver))
        blob, _ = signer.sign(p, os.path.join(wd, tag + ".p7b"), force=False)
        g.add_file(blob, f"/in/{tag}.p7b")
        g.add_file(p, f"/in/{tag}.pol")
        blobs[tag] = blob
    P = f"{S}/policies"
    sc = f"""
R enforce_read $(cat {S}/enforce)
R load_A1 $(ipe-load /in/lcA-1.0.0.p7b)
R load_A1_again $(ipe-load /in/lcA-1.0.0.p7b)
R name_node $(cat {P}/lcA/name)
R version_node $(cat {P}/lcA/version)
R active_node $(cat {P}/lcA/active)
cmp -s {P}/lcA/pkcs7 /in/lcA-1.0.0.p7b && R pkcs7_node SAME || R pkcs7_node DIFF
cmp -s {P}/lcA/policy /in/lcA-1.0.0.pol && R policy_node SAME || R policy_node DIFF
R update_equal $(ipe-load /in/lcA-1.0.0.p7b {P}/lcA/update)
R update_lower $(ipe-load /in/lcA-0.9.0.p7b {P}/lcA/update)
R update_other_name $(ipe-load /in/lcB-2.0.0.p7b {P}/lcA/update)
R update_higher $(ipe-load /in/lcA-2.0.0.p7b {P}/lcA/update)
R version_after_update $(cat {P}/lcA/version)
R activate_A $(ipe-load -s 1 {P}/lcA/active)
R active_after_activate $(cat {P}/lcA/active)
R deactivate_A $(ipe-load -s 0 {P}/lcA/active)
R load_C1 $(ipe-load /in/lcC-1.0.0.p7b)
R activate_lower_C $(ipe-load -s 1 {P}/lcC/active)
R delete_active_A $(ipe-load -s 1 {P}/lcA/delete)
R update_active_A $(ipe-load /in/lcA-3.0.0.p7b {P}/lcA/update)
R active_after_update $(cat {P}/lcA/active)
R version_after_update2 $(cat {P}/lcA/version)
R load_D4 $(ipe-load /in/lcD-4.0.0.p7b)
R activate_D $(ipe-load -s 1 {P}/lcD/active)
R A_active_after_D $(cat {P}/lcA/active)
R delete_A $(ipe-load -s 1 {P}/lcA/delete)
[ -e {P}/lcA ] && R A_after_delete PRESENT || R A_after_delete GONE
R reload_A1 $(ipe-load /in/lcA-1.0.0.p7b)
R split_write $(ipe-load --split /in/lcE-1.0.0.p7b)
[ -e {P}/lcE ] && R E_after_split PRESENT || R E_after_split GONE
"""
    ipectl = guest_loader(g)
    if ipectl:
        sc += f"""
M proc_keys cat /proc/keys
M ctl_preflight_keyring ipectl load /in/ctlC-7.0.0.p7b
M ctl_preflight_cleanup ipe-load -s 1 {P}/ctlC/delete
ipectl() {{ /bin/ipectl --no-keyring-check "$@"; }}
M ctl_load_A5 ipectl load /in/ctlA-5.0.0.p7b
M ctl_load_A5_again ipectl load /in/ctlA-5.0.0.p7b
M ctl_load_A4_lower ipectl load /in/ctlA-4.0.0.p7b
R ctl_version_A $(cat {P}/ctlA/version)
M ctl_update_equal ipectl update ctlA /in/ctlA-5.0.0.p7b
M ctl_update_other ipectl update ctlA /in/ctlB-1.0.0.p7b
M ctl_load_A6_higher ipectl load /in/ctlA-6.0.0.p7b
R ctl_version_A2 $(cat {P}/ctlA/version)
M ctl_activate_A ipectl activate ctlA
R ctl_active_A $(cat {P}/ctlA/active)
M ctl_load_B1 ipectl load /in/ctlB-1.0.0.p7b
M ctl_activate_B_lower ipectl activate ctlB
M ctl_delete_active ipectl delete ctlA
M ctl_load_C_activate ipectl load --activate /in/ctlC-7.0.0.p7b
R ctl_active_C $(cat {P}/ctlC/active)
M ctl_delete_A ipectl delete ctlA
[ -e {P}/ctlA ] && R ctl_A_after_delete PRESENT || R ctl_A_after_delete GONE
M ctl_status ipectl status
"""
    results, lines = g.boot(sc, timeout=300)
    got = dict(results)
    want = {
        "enforce_read": "1", "load_A1": "OK", "load_A1_again": "EEXIST", "name_node": "lcA",
        "version_node": "1.0.0", "active_node": "0", "pkcs7_node": "SAME", "policy_node": "SAME",
        "update_equal": "ESTALE", "update_lower": "ESTALE", "update_other_name": "EINVAL",
        "update_higher": "OK", "version_after_update": "2.0.0", "activate_A": "OK",
        "active_after_activate": "1", "deactivate_A": "EINVAL", "load_C1": "OK",
        "activate_lower_C": "EINVAL", "delete_active_A": "EPERM", "update_active_A": "OK",
        "active_after_update": "1", "version_after_update2": "3.0.0", "load_D4": "OK",
        "activate_D": "OK", "A_active_after_D": "0", "delete_A": "OK", "A_after_delete": "GONE",
        "reload_A1": "OK", "split_write": "EBADMSG", "E_after_split": "GONE",
    }
    for case, w in want.items():
        ck.eq(case, got.get(case), w)
    if ipectl:
        ctl = {
            "ctl_preflight_keyring": 0, "ctl_load_A5": 0, "ctl_load_A5_again": 0, "ctl_load_A4_lower": 1,
            "ctl_update_equal": 1, "ctl_update_other": 1, "ctl_load_A6_higher": 0,
            "ctl_activate_A": 0, "ctl_load_B1": 0, "ctl_activate_B_lower": 1,
            "ctl_delete_active": 1, "ctl_load_C_activate": 0, "ctl_delete_A": 0, "ctl_status": 0,
        }
        for case, fail in ctl.items():
            rc = got.get(case)
            msg = messages(lines, case)
            ok = rc is not None and ((rc == "exit=0") == (fail == 0))
            ck.ok(case, ok, f"ipectl exit status {rc}, expected {'non-zero' if fail else '0'}; "
                            f"output: {' | '.join(msg)!r}")
            if fail:
                ck.ok(case + ":message", bool(msg), "ipectl failed without explaining why")
            log(f"  {case}: {rc}: {' | '.join(msg)[:160]}")
        for case, w in {"ctl_version_A": "5.0.0", "ctl_version_A2": "6.0.0", "ctl_active_A": "1",
                        "ctl_active_C": "1", "ctl_A_after_delete": "GONE"}.items():
            ck.eq(case, got.get(case), w)
    else:
        log("ipectl is not built: ipectl exit codes and messages NOT tested")
    ck.finish()


# ------------------------------------------------------------------ shared for 4-6

def load_and_activate(g, ipectl, blob_guest, name, case="load"):
    """Guest script lines that load and activate a policy, through ipectl or ipe-load."""
    if ipectl:
        return (f"M {case} ipectl --no-keyring-check load --activate {blob_guest}\n"
                f"R {case}_active $(cat {S}/policies/{name}/active)\n")
    return (f"r=$(ipe-load {blob_guest}); a=$(ipe-load -s 1 {S}/policies/{name}/active)\n"
            f"R {case} load=$r,activate=$a\n"
            f"R {case}_active $(cat {S}/policies/{name}/active)\n")


def check_load(ck, got, lines, ipectl, case="load"):
    if ipectl:
        ck.eq(case, got.get(case), "exit=0", "ipectl load --activate: " +
              " | ".join(messages(lines, case)))
    else:
        ck.eq(case, got.get(case), "load=OK,activate=OK")
    ck.eq(case + "_active", got.get(case + "_active"), "1")


def test_binary(g, wd, tag):
    """A copy of the static ipe-guest helper made unique by trailing bytes (ignored by exec)."""
    src = g.path("/bin/ipe-guest")
    out = os.path.join(wd, "bin-" + tag)
    with open(src, "rb") as f, open(out, "wb") as o:
        o.write(f.read() + b"\0ipe-tools test binary " + tag.encode() + b"\n")
    os.chmod(out, 0o755)
    return out


def audit_lines(lines, rtype):
    return [l[l.index("type=%d" % rtype):] for l in lines
            if "IPE-AUDIT" in l and ("type=%d " % rtype) in l]


def sha256_file(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ------------------------------------------------------------------ 4. fs-verity enforcement

def scenario_fsverity(bz, keydir):
    ck = Checker("fsverity")
    wd = workdir("fsverity")
    g = Guest("fsverity", bz, wd)
    signer = Signer(keydir, wd)
    ipectl = guest_loader(g)
    stage = os.path.join(wd, "fs")
    os.makedirs(stage)
    for tag in ("allowed", "denied", "plain"):
        shutil.copy(test_binary(g, wd, tag), os.path.join(stage, tag))
    img = os.path.join(wd, "verity.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "verity", "-b", "4096", "-d", stage, img, "16M"],
                   check=True)
    digests = {}
    for tag in ("allowed", "denied"):
        r = subprocess.run(["fsverity", "digest", "--hash-alg=sha256", "--block-size=4096",
                            os.path.join(stage, tag)], capture_output=True, text=True, check=True)
        digests[tag] = r.stdout.split()[0]
        log(f"host fs-verity digest of {tag}: {digests[tag]}")
    text = ("policy_name=fsv policy_version=1.0.0\nDEFAULT action=ALLOW\n"
            "DEFAULT op=EXECUTE action=DENY\n"
            "op=EXECUTE boot_verified=TRUE action=ALLOW\n"
            f"op=EXECUTE fsverity_digest={digests['allowed']} action=ALLOW\n")
    pol = write(os.path.join(wd, "fsv.pol"), text)
    ipe_compile = tool("IPE_COMPILE", "ipe-compile")
    if ipe_compile:
        # the same policy from ipe-compile: a digest set imported from `fsverity digest` output
        with open(os.path.join(wd, "digests.txt"), "w") as f:
            r = subprocess.run(["fsverity", "digest", "--hash-alg=sha256", "--block-size=4096",
                                os.path.join(stage, "allowed")], capture_output=True, text=True,
                               check=True)
            f.write(r.stdout)
            f.write("sha256:%s  not-on-the-disk\n" % ("ab" * 32))
        src = write(os.path.join(wd, "fsv.src"),
                    "policy_name=fsv policy_version=1.0.0\nDEFAULT action=ALLOW\n"
                    "DEFAULT op=EXECUTE action=DENY\n"
                    'set allowed from "digests.txt"\n'
                    "op=EXECUTE boot_verified=TRUE action=ALLOW\n"
                    "op=EXECUTE fsverity_digest in @allowed action=ALLOW\n")
        out = os.path.join(wd, "fsv-compiled.pol")
        r = subprocess.run([ipe_compile, "-q", "-o", out, src], capture_output=True, text=True,
                           cwd=wd)
        ok = r.returncode == 0 and os.path.exists(out) and \
            digests["allowed"].split(":")[1] in open(out).read().lower()
        ck.ok("ipe-compile", ok, "ipe-compile of a digest-set policy failed (exit %d): %s"
              % (r.returncode, (r.stderr or r.stdout).strip()[:400]))
        if ok:
            pol = out
            log("policy: compiled by ipe-compile from a digest set (`set ... from` fsverity output)")
    if pol.endswith("fsv.pol"):
        log("policy: hand-written text (ipe-compile " +
            ("failed" if ipe_compile else "is not built") + ")")
    blob, _ = signer.sign(pol, os.path.join(wd, "fsv.p7b"), force=False)
    g.add_file(blob, "/in/fsv.p7b")
    g.add_disk(img)
    sc = f"""
mount -t ext4 /dev/vda /mnt && R mount OK || R mount FAIL
R enable_allowed $(ipe-guest verity-enable /mnt/allowed)
R enable_denied $(ipe-guest verity-enable /mnt/denied)
R pre_allowed $(ipe-guest exec /mnt/allowed hello)
R pre_denied $(ipe-guest exec /mnt/denied hello)
{load_and_activate(g, ipectl, "/in/fsv.p7b", "fsv")}
echo 1 > {S}/success_audit
R post_allowed $(ipe-guest exec /mnt/allowed hello)
echo 0 > {S}/success_audit
R post_denied $(ipe-guest exec /mnt/denied hello)
R post_plain $(ipe-guest exec /mnt/plain hello)
cp /mnt/allowed /tmp/copy; R post_tmpfs_copy $(ipe-guest exec /tmp/copy hello)
R post_initramfs $(ipe-guest exec /bin/ipe-guest hello)
echo 0 > {S}/enforce; R permissive_denied $(ipe-guest exec /mnt/denied hello); echo 1 > {S}/enforce
R enforce_again $(ipe-guest exec /mnt/denied hello)
dmesg | grep -i 'audit' | sed 's/^/IPE-AUDIT /'
"""
    results, lines = g.boot(sc, timeout=300)
    got = dict(results)
    for case, w in (("mount", "OK"), ("enable_allowed", "OK"), ("enable_denied", "OK"),
                    ("pre_allowed", "OK"), ("pre_denied", "OK")):
        ck.eq(case, got.get(case), w)
    check_load(ck, got, lines, ipectl)
    for case, w in (("post_allowed", "OK"), ("post_denied", "EACCES"), ("post_plain", "EACCES"),
                    ("post_tmpfs_copy", "EACCES"), ("post_initramfs", "OK"),
                    ("permissive_denied", "OK"), ("enforce_again", "EACCES")):
        ck.eq(case, got.get(case), w)
    # audit: 1420 for the denial, 1422 for the load with the blob's SHA-256
    acc = audit_lines(lines, 1420)
    if not any("type=14" in l for l in lines if "IPE-AUDIT" in l):
        log("no audit records in the guest kernel log (kauditd printk may be rate limited)")
    den = [l for l in acc if 'path="/mnt/denied"' in l and "enforcing=1" in l]
    ck.ok("audit-1420-denied", bool(den), "no 1420 record for the denied exec of /mnt/denied; got:\n"
          + "\n".join(acc))
    if den:
        log("audit: " + den[0])
        ck.ok("audit-1420-fields", "ipe_op=EXECUTE" in den[0] and
              'rule="DEFAULT op=EXECUTE action=DENY"' in den[0],
              "1420 record lacks ipe_op=EXECUTE / rule=\"DEFAULT op=EXECUTE action=DENY\": " + den[0])
    hexd = digests["allowed"].split(":", 1)[1].upper()
    want_rule = f'rule="op=EXECUTE fsverity_digest="sha256":{hexd} action=ALLOW"'
    allow = [l for l in acc if 'path="/mnt/allowed"' in l]
    ck.ok("audit-1420-allowed", any(want_rule in l for l in allow),
          f"no success-audit 1420 record for /mnt/allowed with {want_rule}; got:\n"
          + "\n".join(allow))
    perm = [l for l in acc if 'path="/mnt/denied"' in l and "enforcing=0" in l]
    ck.ok("audit-1420-permissive", bool(perm), "no enforcing=0 record for the permissive exec")
    loads = audit_lines(lines, 1422)
    digest = sha256_file(blob)
    ck.ok("audit-1422-digest", any(f"policy_digest=sha256:{digest}" in l.lower() for l in loads),
          f"no 1422 record with policy_digest=sha256:{digest}; got: " + "\n".join(loads))
    ck.finish()


# ------------------------------------------------------------------ 5. dm-verity

def scenario_dmverity(bz, keydir):
    ck = Checker("dmverity")
    wd = workdir("dmverity")
    g = Guest("dmverity", bz, wd)
    signer = Signer(keydir, wd)
    ipectl = guest_loader(g)
    stage = os.path.join(wd, "fs")
    os.makedirs(stage)
    shutil.copy(test_binary(g, wd, "dm"), os.path.join(stage, "hello"))
    data, hashimg = os.path.join(wd, "data.img"), os.path.join(wd, "hash.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-b", "4096", "-d", stage,
                    data, "8M"], check=True)
    r = subprocess.run(["veritysetup", "format", data, hashimg], capture_output=True, text=True,
                       check=True)
    roothash = [l.split(":", 1)[1].strip() for l in r.stdout.splitlines()
                if l.startswith("Root hash:")][0]
    log(f"veritysetup format: root hash {roothash}")
    # a second volume, different content, opened with a signed root hash: only the
    # dmverity_signature=TRUE rule can allow it (its root hash is not in the policy)
    stage2 = os.path.join(wd, "fs2")
    os.makedirs(stage2)
    shutil.copy(test_binary(g, wd, "dm-signed"), os.path.join(stage2, "hello"))
    data2, hash2 = os.path.join(wd, "data2.img"), os.path.join(wd, "hash2.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-b", "4096", "-d", stage2,
                    data2, "8M"], check=True)
    r = subprocess.run(["veritysetup", "format", data2, hash2], capture_output=True, text=True,
                       check=True)
    roothash2 = [l.split(":", 1)[1].strip() for l in r.stdout.splitlines()
                 if l.startswith("Root hash:")][0]
    rh2 = write(os.path.join(wd, "roothash2.txt"), roothash2)  # the hex text, no newline
    sig2 = os.path.join(wd, "roothash2.p7s")
    subprocess.run(["openssl", "smime", "-sign", "-nocerts", "-noattr", "-binary", "-in", rh2,
                    "-inkey", os.path.join(keydir, "rsa2048.key"), "-signer",
                    os.path.join(keydir, "rsa2048.crt"), "-outform", "der", "-out", sig2],
                   check=True, capture_output=True)
    g.add_file(sig2, "/in/roothash2.p7s")
    text = ("policy_name=dmv policy_version=1.0.0\nDEFAULT action=ALLOW\n"
            "DEFAULT op=EXECUTE action=DENY\n"
            "op=EXECUTE boot_verified=TRUE action=ALLOW\n"
            f"op=EXECUTE dmverity_roothash=sha256:{roothash} action=ALLOW\n"
            "op=EXECUTE dmverity_signature=TRUE action=ALLOW\n")
    pol = write(os.path.join(wd, "dmv.pol"), text)
    blob, _ = signer.sign(pol, os.path.join(wd, "dmv.p7b"), force=False)
    g.add_file(blob, "/in/dmv.p7b")
    g.add_dynamic("/sbin/veritysetup", "/sbin/veritysetup")
    g.add_disk(data, readonly=True)
    g.add_disk(hashimg, readonly=True)
    g.add_disk(data2, readonly=True)
    g.add_disk(hash2, readonly=True)
    sc = f"""
mkdir -p /dev/mapper /run/cryptsetup /run/lock /mnt2
M open veritysetup open /dev/vda vroot /dev/vdb {roothash}
mount -t ext4 -o ro /dev/mapper/vroot /mnt && R mount OK || R mount FAIL
M open_signed veritysetup open /dev/vdc vsigned /dev/vdd {roothash2} --root-hash-signature=/in/roothash2.p7s
mount -t ext4 -o ro /dev/mapper/vsigned /mnt2 && R mount_signed OK || R mount_signed FAIL
R pre_exec $(ipe-guest exec /mnt/hello hello)
{load_and_activate(g, ipectl, "/in/dmv.p7b", "dmv")}
R post_exec $(ipe-guest exec /mnt/hello hello)
R post_exec_signed $(ipe-guest exec /mnt2/hello hello)
umount /mnt2; veritysetup close vsigned
M open_unsigned veritysetup open /dev/vdc vunsigned /dev/vdd {roothash2}
mount -t ext4 -o ro /dev/mapper/vunsigned /mnt2 && R mount_unsigned OK || R mount_unsigned FAIL
R post_exec_unsigned $(ipe-guest exec /mnt2/hello hello)
cp /mnt/hello /tmp/hello; R post_tmpfs_copy $(ipe-guest exec /tmp/hello hello)
dmesg | grep 'type=1420' | sed 's/^/IPE-AUDIT /'
"""
    results, lines = g.boot(sc, timeout=300)
    got = dict(results)
    ck.eq("open", got.get("open"), "exit=0", " | ".join(messages(lines, "open")))
    ck.eq("mount", got.get("mount"), "OK")
    ck.eq("pre_exec", got.get("pre_exec"), "OK")
    check_load(ck, got, lines, ipectl)
    ck.eq("post_exec", got.get("post_exec"), "OK", "exec from the dm-verity volume")
    ck.eq("post_tmpfs_copy", got.get("post_tmpfs_copy"), "EACCES", "copy on tmpfs")
    ck.eq("open_signed", got.get("open_signed"), "exit=0",
          " | ".join(messages(lines, "open_signed")))
    ck.eq("mount_signed", got.get("mount_signed"), "OK")
    ck.eq("post_exec_signed", got.get("post_exec_signed"), "OK",
          "exec from a volume opened with a signed root hash (dmverity_signature=TRUE)")
    ck.eq("open_unsigned", got.get("open_unsigned"), "exit=0",
          " | ".join(messages(lines, "open_unsigned")))
    ck.eq("mount_unsigned", got.get("mount_unsigned"), "OK")
    ck.eq("post_exec_unsigned", got.get("post_exec_unsigned"), "EACCES",
          "the same volume opened without the root hash signature")
    acc = audit_lines(lines, 1420)
    ck.ok("audit-1420", any('path="/tmp/hello"' in l for l in acc),
          "no 1420 record for the denied /tmp/hello; got:\n" + "\n".join(acc))
    ck.finish()


# ------------------------------------------------------------------ 6. keyrings

def scenario_keyrings(bz, keydir):
    ck = Checker("keyrings")
    wd = workdir("keyrings")
    g = Guest("keyrings", bz, wd)
    k = lambda n, e: os.path.join(keydir, f"{n}.{e}")  # noqa: E731
    ipe_sign = tool("IPE_SIGN", "ipe-sign")
    use_ipe_sign = ipe_sign and os.environ.get("IPE_KT_SIGNER") != "openssl"
    p = write(os.path.join(wd, "kr.pol"), simple_policy("kr_leaf"))
    blob = os.path.join(wd, "leaf-nocert.p7b")
    if use_ipe_sign:
        r = subprocess.run([ipe_sign, "sign", "--key", k("leaf", "key"), "--cert", k("leaf", "crt"),
                            "--no-cert", p, "-o", blob], capture_output=True, text=True)
        ck.ok("ipe-sign-no-cert", r.returncode == 0, "ipe-sign sign --no-cert failed: " + r.stderr)
        if r.returncode != 0:
            use_ipe_sign = False
    if not use_ipe_sign:
        log("signer: openssl cms -sign -nocerts (FALLBACK: ipe-sign not usable)")
        openssl_sign(p, blob, k("leaf", "crt"), k("leaf", "key"), extra=["-nocerts"])
    else:
        log("signer: ipe-sign --no-cert; key-add: ipe-sign key-add in the guest")
        g.add_dynamic(ipe_sign, "/bin/ipe-sign")
    p2 = write(os.path.join(wd, "kr2.pol"), simple_policy("kr_untrusted"))
    ublob = openssl_sign(p2, os.path.join(wd, "untrusted.p7b"), k("untrusted", "crt"),
                         k("untrusted", "key"))
    bblob = openssl_sign(write(os.path.join(wd, "kr3.pol"), simple_policy("kr_builtin")),
                         os.path.join(wd, "builtin.p7b"), k("rsa2048", "crt"), k("rsa2048", "key"))
    g.add_file(bblob, "/in/builtin.p7b")
    g.add_file(blob, "/in/leaf-nocert.p7b")
    g.add_file(ublob, "/in/untrusted.p7b")
    g.add_file(k("leaf", "der"), "/in/leaf.der")
    g.add_file(k("untrusted", "der"), "/in/untrusted.der")
    KR = ".secondary_trusted_keys"
    sc = f"""
grep -q '{KR}' /proc/keys && R secondary_keyring PRESENT || R secondary_keyring MISSING
R before_add $(ipe-load /in/leaf-nocert.p7b)
"""
    if use_ipe_sign:
        sc += f"""M verify_before ipe-sign verify --keyring /in/leaf-nocert.p7b
M add_untrusted ipe-sign key-add /in/untrusted.der --keyring={KR}
M add_leaf ipe-sign key-add /in/leaf.der --keyring={KR}
M verify_after ipe-sign verify --keyring /in/leaf-nocert.p7b
M verify_builtin ipe-sign verify --keyring /in/builtin.p7b
M verify_untrusted ipe-sign verify --keyring /in/untrusted.p7b
"""
    else:
        sc += f"""R add_untrusted $(ipe-guest key-add /in/untrusted.der {KR})
R add_leaf $(ipe-guest key-add /in/leaf.der {KR})
"""
    sc += f"""grep -q 'ipe-tools test leaf' /proc/keys && R leaf_in_proc_keys YES || R leaf_in_proc_keys NO
grep -q 'ipe-tools test untrusted' /proc/keys && R untrusted_in_proc_keys YES || R untrusted_in_proc_keys NO
R after_add $(ipe-load /in/leaf-nocert.p7b)
R untrusted_blob $(ipe-load /in/untrusted.p7b)
R builtin_blob $(ipe-load /in/builtin.p7b)
M proc_keys cat /proc/keys
"""
    results, lines = g.boot(sc, timeout=300)
    got = dict(results)
    ck.eq("secondary_keyring", got.get("secondary_keyring"), "PRESENT")
    ck.eq("before_add", got.get("before_add"), "ENOKEY", "leaf without cert, only CA trusted")
    if use_ipe_sign:
        m = messages(lines, "add_untrusted")
        ck.ok("add_untrusted", got.get("add_untrusted") not in (None, "exit=0") and bool(m),
              f"ipe-sign key-add of an untrusted cert: {got.get('add_untrusted')}: {m}")
        log("ipe-sign key-add (untrusted) said: " + " | ".join(m))
        ck.ok("add_untrusted:message", "trust" in " ".join(m).lower(),
              "ipe-sign key-add's refusal does not explain the trust requirement")
        # ipe-sign verify --keyring on the running kernel must predict what it answers
        for case, kcase in (("verify_before", "before_add"), ("verify_after", "after_add"),
                            ("verify_builtin", "builtin_blob"),
                            ("verify_untrusted", "untrusted_blob")):
            want = got.get(kcase)
            msg = " | ".join(messages(lines, case))
            mm = re.search(r": (OK|E[A-Z0-9]+): ", msg)
            ck.eq(case, mm.group(1) if mm else f"unparsed({got.get(case)})", want,
                  "ipe-sign verify --keyring in the guest: " + msg[:300])
        ck.eq("add_leaf", got.get("add_leaf"), "exit=0", " | ".join(messages(lines, "add_leaf")))
    else:
        ck.eq("add_untrusted", got.get("add_untrusted"), "ENOKEY", "untrusted self-signed cert")
        ck.eq("add_leaf", got.get("add_leaf"), "OK", "leaf issued by the builtin CA")
    ck.eq("leaf_in_proc_keys", got.get("leaf_in_proc_keys"), "YES")
    ck.eq("untrusted_in_proc_keys", got.get("untrusted_in_proc_keys"), "NO")
    ck.eq("after_add", got.get("after_add"), "OK", "policy signed by the added leaf, no cert")
    ck.eq("untrusted_blob", got.get("untrusted_blob"), "ENOKEY")
    ck.eq("builtin_blob", got.get("builtin_blob"), "OK")
    ck.finish()


# ------------------------------------------------------------------ 7. corrupted blobs

def corrupt_cases(base, n_flips, rng):
    """Single-bit flips spread over every region of BASE, and truncations."""
    out = []
    L = len(base)
    for i in range(n_flips):
        pos = min(L - 1, int((i + rng.random()) * L / n_flips))
        bit = rng.randrange(8)
        b = bytearray(base)
        b[pos] ^= 1 << bit
        out.append((f"f{pos:05d}b{bit}", bytes(b)))
    for cut in sorted({2, L // 8, L // 3, L // 2, L - 300, L - 1}):
        if 0 < cut < L:
            out.append((f"t{cut:05d}", base[:cut]))
    return out


def scenario_corrupt(bz, keydir):
    """Bit flips and truncations over every region of signed blobs, labelled by the kernel;
    `ipe-sign verify` (host, builtin certificates as --trust) and `ipectl load`'s preflight
    (guest, the kernel's keyrings) must predict every answer."""
    import random
    ck = Checker("corrupt")
    wd = workdir("corrupt")
    g = Guest("corrupt", bz, wd)
    k = lambda n, e: os.path.join(keydir, f"{n}.{e}")  # noqa: E731
    ipe_sign = tool("IPE_SIGN", "ipe-sign")
    if not ipe_sign:
        skip("ipe-sign is not built: nothing to compare the kernel with")
    ipectl = guest_loader(g)
    rng = random.Random(int(os.environ.get("IPE_KT_CORRUPT_SEED", "1201")))
    n_flips = int(os.environ.get("IPE_KT_CORRUPT_FLIPS", "20"))
    text = simple_policy("corrupt", extra="op=EXECUTE boot_verified=TRUE action=ALLOW\n")
    pol = write(os.path.join(wd, "corrupt.pol"), text)
    bases = [  # (name, key, openssl options, signed attributes)
        ("rsa-emb-is", "rsa2048", [], False),
        ("rsa-emb-skid-attr", "rsa2048", ["-keyid"], True),
        ("rsa-nocert-is-attr", "rsa2048", ["-nocerts"], True),
        ("rsa-nocert-skid", "rsa3072", ["-nocerts", "-keyid"], False),
        ("p256-emb-is-attr", "p256", [], True),
        ("p256-nocert-skid", "p256", ["-nocerts", "-keyid"], False),
        ("p384-emb-skid", "p384", ["-keyid"], False),
        ("leaf-emb-is", "leaf", [], False),
    ]
    cases = []  # (case, path)
    for name, key, extra, attrs in bases:
        bp = os.path.join(wd, name + ".p7b")
        openssl_sign(pol, bp, k(key, "crt"), k(key, "key"), extra=extra, attrs=attrs)
        base = open(bp, "rb").read()
        cases.append((name + "-orig", bp))
        for tag, data in corrupt_cases(base, n_flips, rng):
            cp = write(os.path.join(wd, f"{name}-{tag}.p7b"), data)
            cases.append((f"{name}-{tag}", cp))
    log(f"corrupt: {len(cases)} blobs from {len(bases)} signed bases "
        f"({n_flips} bit flips and up to 6 truncations each)")
    script = []
    delete = f"for d in {ALLPOL}; do [ -e \"$d/delete\" ] && echo 1 > \"$d/delete\"; done"
    for case, path in cases:
        g.add_file(path, f"/in/{case}.p7b")
    script.append("for f in /in/*.p7b; do i=$(basename $f .p7b)")
    script.append(f"  r=$(ipe-load $f); R $i $r; [ \"$r\" = OK ] && {{ {delete}; }}")
    if ipectl:
        script.append("  out=$(ipectl load $f 2>&1); rc=$?; R ctl_$i exit=$rc")
        # the result line ("ipectl: load: error: ... [errno=E... code=...]") and any P015 warning
        script.append("  echo \"$out\" | grep -E '^ipectl: [a-z]+: error:|IPECTL-P015' | head -3 | "
                      "sed \"s/^/IPE-MSG ctl_$i /\"")
        script.append(f"  [ $rc = 0 ] && {{ {delete}; }}")
    script.append("done")
    results, lines = g.boot("\n".join(script) + "\n", timeout=900)
    got = dict(results)
    trust = []
    for n in ("rsa2048", "rsa3072", "p256", "p384", "ca"):
        trust += ["--trust", k(n, "crt")]
    agree_v = agree_c = n = 0
    unchecked_c = []
    table = {}
    for case, path in cases:
        kern = got.get(case)
        if kern is None:
            ck.ok(case, False, "no result from the guest")
            continue
        n += 1
        r = subprocess.run([ipe_sign, "verify"] + trust + [path], capture_output=True, text=True)
        m = re.search(r"(?m)^.*?: (OK|E[A-Z0-9]+): ", r.stdout + "\n" + r.stderr)
        pred = m.group(1) if m else f"unparsed(exit {r.returncode})"
        if r.returncode not in (0, 1) or (m and (pred == "OK") != (r.returncode == 0)):
            ck.ok(case + ":verify-exit", False, f"ipe-sign verify printed {pred} but exited {r.returncode}: "
                  + (r.stderr or r.stdout)[:200])
        agree_v += pred == kern
        ck.eq(case + ":verify", pred, kern, "ipe-sign verify vs kernel")
        table.setdefault((kern, pred), []).append(case)
        if ipectl:
            rc = got.get(f"ctl_{case}")
            msg = " | ".join(messages(lines, f"ctl_{case}"))
            if rc == "exit=0":
                cpred = "OK"
            elif rc == "exit=4":
                m = re.search(r"\[errno=(E[A-Z0-9]+)", msg)
                cpred = m.group(1) if m else f"unparsed({msg[:80]})"
            else:
                # the preflight let it through and the kernel refused: the preflight said OK
                cpred = "OK"
            if cpred != kern and "IPECTL-P015" in msg:
                # the preflight said it could not check the signature (the builtin keys cannot
                # be used from userspace and the blob embeds no certificate): not a claim
                unchecked_c.append(f"{case} (kernel {kern})")
                continue
            agree_c += cpred == kern
            ck.eq(case + ":ipectl", cpred, kern, f"ipectl load preflight vs kernel ({rc}: {msg[:200]})")
    log("corrupt: kernel answer -> ipe-sign verify prediction (count):")
    for (kern, pred), cs in sorted(table.items(), key=lambda x: -len(x[1])):
        print(f"    {kern:13s} -> {pred:13s} {len(cs):4d}  e.g. {', '.join(cs[:3])}", flush=True)
    if unchecked_c:
        log(f"ipectl preflight: {len(unchecked_c)} blobs whose signature it said it could not check "
            f"(IPECTL-P015: key not usable from userspace, no embedded certificate): "
            + ", ".join(unchecked_c[:8]) + (" ..." if len(unchecked_c) > 8 else ""))
    log(f"corrupt summary: {n} blobs; ipe-sign verify agrees with the kernel on {agree_v} "
        f"(wrong {n - agree_v})"
        + (f", ipectl load preflight on {agree_c} (+{len(unchecked_c)} said unchecked, "
           f"wrong {n - agree_c - len(unchecked_c)})" if ipectl else ""))
    ck.finish()


# ------------------------------------------------------------------ 8. ipe-digest

def digest_lines(text):
    """{path: "alg:hex"} from ipe-digest/fsverity digest output lines."""
    out = {}
    for l in text.splitlines():
        parts = l.split(" ", 1)
        if len(parts) == 2 and ":" in parts[0]:
            out[parts[1].strip()] = parts[0]
    return out


def scenario_digest(bz, keydir):
    """ipe-digest against the kernel: its digests equal FS_IOC_MEASURE_VERITY after
    `fsverity enable`, a policy made of its --format=rules output allows exactly those files,
    and the root hash it reads from a `veritysetup format` image pair allows exec."""
    ck = Checker("digest")
    wd = workdir("digest")
    dig = tool("IPE_DIGEST", "ipe-digest")
    if not dig:
        log("FAIL: ipe-digest is not built")
        sys.exit(1)
    g = Guest("digest", bz, wd)
    signer = Signer(keydir, wd)
    ipectl = guest_loader(g)
    g.add_dynamic(dig, "/bin/ipe-digest")
    g.add_dynamic(shutil.which("fsverity"), "/bin/fsverity")
    g.add_dynamic("/sbin/veritysetup", "/sbin/veritysetup")
    stage = os.path.join(wd, "fs")
    os.makedirs(stage)
    for tag in ("a", "b", "c", "plain", "d"):
        shutil.copy(test_binary(g, wd, "digest-" + tag), os.path.join(stage, tag))
    img = os.path.join(wd, "verity.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "verity", "-b", "4096", "-d", stage, img, "16M"],
                   check=True)

    def run(args, **kw):
        return subprocess.run([dig] + args, capture_output=True, text=True, cwd=stage, **kw)

    # host: digests computed from content; the same as fsverity-utils
    r = run(["a", "b", "c", "plain"])
    host = digest_lines(r.stdout)
    ck.eq("host-exit", r.returncode, 0, r.stderr.strip())
    fsv = subprocess.run(["fsverity", "digest", "a", "b", "c", "plain"], capture_output=True,
                         text=True, cwd=stage, check=True)
    ck.eq("host-vs-fsverity", r.stdout, fsv.stdout)
    salt = "5a17" * 4
    d_args = ["--hash-alg=sha512", "--block-size=1024", "--salt=" + salt]
    r = run(d_args + ["d"])
    host_d = digest_lines(r.stdout).get("d")
    log(f"host digests: {host} d={host_d}")
    # policy: the rules ipe-digest prints for a and b, used as they are
    r = run(["--format=rules", "a", "b"])
    ck.eq("rules-exit", r.returncode, 0, r.stderr.strip())
    fs_rules = r.stdout

    # dm-verity: an ext4 volume with one binary
    stage2 = os.path.join(wd, "fs2")
    os.makedirs(stage2)
    shutil.copy(test_binary(g, wd, "digest-dm"), os.path.join(stage2, "hello"))
    data, hashimg = os.path.join(wd, "data.img"), os.path.join(wd, "hash.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-b", "4096", "-d", stage2,
                    data, "8M"], check=True)
    r = subprocess.run(["veritysetup", "format", data, hashimg], capture_output=True, text=True,
                       check=True)
    roothash = [l.split(":", 1)[1].strip() for l in r.stdout.splitlines()
                if l.startswith("Root hash:")][0]
    r = run(["--dm-verity=" + data, "--hash-device=" + hashimg])
    ck.eq("dm-image-roothash", r.stdout.strip(), "sha256:" + roothash, r.stderr.strip())
    r = run(["--format=rules", "--dm-verity=" + data, "--hash-device=" + hashimg])
    ck.eq("dm-rules-exit", r.returncode, 0, r.stderr.strip())
    dm_rules = r.stdout
    # a second volume, opened with a signed root hash: not in the policy
    stage3 = os.path.join(wd, "fs3")
    os.makedirs(stage3)
    shutil.copy(test_binary(g, wd, "digest-dm2"), os.path.join(stage3, "hello"))
    data2, hash2 = os.path.join(wd, "data2.img"), os.path.join(wd, "hash2.img")
    subprocess.run(["mkfs.ext4", "-q", "-F", "-O", "^has_journal", "-b", "4096", "-d", stage3,
                    data2, "8M"], check=True)
    r = subprocess.run(["veritysetup", "format", data2, hash2], capture_output=True, text=True,
                       check=True)
    roothash2 = [l.split(":", 1)[1].strip() for l in r.stdout.splitlines()
                 if l.startswith("Root hash:")][0]
    rh2 = write(os.path.join(wd, "roothash2.txt"), roothash2)
    sig2 = os.path.join(wd, "roothash2.p7s")
    subprocess.run(["openssl", "smime", "-sign", "-nocerts", "-noattr", "-binary", "-in", rh2,
                    "-inkey", os.path.join(keydir, "rsa2048.key"), "-signer",
                    os.path.join(keydir, "rsa2048.crt"), "-outform", "der", "-out", sig2],
                   check=True, capture_output=True)
    g.add_file(sig2, "/in/roothash2.p7s")

    text = ("policy_name=dig policy_version=1.0.0\nDEFAULT action=ALLOW\n"
            "DEFAULT op=EXECUTE action=DENY\n"
            "op=EXECUTE boot_verified=TRUE action=ALLOW\n" + fs_rules + dm_rules)
    log("policy:\n" + text)
    pol = write(os.path.join(wd, "dig.pol"), text)
    blob, _ = signer.sign(pol, os.path.join(wd, "dig.p7b"), force=False)
    g.add_file(blob, "/in/dig.p7b")
    g.add_disk(img)
    g.add_disk(data, readonly=True)
    g.add_disk(hashimg, readonly=True)
    g.add_disk(data2, readonly=True)
    g.add_disk(hash2, readonly=True)
    out = lambda case, cmd: (f"{cmd} >/tmp/{case}.out 2>/tmp/{case}.err; R {case} exit=$?\n"  # noqa: E731
                             f"sed 's/^/IPE-MSG {case}_out /' /tmp/{case}.out\n"
                             f"sed 's/^/IPE-MSG {case}_err /' /tmp/{case}.err\n")
    sc = f"""
mkdir -p /dev/mapper /run/cryptsetup /run/lock /mnt2 /mnt3
mount -t ext4 /dev/vda /mnt && R mount OK || R mount FAIL
cd /mnt
R enable_a $(ipe-guest verity-enable /mnt/a)
R enable_b $(ipe-guest verity-enable /mnt/b)
R enable_c $(ipe-guest verity-enable /mnt/c)
M enable_d fsverity enable --hash-alg=sha512 --block-size=1024 --salt={salt} d
{out("measure", "ipe-digest --measure a b c plain")}
{out("measure_d", "ipe-digest --measure d")}
{out("compute", "ipe-digest a b c")}
{out("measure_rules", "ipe-digest --measure --format=rules a b")}
cd /
M open veritysetup open /dev/vdb vroot /dev/vdc {roothash}
mount -t ext4 -o ro /dev/mapper/vroot /mnt2 && R mount2 OK || R mount2 FAIL
M open_signed veritysetup open /dev/vdd vsigned /dev/vde {roothash2} --root-hash-signature=/in/roothash2.p7s
mount -t ext4 -o ro /dev/mapper/vsigned /mnt3 && R mount3 OK || R mount3 FAIL
{out("dm_active", "ipe-digest --dm-verity=/dev/mapper/vroot")}
{out("dm_active_name", "ipe-digest --dm-verity=vroot")}
{out("dm_active_dm0", "ipe-digest --dm-verity=/dev/dm-0")}
{out("dm_signed", "ipe-digest --dm-verity=vsigned")}
{out("dm_notdm", "ipe-digest --dm-verity=/dev/vda")}
{load_and_activate(g, ipectl, "/in/dig.p7b", "dig")}
R exec_a $(ipe-guest exec /mnt/a hello)
R exec_b $(ipe-guest exec /mnt/b hello)
R exec_c $(ipe-guest exec /mnt/c hello)
R exec_plain $(ipe-guest exec /mnt/plain hello)
R exec_d $(ipe-guest exec /mnt/d hello)
R exec_dm $(ipe-guest exec /mnt2/hello hello)
R exec_dm_signed $(ipe-guest exec /mnt3/hello hello)
"""
    results, lines = g.boot(sc, timeout=400)
    got = dict(results)
    for case in ("mount", "enable_a", "enable_b", "enable_c", "mount2", "mount3"):
        ck.eq(case, got.get(case), "OK")
    for case in ("enable_d", "open", "open_signed"):
        ck.eq(case, got.get(case), "exit=0", " | ".join(messages(lines, case)))
    # the kernel's measurements equal what ipe-digest computed on the host
    measured = digest_lines("\n".join(messages(lines, "measure_out")))
    for f in ("a", "b", "c"):
        ck.eq("measure-" + f, measured.get(f), host.get(f))
    ck.eq("measure-exit", got.get("measure"), "exit=1", "plain has no fs-verity")
    ck.eq("measure-plain-absent", "plain" in measured, False)
    err = " ".join(messages(lines, "measure_err"))
    ck.ok("measure-plain-reported", "plain" in err and "not enabled" in err, "stderr: " + err)
    ck.eq("measure-d", digest_lines("\n".join(messages(lines, "measure_d_out"))).get("d"), host_d)
    ck.eq("measure-d-exit", got.get("measure_d"), "exit=0")
    computed = digest_lines("\n".join(messages(lines, "compute_out")))
    for f in ("a", "b", "c"):
        ck.eq("guest-compute-" + f, computed.get(f), host.get(f))
    ck.eq("measure-rules", "\n".join(messages(lines, "measure_rules_out")) + "\n", fs_rules)
    # active devices
    want = f"sha256:{roothash} dmverity_signature=FALSE"
    for case in ("dm_active", "dm_active_name", "dm_active_dm0"):
        ck.eq(case, (got.get(case), " ".join(messages(lines, case + "_out"))), ("exit=0", want),
              " ".join(messages(lines, case + "_err")))
    ck.eq("dm_signed", (got.get("dm_signed"), " ".join(messages(lines, "dm_signed_out"))),
          ("exit=0", f"sha256:{roothash2} dmverity_signature=TRUE"),
          " ".join(messages(lines, "dm_signed_err")))
    ck.eq("dm_notdm", got.get("dm_notdm"), "exit=1")
    ck.ok("dm_notdm-message", "device-mapper" in " ".join(messages(lines, "dm_notdm_err")),
          " ".join(messages(lines, "dm_notdm_err")))
    # the policy from --format=rules allows exactly the files it names
    check_load(ck, got, lines, ipectl)
    for case, w in (("exec_a", "OK"), ("exec_b", "OK"), ("exec_c", "EACCES"),
                    ("exec_plain", "EACCES"), ("exec_d", "EACCES"), ("exec_dm", "OK"),
                    ("exec_dm_signed", "EACCES")):
        ck.eq(case, got.get(case), w)
    ck.finish()


# ------------------------------------------------------------------ main

SCENARIOS = {
    "corpus": scenario_corpus,
    "signing": scenario_signing,
    "lifecycle": scenario_lifecycle,
    "fsverity": scenario_fsverity,
    "dmverity": scenario_dmverity,
    "keyrings": scenario_keyrings,
    "corrupt": scenario_corrupt,
    "digest": scenario_digest,
    "explain": lambda bz, keydir: scenario_explain(bz, keydir, Checker, workdir, write, guest_loader),
}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in list(SCENARIOS) + ["build-kernel"]:
        print(__doc__)
        sys.exit(2)
    t0 = time.monotonic()
    if not os.path.exists("/usr/bin/qemu-system-x86_64") and os.geteuid() != 0:
        skip("qemu-system-x86_64 is not installed and we are not root to install it")
    bz, keydir = ensure_kernel()
    if sys.argv[1] == "build-kernel":
        log(f"kernel ready in {time.monotonic() - t0:.0f}s: {bz}")
        return
    try:
        SCENARIOS[sys.argv[1]](bz, keydir)
    finally:
        log(f"scenario {sys.argv[1]} took {time.monotonic() - t0:.0f}s")


if __name__ == "__main__":
    main()
