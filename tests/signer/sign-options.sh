#!/bin/bash
# ipe-sign sign: every option cross-checked with openssl cms and our verify;
# keys (PEM, DER, encrypted), passphrase sources, refusals, determinism.
. "$(dirname "$0")/lib.sh"

mkca ca
mkleaf leaf ca
mkleaf ec256 ca ec -pkeyopt ec_paramgen_curve:P-256
mkleaf ec384 ca ec -pkeyopt ec_paramgen_curve:P-384
mkleaf rsa4096 ca rsa:4096
mkleaf rsa3072 ca rsa:3072
openssl req -x509 -newkey rsa:2048 -nodes -keyout self.key -out self.pem -subj /CN=self -days 30 2>/dev/null
policy pol.txt signed

# --- option matrix ---------------------------------------------------------
n=0
for key in leaf ec256 ec384 rsa3072 rsa4096; do
	for hash in sha256 sha384 sha512; do
		for mode in "" --no-cert --keyid "--keyid --no-cert" --signed-attrs "--signed-attrs --keyid" --embed-cert; do
			n=$((n + 1)); out=b$n.p7b
			# shellcheck disable=SC2086
			check "sign $key $hash $mode" "$IPE_SIGN" sign -q --key $key.key --cert $key.pem --hash $hash $mode pol.txt -o $out
			[ -f $out ] || continue
			# openssl: signature good (no chain check); with -CAfile: chain good
			case "$mode" in
			*--no-cert*)
				check "openssl verify $key $hash $mode" ossl_verify $out pol.txt -noverify -certfile $key.pem
				expect OK $out $key.pem   # the signer cert itself trusted
				expect ENOKEY $out ca.pem # only the CA: leaf not embedded
				;;
			*--keyid*)
				# embedded leaf, signer by SKID: the kernel never matches the signer to the
				# embedded cert, so only the signer's own key is trusted, not its CA
				check "openssl verify $key $hash $mode" ossl_verify $out pol.txt -noverify
				expect ENOKEY $out ca.pem
				expect OK $out $key.pem
				expect ENOKEY $out self.pem
				;;
			*)
				check "openssl verify $key $hash $mode" ossl_verify $out pol.txt -noverify
				check "openssl chain $key $hash $mode" ossl_verify $out pol.txt -CAfile ca.pem -purpose any
				expect OK $out ca.pem
				expect OK $out $key.pem
				expect ENOKEY $out self.pem
				;;
			esac
			# structure: DER, definite length, no S/MIME caps, right digest and signer id
			openssl asn1parse -inform DER -in $out >asn 2>&1 || bad "asn1parse $out"
			grep -q 'inf' asn && bad "$out: indefinite length"
			grep -q 'S/MIME Capabilities' asn && bad "$out: S/MIME capabilities present"
			case "$mode" in
			*--signed-attrs*) grep -q messageDigest asn && grep -q signingTime asn && grep -q contentType asn && ok || bad "$out: signed attrs missing" ;;
			*) grep -q messageDigest asn && bad "$out: unexpected signed attributes" || ok ;;
			esac
			"$IPE_SIGN" inspect --format=json $out >j.json || bad "inspect $out"
			python3 - "$hash" "$mode" <<'PY' && ok || bad "inspect json $out $key $hash $mode"
import json, sys
j = json.load(open("j.json"))
h, mode = sys.argv[1], sys.argv[2]
s = j["signers"][0]
assert j["encoding"] == "DER", j["encoding"]
assert s["digest_algorithm"] == h, s
assert s["identified_by"] == ("subject_key_id" if "--keyid" in mode else "issuer_and_serial"), s
assert len(j["certificates"]) == (0 if "--no-cert" in mode else 1), j["certificates"]
assert j["policy"]["name"] == "signed" and j["policy"]["version"] == "1.2.3", j["policy"]
assert ("smimeCapabilities" not in s["signed_attributes"])
PY
		done
	done
done
echo "option matrix: $n blobs"

