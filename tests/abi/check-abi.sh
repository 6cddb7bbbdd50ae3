#!/bin/sh
# ABI check of libipe.so.0 against the committed baseline (tests/abi/libipe.abi)
# with abidiff (Debian package abigail-tools).
#
#   check-abi.sh             compare the built library with the baseline: fail on
#                            any incompatible change (a removed or changed function
#                            or type); added functions are reported and pass.
#   check-abi.sh --update    rewrite the baseline from the built library (do this
#                            only for a deliberate, reviewed ABI change).
#
# The comparison is limited to the types reachable from include/ipe/ (the public
# headers).  It needs DWARF debug info in the library (any buildtype but
# 'release'/'minsize', or -g): without it the check fails rather than pretend.
set -eu
: "${IPE_BUILD_ROOT:?}" "${IPE_SOURCE_ROOT:?}"
base="$IPE_SOURCE_ROOT/tests/abi/libipe.abi"
so="$IPE_BUILD_ROOT/src/libipe.so.0"
hd="$IPE_SOURCE_ROOT/include/ipe"
for t in abidw abidiff readelf; do
	command -v "$t" >/dev/null 2>&1 || { echo "not ok - $t not found (apt-get install abigail-tools binutils)"; exit 1; }
done
[ -e "$so" ] || { echo "not ok - $so not built"; exit 1; }
if ! readelf -S "$so" | grep -q '\.debug_info'; then
	echo "not ok - $so has no debug info: the ABI check needs -g (buildtype debug, debugoptimized or plain with -g)"
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Only the types declared in the public headers; opaque types stay opaque.
abidw --headers-dir "$hd" --drop-private-types --no-corpus-path --no-comp-dir-path --no-show-locs \
	--drop-undefined-syms --type-id-style hash --out-file "$tmp/cur.abi" "$so"
if [ "${1:-}" = --update ]; then
	cp "$tmp/cur.abi" "$base"
	echo "wrote $base"
	exit 0
fi
[ -f "$base" ] || { echo "not ok - baseline $base missing (run $0 --update)"; exit 1; }
rc=0
abidiff "$base" "$tmp/cur.abi" >"$tmp/diff" 2>&1 || rc=$?
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change,
# 8 incompatible change.  abidiff sets 8 only for removals, so a changed
# struct layout is "4": accept a change only when it adds and nothing else.
if [ "$rc" -eq 0 ]; then
	echo "ok - ABI identical to tests/abi/libipe.abi"
	exit 0
fi
cat "$tmp/diff"
if [ $((rc & 3)) -ne 0 ]; then
	echo "not ok - abidiff failed (exit $rc)"; exit 1
fi
if [ $((rc & 8)) -eq 0 ] &&
	! grep -Eq '(^|: )[1-9][0-9]* (Removed|Changed)|changes summary: .*[1-9][0-9]* (Removed|Changed)' "$tmp/diff"; then
	echo "ok - compatible ABI additions only (listed above; refresh the baseline with $0 --update when releasing)"
	exit 0
fi
echo "not ok - incompatible ABI change against tests/abi/libipe.abi (see above): a removed or changed function,"
echo "# variable or public type.  If it is deliberate, bump the soname and rewrite the baseline with --update."
exit 1
