#!/bin/bash
# Sign latency of a ~63 KB policy: one ipe-sign process (front-end check +
# CMS signing + atomic write) vs one `openssl cms -sign` process.
# Usage: bench/sign/bench-sign.sh [IPE_SIGN] [RUNS]   Target: ratio <= 1.2.
set -eu
IPE_SIGN=${1:-${IPE_SIGN:-build/src/tools/ipe-sign}}
RUNS=${2:-50}
IPE_SIGN=$(realpath "$IPE_SIGN")
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cd "$T"
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out c.pem -subj /CN=bench -days 2 2>/dev/null
chmod 600 k.pem
{ echo 'policy_name=bench policy_version=1.0.0'; echo 'DEFAULT action=ALLOW'
  i=0; while :; do i=$((i + 1)); printf 'op=EXECUTE fsverity_digest=sha256:%064x action=DENY\n' $i
  [ $i -ge 566 ] && break; done; } >pol.txt
echo "policy: $(stat -c %s pol.txt) bytes, $RUNS runs each"
ms() { # ms CMD...: median wall time in ms
	local t=() s e
	for _ in $(seq "$RUNS"); do
		s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N)
		t+=($(( (e - s) / 1000 )))
	done
	printf '%s\n' "${t[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f\n", a[int((NR+1)/2)]/1000}'
}
"$IPE_SIGN" sign -q --no-cert --key k.pem --cert c.pem pol.txt -o ours.p7b
openssl cms -sign -binary -nodetach -noattr -nocerts -in pol.txt -signer c.pem -inkey k.pem -outform DER -out theirs.p7b
cmp ours.p7b theirs.p7b && echo "outputs identical ($(stat -c %s ours.p7b) bytes)"
# ipe-sign -o FILE is atomic and durable (fsync before rename); openssl is not.
a=$(ms "$IPE_SIGN" sign -q --no-cert --key k.pem --cert c.pem pol.txt -o ours.p7b)
s=$(ms sh -c "'$IPE_SIGN' sign -q --no-cert --key k.pem --cert c.pem pol.txt -o - >ours2.p7b")
b=$(ms sh -c "openssl cms -sign -binary -nodetach -noattr -nocerts -in pol.txt -signer c.pem -inkey k.pem -outform DER >theirs2.p7b")
echo "ipe-sign sign -o FILE (atomic+fsync):  $a ms (median)"
echo "ipe-sign sign -o - >FILE:             $s ms"
echo "openssl cms -sign >FILE:              $b ms"
awk -v a="$a" -v s="$s" -v b="$b" 'BEGIN {printf "ratio, same output path (stdout): %.2fx (target <= 1.20x)\nratio, atomic+fsync vs plain:     %.2fx\n", s / b, a / b}'
