#!/bin/sh
# Parse + verdict benchmark: builds libipe with -O2 (buildtype=release) in
# its own build dir, generates policies of 1k, 100k and 1M rules, and reports
# throughput (MB/s, best of N runs) and the peak RSS of a process that parses
# each policy once (input buffer included).
#   BENCH_BUILD  build dir (default <source>/build-bench)
#   BENCH_SIZES  rule counts (default "1000 100000 1000000")
#   BENCH_DIR    where generated policies are kept (default /tmp/ipe-bench)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=${BENCH_BUILD:-$src/build-bench}
sizes=${BENCH_SIZES:-"1000 100000 1000000"}
dir=${BENCH_DIR:-/tmp/ipe-bench}
cc=${CC:-cc}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$src" --buildtype=release -Dtests=disabled -Dkernel_tests=false >/dev/null
fi
ninja -C "$build" -j2 src/libipe-internal.a >/dev/null
$cc -O2 -std=c17 -D_GNU_SOURCE -Wall -Wextra -I"$src/include" -o "$build/parse_bench" "$here/parse_bench.c" \
	-Wl,--whole-archive "$build/src/libipe-internal.a" -Wl,--no-whole-archive \
	$(pkg-config --libs libcrypto json-c zlib libcryptsetup) -lkeyutils -pthread $(test -e /usr/include/libfsverity.h && echo -lfsverity)

mkdir -p "$dir"
printf '%-9s %10s %9s %10s %10s %10s %9s\n' rules bytes time MB/s cpuMB/s peakRSS RSS/input
for n in $sizes; do
	f=$dir/policy-$n.pol
	[ -f "$f" ] || python3 "$here/gen_policy.py" "$n" "$f"
	# throughput: best of 5 (3 for the largest)
	rep=5; [ "$n" -ge 1000000 ] && rep=3
	out=$("$build/parse_bench" "$f" "$rep")
	# peak RSS: a single parse in a fresh process
	rss=$("$build/parse_bench" "$f" 1)
	bytes=$(echo "$out" | sed 's/.*bytes=\([0-9]*\).*/\1/')
	t=$(echo "$out" | sed 's/.*time=\([0-9.]*\)s.*/\1/')
	mbs=$(echo "$out" | sed 's/.* throughput=\([0-9.]*\)MB.*/\1/')
	cpu=$(echo "$out" | sed 's/.*cpu_throughput=\([0-9.]*\)MB.*/\1/')
	peak=$(echo "$rss" | sed 's/.*peak_rss=\([0-9.]*\)MB.*/\1/')
	ratio=$(echo "$rss" | sed 's/.*rss\/input=\([0-9.]*\).*/\1/')
	echo "$out" | grep -q verdict=accepted || { echo "policy $f not accepted: $out"; exit 1; }
	printf '%-9s %10s %8ss %10s %10s %8sMB %9s\n' "$n" "$bytes" "$t" "$mbs" "$cpu" "$peak" "$ratio"
done
