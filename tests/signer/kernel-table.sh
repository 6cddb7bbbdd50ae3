#!/bin/bash
# Every row of IPE-KERNEL.md section 3, produced with the openssl CLI, and
# the kernel result predicted by ipe-sign verify.
. "$(dirname "$0")/lib.sh"

mkca ca
mkca ca2
mkleaf leaf ca
mkleaf other ca2
mkleaf ec256 ca ec -pkeyopt ec_paramgen_curve:P-256
mkleaf ec384 ca ec -pkeyopt ec_paramgen_curve:P-384
mkleaf rsa3072 ca rsa:3072
mkleaf noakid ca
openssl req -new -newkey rsa:2048 -nodes -keyout noakid.key -out noakid.csr -subj /CN=noakid 2>/dev/null
printf 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=none\n' >noakid.ext
openssl x509 -req -in noakid.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out noakid.pem -days 30 -extfile noakid.ext 2>/dev/null
policy pol.txt table

S() { # S OUT KEY [openssl cms options...]: sign pol.txt with openssl
	local out=$1 k=$2; shift 2
	openssl cms -sign -in "${IN:-pol.txt}" -signer $k.pem -inkey $k.key -outform DER -out "$out" "$@" 2>"$T/ossl.err" ||
		{ bad "openssl cms -sign $out $*"; cat "$T/ossl.err" >&2; }
}
NB="-nodetach -binary"

# RSA 2048/3072 PKCS#1 v1.5 with sha256, sha224, sha384, sha512, sha3-256: OK
for md in sha256 sha224 sha384 sha512 sha3-256; do
	S rsa-$md.p7b leaf $NB -noattr -md $md; expect OK rsa-$md.p7b ca.pem
	S rsa3072-$md.p7b rsa3072 $NB -noattr -md $md; expect OK rsa3072-$md.p7b ca.pem
done
# ECDSA P-256 (sha256, sha512), P-384 (sha384): OK
S ec256-256.p7b ec256 $NB -noattr -md sha256; expect OK ec256-256.p7b ca.pem
S ec256-512.p7b ec256 $NB -noattr -md sha512; expect OK ec256-512.p7b ca.pem
S ec384-384.p7b ec384 $NB -noattr -md sha384; expect OK ec384-384.p7b ca.pem
# no signed attributes; or signed attributes without S/MIME capabilities: OK
S noattr.p7b leaf $NB -noattr; expect OK noattr.p7b ca.pem
S nocaps.p7b leaf $NB -nosmimecap; expect OK nocaps.p7b ca.pem
# signed attributes including S/MIME capabilities (openssl default): EKEYREJECTED
S caps.p7b leaf $NB; expect EKEYREJECTED caps.p7b ca.pem
grep -q 'S/MIME' "$T/vout" && ok || bad "caps reason"
# signer by issuer+serial, or by subject key identifier: OK when the signer's key is trusted
S keyid.p7b leaf $NB -noattr -keyid; expect OK keyid.p7b leaf.pem
# ... but a signer identified by subject key identifier is never matched to the embedded
# leaf (pkcs7_find_key compares issuer+serial only): the CA alone is not enough (kernel: ENOKEY)
expect ENOKEY keyid.p7b ca.pem
grep -q 'subject key identifier' "$T/vout" && ok || bad "keyid+embedded leaf: reason"
S keyid-attr.p7b leaf $NB -nosmimecap -keyid; expect ENOKEY keyid-attr.p7b ca.pem; expect OK keyid-attr.p7b leaf.pem
# signer cert not embedded, signer cert in the keyring: OK
S nocerts.p7b leaf $NB -noattr -nocerts; expect OK nocerts.p7b leaf.pem
S nocerts-keyid.p7b leaf $NB -noattr -nocerts -keyid; expect OK nocerts-keyid.p7b leaf.pem
# leaf cert embedded, its issuing CA in the keyring: OK
expect OK noattr.p7b ca.pem
# ... but a leaf without an authority key identifier cannot be chained
S noakid.p7b noakid $NB -noattr; expect ENOKEY noakid.p7b ca.pem; expect OK noakid.p7b noakid.pem
# leaf cert not embedded, only its CA in the keyring: ENOKEY
expect ENOKEY nocerts.p7b ca.pem
# untrusted key: ENOKEY
expect ENOKEY noattr.p7b ca2.pem
expect ENOKEY noattr.p7b other.pem
# two signers, one trusted and one not: OK
S two.p7b leaf $NB -noattr -signer other.pem -inkey other.key
expect OK two.p7b ca.pem; expect OK two.p7b ca2.pem; expect ENOKEY two.p7b ec256.pem
# sha1, RSA-PSS: ENOPKG
S sha1.p7b leaf $NB -noattr -md sha1; expect ENOPKG sha1.p7b ca.pem
S pss.p7b leaf $NB -noattr -keyopt rsa_padding_mode:pss; expect ENOPKG pss.p7b ca.pem
# detached signature: EKEYREJECTED
S detached.p7b leaf -binary -noattr; expect EKEYREJECTED detached.p7b ca.pem
# streamed (indefinite-length) encoding: EKEYREJECTED
S stream.p7b leaf $NB -noattr -stream
openssl asn1parse -inform DER -in stream.p7b | grep -q inf && ok || bad "stream.p7b is not indefinite-length"
expect EKEYREJECTED stream.p7b ca.pem
S stream-nocert.p7b leaf $NB -noattr -stream -nocerts; expect EKEYREJECTED stream-nocert.p7b leaf.pem
# content changed after signing: EKEYREJECTED
for src in noattr nocerts nocaps; do
	off=$(grep -abo 'policy_name=table' $src.p7b | head -1 | cut -d: -f1)
	cp $src.p7b changed-$src.p7b
	printf 'X' | dd of=changed-$src.p7b bs=1 seek=$((off + 12)) conv=notrunc 2>/dev/null