# --- determinism (RSA), mode 0644, exact content ------------------------------
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem pol.txt -o d1.p7b
sleep 1
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem pol.txt -o d2.p7b
check "deterministic RSA" cmp d1.p7b d2.p7b
SOURCE_DATE_EPOCH=1700000000 "$IPE_SIGN" sign -q --signed-attrs --key leaf.key --cert leaf.pem pol.txt -o d3.p7b
sleep 1
SOURCE_DATE_EPOCH=1700000000 "$IPE_SIGN" sign -q --signed-attrs --key leaf.key --cert leaf.pem pol.txt -o d4.p7b
check "deterministic with SOURCE_DATE_EPOCH" cmp d3.p7b d4.p7b
# a new output is 0644 minus the umask (ipe_output_write)
[ "$(stat -c %a d1.p7b)" = "$(printf %o $((0644 & ~0$(umask))))" ] && ok || bad "output mode $(stat -c %a d1.p7b) (umask $(umask))"
printf 'policy_name=crlf policy_version=1.0.0\r\nDEFAULT action=ALLOW\r\n' >crlf.txt
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem crlf.txt -o crlf.p7b
"$IPE_SIGN" extract crlf.p7b >crlf.out
check "bytes signed exactly (CRLF kept)" cmp crlf.txt crlf.out
check "openssl sees the same bytes" ossl_verify crlf.p7b crlf.txt -noverify

# --- keys: DER, PKCS#8, encrypted PEM, passphrase sources -------------------
openssl pkey -in leaf.key -outform DER -out leaf.der
openssl x509 -in leaf.pem -outform DER -out leafcert.der
check "DER key + DER cert" "$IPE_SIGN" sign -q --key leaf.der --cert leafcert.der pol.txt -o der.p7b
check "DER key gives the same blob" cmp der.p7b d1.p7b
openssl pkey -in leaf.key -aes256 -passout pass:s3cret -out enc.pem
openssl pkcs8 -topk8 -in leaf.key -v2 aes-256-cbc -passout pass:s3cret -outform DER -out enc.der
echo s3cret >pass.txt
PW=s3cret check "encrypted PEM, env:" env PW=s3cret "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem --pass env:PW pol.txt -o e1.p7b
check "encrypted PEM, file:" "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem --pass file:pass.txt pol.txt -o e2.p7b
check "encrypted PEM, fd:" "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem --pass fd:3 pol.txt -o e3.p7b 3<pass.txt
check "encrypted DER PKCS#8" "$IPE_SIGN" sign -q --key enc.der --cert leaf.pem --pass file:pass.txt pol.txt -o e4.p7b
check "encrypted key gives the same blob" cmp e1.p7b d1.p7b
echo wrong >wrong.txt
check_fails "wrong passphrase" "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem --pass file:wrong.txt pol.txt -o w.p7b
grep -q 'wrong passphrase' out && ok || bad "wrong passphrase message"
check_fails "no passphrase" "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem pol.txt -o w.p7b
grep -q 'encrypted' out && ok || bad "missing passphrase message"
check_fails "passphrase on argv refused" "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem --pass pass:s3cret pol.txt -o w.p7b
check_fails "unset env var" env -u NOPE "$IPE_SIGN" sign -q --key enc.pem --cert leaf.pem --pass env:NOPE pol.txt -o w.p7b
[ -e w.p7b ] && bad "output written on failure" || ok

