#!/bin/sh
# Run one libFuzzer target briefly; fail on any crash, leak or sanitizer report.
#   run-fuzz.sh fuzz_parser   the front end (seeds: seeds/ and the corpus)
#   run-fuzz.sh fuzz_binary   the binary-form decoder (seeds: the corpus compiled
#                             with $IPE_COMPILE -f binary)
#   run-fuzz.sh fuzz_compile  the extension compiler, includes from an in-memory table
#   run-fuzz.sh fuzz_blob     the signed-blob verifier, inspector and extractor
#   run-fuzz.sh fuzz_audit    the audit-record reader
#   run-fuzz.sh fuzz_lint     the linter, its claims proven on each input
#                             (seeds: the lint and corpus test policies)
# Every target also starts from its committed minimised corpus, corpus/TARGET/
# (see README.md).
#   IPE_FUZZ_SECONDS  run time (default 30)
#   IPE_FUZZ_BUILD    the clang fuzzing build dir (default <source>/build-fuzz)
# Exit 77 (skipped) when clang or libFuzzer is not available.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${IPE_SOURCE_ROOT:-$(cd "$here/../.." && pwd)}
secs=${IPE_FUZZ_SECONDS:-30}
target=${1:-fuzz_parser}
bin=""
case $target in
fuzz_parser | fuzz_binary | fuzz_compile | fuzz_blob | fuzz_audit | fuzz_lint) ;;
*) echo "usage: run-fuzz.sh fuzz_parser|fuzz_binary|fuzz_compile|fuzz_blob|fuzz_audit|fuzz_lint"; exit 2 ;;
esac

if [ -n "${IPE_BUILD_ROOT:-}" ] && [ -x "$IPE_BUILD_ROOT/tests/fuzz/$target" ]; then
	bin=$IPE_BUILD_ROOT/tests/fuzz/$target
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
	ninja -C "$build" -j2 "tests/fuzz/$target" || { echo "FAIL: cannot build the fuzzer"; exit 1; }
	bin=$build/tests/fuzz/$target
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus"
name=${target#fuzz_}
[ -d "$here/corpus/$name" ] && cp "$here/corpus/$name"/* "$work/corpus/" 2>/dev/null
if [ "$target" = fuzz_compile ]; then
	set -- -max_len=4096 -dict="$here/ipe.dict"
elif [ "$target" = fuzz_blob ] || [ "$target" = fuzz_audit ]; then
	set -- -max_len=4096
elif [ "$target" = fuzz_lint ]; then
	for f in "$src"/tests/lint/cases/*.pol "$src"/tests/corpus/cases/*.pol; do
		[ -f "$f" ] && cp "$f" "$work/corpus/lint-$(basename "$f")"
	done
	set -- -max_len=4096 -dict="$here/ipe.dict"
elif [ "$target" = fuzz_parser ]; then
	cp "$here"/seeds/* "$work/corpus/" 2>/dev/null
	for f in "$src"/tests/corpus/cases/*.pol; do
		[ -f "$f" ] && cp "$f" "$work/corpus/"
	done
	set -- -max_len=8192 -dict="$here/ipe.dict"
else
	# the binary form of accepted corpus policies, once as is (mode byte 0)
	# and once with the checksum-fixing mode byte (1)
	comp=${IPE_COMPILE:-}
	n=0
	if [ -n "$comp" ] && [ -x "$comp" ]; then
		for f in "$src"/tests/corpus/cases/b_ok_*.pol "$src"/examples/*.pol; do
			[ -f "$f" ] || continue
			"$comp" -q -f binary -o "$work/blob" "$f" 2>/dev/null || continue
			n=$((n + 1))
			{ printf '\000'; cat "$work/blob"; } >"$work/corpus/raw$n"
			{ printf '\001'; cat "$work/blob"; } >"$work/corpus/fix$n"
			[ $n -ge 60 ] && break
		done
		rm -f "$work/blob"
	fi
	[ $n -gt 0 ] || printf '\001IPEB\r\n\032\n' >"$work/corpus/magic"
	set -- -max_len=16384
fi
echo "fuzzing $bin for ${secs}s with $(ls "$work/corpus" | wc -l) seeds"

ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
"$bin" -max_total_time="$secs" -entropic=0 -timeout=10 -rss_limit_mb=2048 "$@" \
	-artifact_prefix="$work/" -print_final_stats=1 \
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
