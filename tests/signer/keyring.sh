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
# Keys root may see but not search or use (the kernel's builtin keys: perm 0x1f030000 seen
# from root).  keyctl_search and KEYCTL_PKEY_VERIFY answer EACCES; the key list and the
# descriptions stay readable: the key must still be found by its id.
ring=$(keyctl newring ipe_noperm @s)
check "key-add ca to a private keyring (two words)" "$IPE_SIGN" key-add --keyring ipe_noperm ca.pem
check "key-add leaf to it" "$IPE_SIGN" key-add leaf.pem --keyring ipe_noperm
for k in $(keyctl rdescribe "$ring" >/dev/null 2>&1; keyctl list "$ring" | sed -n 's/^ *\([0-9]*\):.*/\1/p'); do
	keyctl setperm "$k" 0x03030000 || bad "setperm $k"
done
keyctl search "$ring" asymmetric "ca: $(openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tr A-F a-f)" >/dev/null 2>&1 &&
	echo "note: the CA key is still searchable"
vr() { # vr WANT BLOB: verify against ipe_noperm
	"$IPE_SIGN" verify --keyring=ipe_noperm "$2" >"$T/vout" 2>&1
	local got
	got=$(head -1 "$T/vout" | sed -n 's/^[^:]*: \([A-Z]*\):.*/\1/p')
	[ "$got" = "$1" ] && ok || { bad "unsearchable keyring, verify $2: want $1 got '$got'"; cat "$T/vout" >&2; }
}
vr OK embed.p7b        # leaf embedded, CA found by the SKID in its description
vr OK nocert.p7b       # leaf itself in the keyring, found by issuer+serial (search says EACCES: it exists)
vr OK nocert-keyid.p7b # leaf found by SKID
grep -q 'can only be checked by the kernel' "$T/vout" && ok || { bad "unchecked signature not said"; cat "$T/vout" >&2; }
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem --keyid pol.txt -o embed-keyid.p7b 2>/dev/null
vr OK embed-keyid.p7b  # SKID signer: its own key (leaf) is in the keyring
"$IPE_SIGN" sign -q --key ec256.key --cert ec256.pem pol.txt -o ec-embed.p7b
vr OK ec-embed.p7b     # ec256 is not in ipe_noperm, but its CA is and the leaf is embedded
vr ENOKEY ec-nocert.p7b # ... not embedded: ENOKEY
# ... its CA is, but a SKID signer is never matched to the embedded leaf: ENOKEY like the kernel
"$IPE_SIGN" sign -q --key ec256.key --cert ec256.pem --keyid pol.txt -o ec-embed-keyid.p7b 2>/dev/null
vr ENOKEY ec-embed-keyid.p7b
# a keyring that cannot be read is "cannot tell" (exit 2), not ENOKEY
ring2=$(keyctl newring ipe_noread @s)
keyctl setperm "$ring2" 0x01010000
"$IPE_SIGN" verify --keyring=ipe_noread ec-embed.p7b >"$T/vout" 2>&1
rc=$?
[ $rc -eq 2 ] && grep -q 'cannot tell' "$T/vout" && ok || { bad "unreadable keyring: exit $rc"; cat "$T/vout" >&2; }
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
