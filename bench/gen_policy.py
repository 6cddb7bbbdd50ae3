#!/usr/bin/env python3
"""Generate a large, valid IPE policy for benchmarks.

usage: gen_policy.py RULES [OUT] [--seed N]

Realistic mix: ~88% `op=EXECUTE fsverity_digest=sha256:<64 hex> action=ALLOW`,
~5% dm-verity root hashes (EXECUTE/KMODULE), ~5% boolean-property rules,
~2% others (sha512 digests, DENY), a comment line every 64 rules, a global
DEFAULT and a couple of per-op DEFAULTs.  Deterministic for a given seed.
"""
import argparse
import random
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rules", type=int)
    ap.add_argument("out", nargs="?", default="-")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    out = sys.stdout.buffer if a.out == "-" else open(a.out, "wb")
    bools = [b"boot_verified=TRUE", b"dmverity_signature=TRUE", b"fsverity_signature=TRUE",
             b"fsverity_signature=FALSE", b"dmverity_signature=FALSE"]
    chunk = [b"# generated benchmark policy\n",
             b"policy_name=bench_%d policy_version=1.0.%d\n" % (a.rules, a.seed),
             b"DEFAULT action=DENY\n",
             b"DEFAULT op=KEXEC_IMAGE action=DENY\n",
             b"DEFAULT op=POLICY action=ALLOW\n"]
    for i in range(a.rules):
        if i % 64 == 0:
            chunk.append(b"# block %d: signed release binaries\n" % (i // 64))
        r = rnd.random()
        if r < 0.88:
            chunk.append(b"op=EXECUTE fsverity_digest=sha256:%s action=ALLOW\n" % rnd.randbytes(32).hex().encode())
        elif r < 0.93:
            op = b"EXECUTE" if r < 0.91 else b"KMODULE"
            chunk.append(b"op=%s dmverity_roothash=sha256:%s action=ALLOW\n" % (op, rnd.randbytes(32).hex().encode()))
        elif r < 0.98:
            op = rnd.choice([b"EXECUTE", b"KMODULE", b"FIRMWARE", b"KEXEC_INITRAMFS"])
            chunk.append(b"op=%s %s action=ALLOW\n" % (op, rnd.choice(bools)))
        elif r < 0.99:
            chunk.append(b"op=EXECUTE fsverity_digest=sha512:%s action=ALLOW\n" % rnd.randbytes(64).hex().encode())
        else:
            chunk.append(b"op=EXECUTE fsverity_digest=sha256:%s action=DENY\n" % rnd.randbytes(32).hex().encode())
        if len(chunk) >= 4096:
            out.write(b"".join(chunk))
            chunk = []
    out.write(b"".join(chunk))
    if out is not sys.stdout.buffer:
        out.close()


if __name__ == "__main__":
    main()
