#!/bin/bash
# Kernel keyrings through libkeyutils, on a private session keyring.
if [ -z "${IPE_IN_SESSION:-}" ]; then
	if ! command -v keyctl >/dev/null || ! keyctl session - true >/dev/null 2>&1; then
		echo "SKIP: no keyctl or the kernel refuses a new session keyring"
		exit 77
	fi
	IPE_IN_SESSION=1 exec keyctl session - bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

mkca ca
mkleaf leaf ca
mkleaf ec256 ca ec -pkeyopt ec_paramgen_curve:P-256
policy pol.txt ring
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem pol.txt -o embed.p7b
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem --no-cert pol.txt -o nocert.p7b
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem --no-cert --keyid pol.txt -o nocert-keyid.p7b
"$IPE_SIGN" sign -q --key ec256.key --cert ec256.pem --no-cert pol.txt -o ec-nocert.p7b
cp nocert.p7b changed.p7b
off=$(grep -abo 'policy_name=ring' changed.p7b | head -1 | cut -d: -f1)
printf 'X' | dd of=changed.p7b bs=1 seek=$((off + 12)) conv=notrunc 2>/dev/null

vk() { # vk WANT BLOB: verify against the session keyring
	"$IPE_SIGN" verify --keyring=@s "$2" >"$T/vout" 2>&1
	local got
	got=$(head -1 "$T/vout" | sed -n 's/^[^:]*: \([A-Z]*\):.*/\1/p')
	[ "$got" = "$1" ] && ok || { bad "keyring verify $2: want $1 got '$got'"; cat "$T/vout" >&2; }
}
vk ENOKEY embed.p7b
if ! "$IPE_SIGN" key-add ca.pem --keyring @s >add.out 2>&1; then
	if grep -qE 'ENOPKG|no .asymmetric. key type|not supported' add.out; then
		echo "SKIP: this kernel cannot parse X.509 keys"; exit 77
	fi
	bad "key-add ca to @s"; cat add.out >&2
fi
keyctl show @s | grep -q 'asymmetric: ca' && ok || bad "ca not in the session keyring"
vk OK embed.p7b        # leaf embedded, CA in the keyring (chain checked with keyctl_pkey_verify)
vk ENOKEY nocert.p7b   # leaf not embedded, only its CA
check "key-add leaf (DER)" sh -c "openssl x509 -in leaf.pem -outform DER | '$IPE_SIGN' key-add - --keyring=@s"
vk OK nocert.p7b       # signer cert itself in the keyring
vk OK nocert-keyid.p7b
vk EKEYREJECTED changed.p7b
vk ENOKEY ec-nocert.p7b
check "key-add ec256" "$IPE_SIGN" key-add ec256.pem --keyring @s
# The running kernel decides: without ECDSA in /proc/crypto it cannot verify (EKEYREJECTED).
if grep -q 'ecdsa' /proc/crypto 2>/dev/null; then vk OK ec-nocert.p7b; else vk EKEYREJECTED ec-nocert.p7b; fi
check_fails "key-add garbage" "$IPE_SIGN" key-add pol.txt --keyring @s
check_fails "key-add to a missing keyring" "$IPE_SIGN" key-add ca.pem --keyring .no_such_keyring
grep -q 'not found' out && ok || bad "missing keyring message"
# The running kernel's trusted keyrings: a prediction is made either way.
"$IPE_SIGN" verify --keyring embed.p7b >kv.out 2>&1
rc=$?
{ [ $rc -eq 0 ] || [ $rc -eq 1 ]; } && grep -qE ': (OK|ENOKEY|EKEYREJECTED):' kv.out && ok || { bad "kernel keyring mode (exit $rc)"; cat kv.out >&2; }
# Adding an untrusted self-signed cert to .secondary_trusted_keys must be refused with a reason.
if grep -q '.secondary_trusted_keys' /proc/keys 2>/dev/null; then
	check_fails "untrusted cert refused by .secondary_trusted_keys" "$IPE_SIGN" key-add ca.pem --keyring .secondary_trusted_keys
	grep -q 'signed by a key' out && ok || bad "refusal explanation"
else
	echo "note: no .secondary_trusted_keys on this kernel; refusal test skipped"
fi
finish
