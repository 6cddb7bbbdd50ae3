#!/bin/sh
# Binary form load time vs text parse time (bench_binary.c): builds libipe
# with -O2 (buildtype=release) in its own build dir, generates policies of
# 1k, 100k and 1M rules with ../gen_policy.py (mixed rules) and a
# digest-only variant, and prints, best of N runs, in process:
#   text parse+verdict, binary load (checksum + full validation, including
#   the in-place check of the stored digest index), of which SHA-256; the
#   encoder's index build (index_s: what the encoder spends on the index, not
#   part of loading); binary encode; canonical emit of the loaded model.
#   BENCH_BUILD  build dir (default <source>/build-bench)
#   BENCH_SIZES  rule counts (default "1000 100000 1000000")
#   BENCH_DIR    where generated policies are kept (default /tmp/ipe-bench)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
build=${BENCH_BUILD:-$src/build-bench}
sizes=${BENCH_SIZES:-"1000 100000 1000000"}
dir=${BENCH_DIR:-/tmp/ipe-bench}
cc=${CC:-cc}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" --buildtype=release -Dtests=disabled -Dkernel_tests=false >/dev/null
fi
ninja -C "$build" -j2 src/libipe-internal.a >/dev/null
$cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$src/include" -o "$build/bench_binary" "$here/bench_binary.c" \
	-Wl,--whole-archive "$build/src/libipe-internal.a" -Wl,--no-whole-archive \
	$(pkg-config --libs libcrypto json-c zlib) -lkeyutils $(test -e /usr/include/libfsverity.h && echo -lfsverity)

mkdir -p "$dir"
printf '%-9s %-9s %11s %11s %9s %9s %8s %9s %9s %9s %9s\n' kind rules text_bytes bin_bytes parse_s load_s speedup sha256_s index_s encode_s emit_s
for n in $sizes; do
	f=$dir/policy-$n.pol
	[ -f "$f" ] || python3 "$here/../gen_policy.py" "$n" "$f"
	g=$dir/digests-$n.pol
	[ -f "$g" ] || python3 - "$n" "$g" <<'PY'
import sys
n, out = int(sys.argv[1]), sys.argv[2]
with open(out, "w") as f:
    f.write("policy_name=bench policy_version=1.0.0\nDEFAULT action=DENY\n")
    for i in range(n):
        f.write("op=EXECUTE fsverity_digest=sha256:%064x action=ALLOW\n" % (i * 2654435761 % (1 << 256)))
PY
	runs=5
	[ "$n" -ge 1000000 ] && runs=3
	printf '%-9s ' mixed; "$build/bench_binary" "$f" $runs
	printf '%-9s ' digests; "$build/bench_binary" "$g" $runs
done