done
expect EKEYREJECTED changed-noattr.p7b ca.pem
expect EKEYREJECTED changed-nocerts.p7b leaf.pem
expect EKEYREJECTED changed-nocaps.p7b ca.pem
# PEM instead of DER: EBADMSG
openssl cms -sign -in pol.txt -signer leaf.pem -inkey leaf.key $NB -noattr -outform PEM -out pem.p7b
expect EBADMSG pem.p7b ca.pem
# MIME header in the content (-text): EBADMSG (the policy text is wrong)
S text.p7b leaf -nodetach -noattr -text; expect EBADMSG text.p7b ca.pem
# empty content: EBADMSG
: >empty.txt
IN=empty.txt S empty.p7b leaf $NB -noattr; expect EBADMSG empty.p7b ca.pem
# whole blob larger than 65,535 bytes: EMSGSIZE
{ echo 'policy_name=big policy_version=1.0.0'; echo 'DEFAULT action=ALLOW'
  for i in $(seq 1 700); do printf 'op=EXECUTE fsverity_digest=sha256:%064x action=DENY\n' "$i"; done; } >big.txt
IN=big.txt S big.p7b leaf $NB -noattr; expect EMSGSIZE big.p7b ca.pem
# a policy the kernel parser rejects, validly signed: the parser's errno
printf 'policy_name=v policy_version=65536.0.0\nDEFAULT action=ALLOW\n' >range.txt
IN=range.txt S range.p7b leaf $NB -noattr; expect ERANGE range.p7b ca.pem
# not signedData at all: EINVAL (kernel: only pkcs7_signedData)
openssl cms -data_create -in pol.txt -outform DER -out data.p7b -binary
expect EINVAL data.p7b ca.pem
# The kernel parses each embedded certificate where it appears, as
# x509_cert_parse() does, and a failure fails the whole blob (checked on a
# real kernel by tests/kernel/run.py corrupt):
openssl x509 -in ca.pem -outform DER -out ca.der
S self.p7b ca $NB -noattr
expect OK self.p7b ca.pem
patch_cert() { # patch_cert IN OUT PYEXPR: rewrite the embedded ca.der inside IN
	python3 - "$1" "$2" "$3" <<'PY'
import sys
blob = open(sys.argv[1], "rb").read()
der = open("ca.der", "rb").read()
i = blob.index(der)
cert = bytearray(der)
exec(sys.argv[3])
open(sys.argv[2], "wb").write(blob[:i] + bytes(cert) + blob[i + len(der):])
PY
}
# - a self-signed certificate whose self-signature no longer verifies (its
#   serial changed): EKEYREJECTED for the whole blob, even though the signer
#   itself (now matched by nothing embedded) is trusted by its issuer+serial
patch_cert self.p7b badself.p7b 'cert[15] ^= 0x01'
expect EKEYREJECTED badself.p7b ca.pem
grep -q 'self-signature' "$T/vout" && ok || bad "badself reason"
# - signatureAlgorithm differing from the signed algorithm: EINVAL
patch_cert self.p7b sigalg.p7b 'j = cert.rindex(bytes.fromhex("2a864886f70d01010b")); cert[j + 8] = 0x0c'
expect EINVAL sigalg.p7b ca.pem
# - a time the kernel cannot decode: EBADMSG
patch_cert self.p7b badtime.p7b 'j = cert.index(b"Z", 40); cert[j] = 0x41'
expect EBADMSG badtime.p7b ca.pem
# SignedData whose signerInfos is an empty SET: EBADMSG (an empty SET OF
# does not decode); without the [0] SignedData at all: EINVAL (no signers)
python3 - self.p7b <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
def hdr(n):
    return bytes([n]) if n < 128 else (bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255]))
def tlv(tag, body):
    return bytes([tag]) + hdr(len(body)) + body
def parse(d):  # contents of the TLV at d: (tag, body, rest)
    t, l = d[0], d[1]
    o = 2
    if l & 0x80:
        n = l & 0x7f
        l = int.from_bytes(d[2:2 + n], "big")
        o = 2 + n
    return t, d[o:o + l], d[o + l:]
_, ci, _ = parse(b)
_, oid_and_rest = ci[:0], ci
t_oid, oid, rest = parse(ci)
_, sd0, _ = parse(rest)
_, sd, _ = parse(sd0)
items = []
while sd:
    t, body, sd = parse(sd)
    items.append((t, body))
items[-1] = (0x31, b"")
sdn = tlv(0x30, b"".join(tlv(t, body) for t, body in items))
open("nosigners.p7b", "wb").write(tlv(0x30, tlv(0x06, oid) + tlv(0xa0, sdn)))
open("nosd.p7b", "wb").write(tlv(0x30, tlv(0x06, oid)))
PY
expect EBADMSG nosigners.p7b ca.pem
expect EINVAL nosd.p7b ca.pem
# our own blobs agree with openssl's
"$IPE_SIGN" sign -q --key leaf.key --cert leaf.pem pol.txt -o ours.p7b
check "ours == openssl -noattr (RSA is deterministic)" cmp ours.p7b noattr.p7b
finish
