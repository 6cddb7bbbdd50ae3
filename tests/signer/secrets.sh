#!/bin/bash
# Planted secrets never reach any output of ipe-sign or ipe-compile --sign:
# passphrases given as pass:SECRET, pkcs11: URIs with pin-value= (or any
# query), wrong passphrases; long passphrases are used whole or refused.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
IPE_COMPILE=${IPE_COMPILE:-$(dirname "$IPE_SIGN")/ipe-compile}

mkca ca
mkleaf leaf ca
policy pol.txt secrets
S1=plantedSecretOne4711
S2=plantedPinTwo0815
S3=plantedPinThree4242
S4=plantedWrongPass9999

# The pkcs11 engine leaks on failed loads (see lsan-libp11.supp and pkcs11.sh)
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0
export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$HERE/lsan-libp11.supp

# no_secret DESC CMD...: CMD must fail cleanly and print none of the planted secrets
no_secret() {
	local d=$1; shift
	"$@" >"$T/sout" 2>&1
	local rc=$?
	if [ $rc -lt 1 ] || [ $rc -gt 3 ]; then bad "$d: exit $rc"; sed 's/^/    /' "$T/sout" >&2; return; fi
	if grep -q -e "$S1" -e "$S2" -e "$S3" -e "$S4" "$T/sout"; then
		bad "$d: a planted secret is printed"; sed 's/^/    /' "$T/sout" >&2
	else
		ok
	fi
}
for tool in sign compile; do
	if [ $tool = sign ]; then run=("$IPE_SIGN" sign -o out.p7b); else run=("$IPE_COMPILE" --sign -o out.p7b); fi
	no_secret "$tool --pass pass:" "${run[@]}" --key leaf.key --cert leaf.pem --pass "pass:$S1" pol.txt
	no_secret "$tool --pass bare" "${run[@]}" --key leaf.key --cert leaf.pem --pass "$S1" pol.txt
	no_secret "$tool pkcs11 query pin" "${run[@]}" --key "pkcs11:token=t;object=o?pin-value=$S2" --cert leaf.pem pol.txt
	no_secret "$tool pkcs11 path pin" "${run[@]}" --key "pkcs11:pin-value=$S3;token=t" --cert leaf.pem pol.txt
	no_secret "$tool pkcs11 pin with module" "${run[@]}" --pkcs11-module /nonexistent/module.so \
		--key "pkcs11:object=o;pin-value=$S3?pin-source=$S2" --cert leaf.pem pol.txt
done
# a wrong passphrase for an encrypted key is not echoed
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:right -out enc.key 2>/dev/null
printf '%s\n' "$S4" >wrong.pass
no_secret "wrong passphrase" "$IPE_SIGN" sign --key enc.key --cert leaf.pem --pass file:wrong.pass pol.txt -o o.p7b
S4ENV=$S4 no_secret "wrong passphrase env" "$IPE_SIGN" sign --key enc.key --cert leaf.pem --pass env:S4ENV pol.txt -o o.p7b

# a passphrase longer than 1,023 bytes is used whole (not cut)
long=$(head -c 3000 /dev/zero | tr '\0' 'p')
printf '%s' "$long" >long.pass
# (openssl's file: source reads 1,023 bytes at most; env: passes the whole value)
LONGPASS=$long openssl req -new -newkey rsa:2048 -passout env:LONGPASS -keyout long.key -out long.csr -subj /CN=long 2>/dev/null
openssl x509 -req -in long.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out long.pem -days 30 2>/dev/null
check "3000-byte passphrase from a file" "$IPE_SIGN" sign -q --key long.key --cert long.pem --pass file:long.pass pol.txt -o long.p7b
check "3000-byte passphrase from a pipe" sh -c '"$0" sign -q --key long.key --cert long.pem --pass fd:3 pol.txt -o long2.p7b 3<long.pass' "$IPE_SIGN"
# cut at 1,023 bytes, it would not decrypt: prove the test can fail
head -c 1023 long.pass >cut.pass
check_fails "the cut passphrase does not decrypt" "$IPE_SIGN" sign --key long.key --cert long.pem --pass file:cut.pass pol.txt -o cut.p7b
# beyond the limit: refused with a clear message that does not show it
head -c 70000 /dev/zero | tr '\0' 'q' >huge.pass
"$IPE_SIGN" sign --key long.key --cert long.pem --pass file:huge.pass pol.txt -o huge.p7b >huge.out 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q "longer than 65536 bytes" huge.out && ! grep -q qqqqqqqq huge.out && [ ! -e huge.p7b ]; then
	ok
else
	bad "a 70,000-byte passphrase: exit $rc"; sed 's/^/    /' huge.out >&2
fi
finish
