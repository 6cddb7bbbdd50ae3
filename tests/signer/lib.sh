# Shared helpers for the signer shell tests (sourced).
set -u
IPE_SIGN=${IPE_SIGN:-$(dirname "$0")/../../build/src/tools/ipe-sign}
T=$(mktemp -d /tmp/ipe-sign-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 99
umask 077
PASS=0
FAILS=0
ok() { PASS=$((PASS + 1)); }
bad() { FAILS=$((FAILS + 1)); echo "FAIL: $*" >&2; }
check() { # check DESC CMD...: CMD must succeed
	local d=$1; shift
	if "$@" >"$T/out" 2>&1; then ok; else bad "$d"; sed 's/^/    /' "$T/out" >&2; fi
}
check_fails() { # CMD must fail (exit 1..3), not crash
	local d=$1; shift
	"$@" >"$T/out" 2>&1
	local rc=$?
	if [ $rc -ge 1 ] && [ $rc -le 3 ]; then ok; else bad "$d (exit $rc)"; sed 's/^/    /' "$T/out" >&2; fi
}
# expect ERRNO BLOB TRUST...: ipe-sign verify predicts ERRNO ("OK" for accepted)
expect() {
	local want=$1 blob=$2; shift 2
	local args=() c
	for c in "$@"; do args+=(--trust "$c"); done
	"$IPE_SIGN" verify "${args[@]}" "$blob" >"$T/vout" 2>&1
	local rc=$? got
	got=$(head -1 "$T/vout" | sed -n 's/^[^:]*: \([A-Z]*\):.*/\1/p')
	local exp_rc=1
	[ "$want" = OK ] && exp_rc=0
	if [ "$got" = "$want" ] && [ $rc -eq $exp_rc ]; then
		ok
	else
		bad "verify $blob: want $want, got '$got' (exit $rc)"
		sed 's/^/    /' "$T/vout" >&2
	fi
}
ossl_verify() { # the content must verify with openssl and equal FILE
	local blob=$1 want=$2; shift 2
	openssl cms -verify -binary -inform DER -in "$blob" -out "$T/ossl.out" "$@" >/dev/null 2>"$T/ossl.err" &&
		cmp -s "$T/ossl.out" "$want"
}
policy() { # policy FILE NAME
	printf 'policy_name=%s policy_version=1.2.3\nDEFAULT action=ALLOW\nop=EXECUTE fsverity_digest=sha256:%s action=DENY\n' \
		"$2" "$(printf %064d 0)" >"$1"
}
mkca() { # mkca NAME: self-signed CA with SKID/AKID
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.pem" -subj "/CN=$1" -days 30 \
		-addext basicConstraints=critical,CA:TRUE -addext subjectKeyIdentifier=hash 2>/dev/null
}
mkleaf() { # mkleaf NAME CA [keyopts...]
	local n=$1 ca=$2; shift 2
	[ $# -eq 0 ] && set -- rsa:2048
	openssl req -new -newkey "$@" -nodes -keyout "$n.key" -out "$n.csr" -subj "/CN=$n" 2>/dev/null &&
	printf 'subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n' >"$n.ext" &&
	openssl x509 -req -in "$n.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -out "$n.pem" -days 30 \
		-extfile "$n.ext" 2>/dev/null
}
finish() {
	echo "$PASS checks passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}