# --- refusals -------------------------------------------------------------------
check_fails "key/cert mismatch" "$IPE_SIGN" sign -q --key leaf.key --cert ec256.pem pol.txt -o m.p7b
grep -q 'does not match' out && ok || bad "mismatch message"
openssl genrsa -out small.key 1024 2>/dev/null
openssl req -x509 -key small.key -out small.pem -subj /CN=small -days 3 2>/dev/null
check_fails "RSA 1024 refused" "$IPE_SIGN" sign -q --key small.key --cert small.pem pol.txt -o m.p7b
grep -q '1024 bits' out && ok || bad "small key message"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp256k1 -nodes -keyout k1.key -out k1.pem -subj /CN=k1 -days 3 2>/dev/null
check_fails "secp256k1 refused" "$IPE_SIGN" sign -q --key k1.key --cert k1.pem pol.txt -o m.p7b
check_fails "sha1 refused" "$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem --hash sha1 pol.txt -o m.p7b
check_fails "garbage key" "$IPE_SIGN" sign -q --key pol.txt --cert leaf.pem pol.txt -o m.p7b
check_fails "garbage cert" "$IPE_SIGN" sign -q --key leaf.key --cert pol.txt pol.txt -o m.p7b
check_fails "missing key" "$IPE_SIGN" sign -q --key nope.key --cert leaf.pem pol.txt -o m.p7b
printf 'policy_name=bad policy_version=1.0\nDEFAULT action=ALLOW\n' >bad.txt
check_fails "kernel-rejected policy refused" "$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem bad.txt -o m.p7b
grep -q 'IPE-S006' out && grep -q 'bad.txt:1' out && ok || bad "refusal shows diagnostics"
[ -e m.p7b ] && bad "output written on refusal" || ok
check "--force signs it" "$IPE_SIGN" sign -q --force --key leaf.key --cert leaf.pem bad.txt -o f.p7b
expect EBADMSG f.p7b ca.pem
chmod 644 leaf.key
"$IPE_SIGN" sign --key leaf.key --cert leaf.pem pol.txt -o p.p7b 2>err.txt
grep -q 'readable by' err.txt && ok || bad "no warning for a world-readable key"
chmod 600 leaf.key
"$IPE_SIGN" sign --key leaf.key --cert leaf.pem pol.txt -o p.p7b 2>err.txt
grep -q 'readable by' err.txt && bad "warning for a 0600 key" || ok
grep -q 'BEGIN' err.txt && bad "key material printed" || ok
# size limit: 65,535 bytes for the whole blob
{ echo 'policy_name=big policy_version=1.0.0'; echo 'DEFAULT action=ALLOW'
  for i in $(seq 1 700); do printf 'op=EXECUTE fsverity_digest=sha256:%064x action=DENY\n' "$i"; done; } >big.txt
check_fails "blob over 65535 refused" "$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem big.txt -o big.p7b
grep -q 'over the kernel' out && ok || bad "size message"
[ -e big.p7b ] && bad "oversized blob written" || ok
head -c 62000 big.txt | sed '$d' >mid.txt
check "63 KB policy fits" "$IPE_SIGN" sign -q --no-cert --key leaf.key --cert leaf.pem mid.txt -o mid.p7b
[ "$(stat -c %s mid.p7b)" -le 65535 ] && ok || bad "mid.p7b too big"

# --- hostile blobs --------------------------------------------------------------
head -c 100 d1.p7b >trunc1; head -c 700 d1.p7b >trunc2; head -c "$(($(stat -c %s d1.p7b) - 1))" d1.p7b >trunc3
head -c 3000 /dev/urandom >garbage; : >empty
printf '\x30\x80\x30\x80\x30\x80\x30\x80' >indef; python3 -c 'import sys; sys.stdout.buffer.write(b"\x30\x80"*5000)' >deep
for f in trunc1 trunc2 trunc3 garbage empty indef deep; do
	expect EBADMSG $f ca.pem
	check_fails "inspect $f" "$IPE_SIGN" inspect $f
	check_fails "extract $f" "$IPE_SIGN" extract $f
done
check_fails "verify without trust" "$IPE_SIGN" verify d1.p7b
check "help" "$IPE_SIGN" --help

# --- --keyid with the leaf embedded: warned (only loads with the signer's own key trusted) ---
check "sign --keyid (embedded)" "$IPE_SIGN" sign --key leaf.key --cert leaf.pem --keyid pol.txt -o kw.p7b
grep -q 'IPE-S016' out && grep -q "signer's own key" out && ok || { bad "--keyid --embed-cert warning"; cat out >&2; }
check "sign --keyid --no-cert" "$IPE_SIGN" sign --key leaf.key --cert leaf.pem --keyid --no-cert pol.txt -o kn.p7b
grep -q 'IPE-S016' out && bad "--keyid --no-cert must not warn" || ok
check "sign (issuer+serial)" "$IPE_SIGN" sign --key leaf.key --cert leaf.pem pol.txt -o ki.p7b
grep -q 'IPE-S016' out && bad "issuer+serial must not warn" || ok

