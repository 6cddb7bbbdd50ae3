#!/bin/sh
# SPDX-License-Identifier: MIT
# Explaining a tree vs digesting it: ipe-explain -r TREE --assume-fsverity against
# ipe-digest -r TREE, both as processes with default options (text output to /dev/null),
# on N files (default 10000, 1-16 KiB each, deterministic) under a policy that pins every
# file by digest (N rules: the worst case for a linear rule scan) and one that pins none.
# Usage: bench/explain/run.sh [BUILD_DIR] [N] [RUNS]
set -eu
BUILD=${1:-build}
N=${2:-10000}
RUNS=${3:-3}
EXPLAIN=$BUILD/src/tools/ipe-explain
DIGEST=$BUILD/src/tools/ipe-digest
for t in "$EXPLAIN" "$DIGEST"; do
	[ -x "$t" ] || { echo "missing $t (build first)" >&2; exit 2; }
done
TMP=$(mktemp -d /tmp/bench-explain.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 - "$TMP/tree" "$N" <<'PY'
import os, random, sys
root, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(1)
for i in range(n):
    d = os.path.join(root, "d%03d" % (i % 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "wb") as f:
        f.write(rnd.randbytes(rnd.randint(1024, 16384)))
PY
du -sh "$TMP/tree" | sed 's/^/tree: /'
"$DIGEST" -r -f rules "$TMP/tree" >"$TMP/rules"
{ printf 'policy_name=bench policy_version=1.0.0\nDEFAULT action=ALLOW\nDEFAULT op=EXECUTE action=DENY\n'
  cat "$TMP/rules"; } >"$TMP/all.pol"
printf 'policy_name=bench policy_version=1.0.0\nDEFAULT action=ALLOW\nDEFAULT op=EXECUTE action=DENY\nop=EXECUTE boot_verified=TRUE action=ALLOW\n' >"$TMP/none.pol"
echo "policy all: $(grep -c fsverity_digest "$TMP/all.pol") digest rules; policy none: 1 rule"

# median wall time (s) and max RSS (KiB) of RUNS runs of a command
measure() {
	i=0
	: >"$TMP/times"
	while [ $i -lt "$RUNS" ]; do
		/usr/bin/time -f '%e %M' -o "$TMP/t1" "$@" >/dev/null 2>"$TMP/err" || { cat "$TMP/err" >&2; exit 1; }
		cat "$TMP/t1" >>"$TMP/times"
		i=$((i + 1))
	done
	sort -n "$TMP/times" | awk -v r="$RUNS" 'NR == int((r + 1) / 2) { printf "%6.2f s  %7d KiB", $1, $2 }'
}
# warm the page cache once
"$DIGEST" -r "$TMP/tree" >/dev/null
printf '%-48s %s\n' "ipe-digest -r TREE" "$(measure "$DIGEST" -r "$TMP/tree")"
printf '%-48s %s\n' "ipe-explain none.pol -r TREE --assume-fsverity" "$(measure "$EXPLAIN" "$TMP/none.pol" -r "$TMP/tree" --assume-fsverity)"
printf '%-48s %s\n' "ipe-explain all.pol -r TREE --assume-fsverity" "$(measure "$EXPLAIN" "$TMP/all.pol" -r "$TMP/tree" --assume-fsverity)"
printf '%-48s %s\n' "ipe-explain all.pol -r TREE (kernel measurement)" "$(measure "$EXPLAIN" "$TMP/all.pol" -r "$TMP/tree")"
"$EXPLAIN" "$TMP/all.pol" -r "$TMP/tree" --assume-fsverity -q --expect=allow | sed 's/^/check: /'
