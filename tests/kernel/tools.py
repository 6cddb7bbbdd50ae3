"""Host-side tooling for the real-kernel suite: our tools when built, openssl as the fallback."""

import errno as errno_mod
import json
import os
import re
import subprocess

from ipekt import log

ERRNO_WORD = re.compile(r"\b(E[A-Z0-9]{2,15})\b")


def norm_errno(v):
    """Normalise an errno given as None/'OK'/int/'-EBADMSG'/'EBADMSG@3:1' to 'OK' or 'EBADMSG'."""
    if v is None:
        return "OK"
    if isinstance(v, bool):
        return "?%r" % v
    if isinstance(v, int):
        if v == 0:
            return "OK"
        return errno_mod.errorcode.get(abs(v), "ERRNO%d" % abs(v))
    s = str(v).strip()
    s = s.split("@", 1)[0].strip().lstrip("-").upper()
    if s in ("", "NULL", "NONE", "0", "OK", "ACCEPTED"):
        return "OK"
    if s.isdigit():
        return errno_mod.errorcode.get(int(s), "ERRNO" + s)
    return s


def tool(envvar, name):
    """Path of one of our tools when it is built (env from meson's test_env), else None."""
    p = os.environ.get(envvar)
    if not p:
        root = os.environ.get("IPE_BUILD_ROOT")
        p = os.path.join(root, "src/tools", name) if root else None
    if p and os.path.isfile(p) and os.access(p, os.X_OK):
        return p
    return None


def openssl_sign(policy, out, cert, key, extra=(), md="sha256", detach=False, outform="DER",
                 attrs=False, smimecap=False):
    cmd = ["openssl", "cms", "-sign", "-binary", "-outform", outform, "-md", md,
           "-signer", cert, "-inkey", key, "-in", policy, "-out", out]
    if not detach:
        cmd.append("-nodetach")
    if not attrs:
        cmd.append("-noattr")
    if not smimecap:
        cmd.append("-nosmimecap")
    cmd += list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("openssl cms -sign failed: %s\n%s" % (" ".join(cmd), r.stderr))
    return out


class Signer:
    """Signs policies with `$IPE_SIGN sign` when it works, else with the openssl CLI."""

    def __init__(self, keydir, workdir):
        self.keydir = keydir
        self.ipe_sign = tool("IPE_SIGN", "ipe-sign")
        self.mode = "openssl"
        self.reason = "ipe-sign is not built"
        forced = os.environ.get("IPE_KT_SIGNER")
        if forced == "openssl":
            self.reason = "IPE_KT_SIGNER=openssl"
        elif self.ipe_sign:
            self.reason = self._probe(workdir)
            if self.reason is None:
                self.mode = "ipe-sign"
        if self.mode == "ipe-sign":
            log(f"signer: ipe-sign ({self.ipe_sign})")
        else:
            log(f"signer: openssl cms -sign (FALLBACK: {self.reason})")

    def k(self, name, ext):
        return os.path.join(self.keydir, f"{name}.{ext}")

    def _probe(self, workdir):
        pol = os.path.join(workdir, "probe.pol")
        out = os.path.join(workdir, "probe.p7b")
        text = b"policy_name=probe policy_version=0.0.1\nDEFAULT action=ALLOW\n"
        with open(pol, "wb") as f:
            f.write(text)
        try:
            os.unlink(out)
        except FileNotFoundError:
            pass
        r = subprocess.run([self.ipe_sign, "sign", "--key", self.k("rsa2048", "key"), "--cert",
                            self.k("rsa2048", "crt"), pol, "-o", out],
                           capture_output=True, text=True)
        if r.returncode != 0 or not os.path.exists(out):
            return "ipe-sign sign failed on a probe policy (exit %d): %s" % (
                r.returncode, (r.stderr or r.stdout).strip()[:200])
        v = subprocess.run(["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-noverify",
                            "-in", out], capture_output=True)
        if v.returncode != 0 or v.stdout != text:
            return "ipe-sign's probe blob does not verify with openssl cms -verify"
        return None

    def sign(self, policy, out, key="rsa2048", force=True, extra=()):
        """Sign POLICY as it is (also invalid ones: --force). Returns (path, signer-used)."""
        if self.mode == "ipe-sign":
            cmd = [self.ipe_sign, "sign", "--key", self.k(key, "key"), "--cert", self.k(key, "crt")]
            cmd += list(extra)
            if force:
                cmd.append("--force")
            cmd += [policy, "-o", out]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode == 0 and os.path.exists(out):
                return out, "ipe-sign"
            self.last_error = "ipe-sign failed (exit %d): %s" % (r.returncode,
                                                                  (r.stderr or r.stdout).strip()[:300])
            raise RuntimeError(self.last_error)
        openssl_sign(policy, out, self.k(key, "crt"), self.k(key, "key"))
        return out, "openssl"


def ipe_check_verdict(ipe_check, path):
    """Kernel verdict that `ipe-check --format=json` predicts: 'OK' or an errno name."""
    r = subprocess.run([ipe_check, "--format=json", path], capture_output=True)
    try:
        out = r.stdout.decode("utf-8")
    except UnicodeDecodeError as e:
        log(f"WARN: ipe-check --format=json output for {os.path.basename(path)} is not valid "
            f"UTF-8 ({e}); reading it leniently")
        out = r.stdout.decode("utf-8", errors="replace")
    r = subprocess.CompletedProcess(r.args, r.returncode, out, r.stderr.decode(errors="replace"))
    try:
        doc = json.loads(r.stdout)
        kv = doc["files"][0]["kernel_verdict"]
        return norm_errno(kv.get("errno") if isinstance(kv, dict) else kv), None
    except (ValueError, KeyError, IndexError, TypeError) as e:
        return None, "cannot read files[0].kernel_verdict.errno from ipe-check output " \
                     "(exit %d, %s): %s" % (r.returncode, e, (r.stdout or r.stderr)[:200])


def expect_verdict(path):
    """Verdict a corpus NAME.expect file claims ('verdict: OK' or 'verdict: ERRNO@L:C')."""
    exp = os.path.splitext(path)[0] + ".expect"
    try:
        with open(exp, errors="replace") as f:
            for line in f:
                if line.startswith("verdict:"):
                    return norm_errno(line.split(":", 1)[1])
    except OSError:
        return None
    return None
