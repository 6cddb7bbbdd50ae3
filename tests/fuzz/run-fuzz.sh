#!/bin/sh
# Run the parser fuzzer briefly; fail on any crash, leak or sanitizer report.
#   IPE_FUZZ_SECONDS  run time (default 30)
#   IPE_FUZZ_BUILD    the clang fuzzing build dir (default <source>/build-fuzz)
# Exit 77 (skipped) when clang or libFuzzer is not available.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${IPE_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
secs=${IPE_FUZZ_SECONDS:-30}
bin=""

if [ -n "${IPE_BUILD_ROOT:-}" ] && [ -x "$IPE_BUILD_ROOT/tests/fuzz/fuzz_parser" ]; then
	bin=$IPE_BUILD_ROOT/tests/fuzz/fuzz_parser
else
	clang=$(command -v clang || command -v clang-14 || true)
	if [ -z "$clang" ]; then
		echo "SKIP: clang not found"; exit 77
	fi
	probe=$(mktemp -d)
	printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
	if ! "$clang" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >/dev/null 2>&1; then
		rm -rf "$probe"
		echo "SKIP: libFuzzer not available for $clang (apt-get install libclang-rt-14-dev)"; exit 77
	fi
	rm -rf "$probe"
	build=${IPE_FUZZ_BUILD:-$src/build-fuzz}
	if [ ! -f "$build/build.ninja" ]; then
		log=$(mktemp)
		CC=$clang meson setup "$build" "$src" -Dfuzzing=true -Dkernel_tests=false \
			-Db_sanitize=address,undefined -Db_lundef=false \
			-Dc_args=-fsanitize=fuzzer-no-link >"$log" 2>&1 || {
			cat "$log"; rm -f "$log"; echo "FAIL: cannot configure $build"; exit 1; }
		rm -f "$log"
	fi
	ninja -C "$build" -j2 tests/fuzz/fuzz_parser || { echo "FAIL: cannot build the fuzzer"; exit 1; }
	bin=$build/tests/fuzz/fuzz_parser
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus"
cp "$here"/seeds/* "$work/corpus/" 2>/dev/null
for f in "$src"/tests/corpus/cases/*.pol; do
	[ -f "$f" ] && cp "$f" "$work/corpus/"
done
echo "fuzzing $bin for ${secs}s with $(ls "$work/corpus" | wc -l) seeds"

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
"$bin" -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
	-dict="$here/ipe.dict" -artifact_prefix="$work/" -print_final_stats=1 \
	"$work/corpus" >"$work/log" 2>&1
rc=$?
tail -n 25 "$work/log"
if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$work/log"; then
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
		[ -f "$a" ] || continue
		echo "reproducer $(basename "$a") (hex):"; od -An -tx1 "$a" | head -20
	done
	echo "FAIL: the fuzzer found a problem (exit $rc)"
	exit 1
fi
echo "PASS: no crash, leak or sanitizer report"