# --- option parsing: every option of every subcommand, both spellings --------------
# (a value in the next word must never be taken for the input file, or vice versa)
for form in sep eq; do
	o() { if [ $form = sep ]; then printf '%s\n%s\n' "$1" "$2"; else printf '%s=%s\n' "$1" "$2"; fi; }
	mapfile -t opt_K < <(o --key leaf.key); mapfile -t opt_C < <(o --cert leaf.pem); mapfile -t opt_H < <(o --hash sha384)
	mapfile -t opt_O < <(o --output p-$form.p7b); mapfile -t opt_A < <(o --add-cert ca.pem)
	check "sign options ($form)" "$IPE_SIGN" sign "${opt_K[@]}" "${opt_C[@]}" "${opt_H[@]}" "${opt_A[@]}" "${opt_O[@]}" pol.txt
	"$IPE_SIGN" inspect --format=json p-$form.p7b | grep -q '"sha384"' && ok || bad "sign $form: --hash not applied"
	[ "$("$IPE_SIGN" inspect --format=json p-$form.p7b | grep -c '"subject"')" -ge 2 ] && ok || bad "sign $form: --add-cert not applied"
	check "sign options, policy first ($form)" "$IPE_SIGN" sign pol.txt "${opt_K[@]}" "${opt_C[@]}" "${opt_O[@]}"
	mapfile -t opt_T < <(o --trust ca.pem)
	expect OK p-$form.p7b ca.pem
	check "verify --trust ($form)" "$IPE_SIGN" verify "${opt_T[@]}" p-$form.p7b
	check "verify --trust, blob first ($form)" "$IPE_SIGN" verify p-$form.p7b "${opt_T[@]}"
	mapfile -t opt_F < <(o --format json)
	check "inspect --format ($form)" "$IPE_SIGN" inspect "${opt_F[@]}" p-$form.p7b
	grep -q '"signers"' out && ok || bad "inspect --format $form: not json"
	mapfile -t opt_X < <(o --output x-$form.txt)
	check "extract --output ($form)" "$IPE_SIGN" extract "${opt_X[@]}" p-$form.p7b
	cmp -s x-$form.txt pol.txt && ok || bad "extract $form: wrong content"
	check "extract --output, blob first ($form)" "$IPE_SIGN" extract p-$form.p7b "${opt_X[@]}"
	cmp -s x-$form.txt pol.txt && ok || bad "extract $form (blob first): wrong content"
	# key-add --keyring KEYRING CERT: the keyring is the keyring, the cert the cert
	mapfile -t opt_R < <(o --keyring .ipe_no_such_ring)
	for order in ring-first cert-first; do
		if [ $order = ring-first ]; then args=("${opt_R[@]}" ca.pem); else args=(ca.pem "${opt_R[@]}"); fi
		"$IPE_SIGN" key-add "${args[@]}" >out 2>&1
		rc=$?
		[ $rc -eq 1 ] && grep -q "keyring '.ipe_no_such_ring' not found" out && grep -q 'ca.pem: not added to .ipe_no_such_ring' out &&
			ok || { bad "key-add ${args[*]} (exit $rc)"; cat out >&2; }
	done
done
check_fails "key-add --keyring without a value" "$IPE_SIGN" key-add ca.pem --keyring
grep -q "requires an argument" out && ok || bad "key-add --keyring: message"
check_fails "verify --keyring KEYRING BLOB (space)" "$IPE_SIGN" verify --keyring @s d1.p7b
grep -q "keyring=@s" out && ok || bad "verify --keyring space: hint"
check_fails "option of another command" "$IPE_SIGN" inspect --trust ca.pem d1.p7b
grep -q "does not apply" out && ok || bad "misplaced option message"
check_fails "signing option to verify" "$IPE_SIGN" verify --trust ca.pem --key leaf.key d1.p7b
check_fails "--format to sign" "$IPE_SIGN" sign --key leaf.key --cert leaf.pem --format json pol.txt -o z.p7b
[ -e z.p7b ] && bad "z.p7b written despite a usage error" || ok
check_fails "unknown command" "$IPE_SIGN" frobnicate d1.p7b
finish
