#!/bin/sh
# A long fuzzing campaign for one target (outside the test suite), then the
# minimised corpus written back to corpus/NAME/.
#   campaign.sh TARGET [RUNS]     RUNS executions (default 10,000,000)
#   IPE_FUZZ_BUILD   the clang fuzzing build dir (default <source>/build-fuzz,
#                    configured as in README.md)
#   IPE_FUZZ_NICE    nice level (default 10)
#   IPE_FUZZ_MAX_TIME  stop after this many seconds even if RUNS are not done
# The log (with -print_final_stats=1: executions, exec/s, coverage) is left
# in /tmp/ipe-fuzz-TARGET.log.  Exit 1 when the fuzzer reports a problem; the
# reproducer is then in /tmp/ipe-fuzz-TARGET/.
#
# -entropic=0: libFuzzer 14's entropic scheduler spent 60% of the time of
# fuzz_parser in UpdateFeatureFrequency (24,000 features); the classic
# scheduler runs the target 2.5x as often on the same machine.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
target=${1:?usage: campaign.sh fuzz_parser|fuzz_compile|fuzz_binary|fuzz_blob|fuzz_audit|fuzz_lint [RUNS]}
runs=${2:-10000000}
build=${IPE_FUZZ_BUILD:-$src/build-fuzz}
bin=$build/tests/fuzz/$target
name=${target#fuzz_}
[ -x "$bin" ] || { echo "campaign.sh: $bin not built (see tests/fuzz/README.md)"; exit 2; }
case $target in
fuzz_parser | fuzz_compile | fuzz_lint) set -- -max_len=4096 -dict="$here/ipe.dict" ;;
fuzz_binary) set -- -max_len=16384 ;;
*) set -- -max_len=4096 ;;
esac
work=/tmp/ipe-fuzz-$target
rm -rf "$work"
mkdir -p "$work/corpus" "$work/merged"
cp "$here/corpus/$name"/* "$work/corpus/" 2>/dev/null
log=/tmp/ipe-fuzz-$target.log
echo "campaign: $target, $runs runs, $(ls "$work/corpus" | wc -l) seeds, log $log"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
nice -n "${IPE_FUZZ_NICE:-10}" "$bin" -runs="$runs" -max_total_time="${IPE_FUZZ_MAX_TIME:-0}" -entropic=0 -timeout=10 -rss_limit_mb=2048 "$@" \
	-artifact_prefix="$work/" -print_final_stats=1 "$work/corpus" >"$log" 2>&1
rc=$?
grep -E '^stat::|DONE' "$log" | tail -n 8
if [ $rc -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
	echo "campaign: FAILED (exit $rc); reproducers: $(ls "$work" | grep -E '^(crash|leak|timeout|oom)-' | tr '\n' ' ')"
	exit 1
fi
nice -n "${IPE_FUZZ_NICE:-10}" "$bin" -merge=1 "$@" "$work/merged" "$work/corpus" >"$work/merge.log" 2>&1 ||
	{ echo "campaign: merge failed"; tail -5 "$work/merge.log"; exit 1; }
rm -rf "${here:?}/corpus/$name"
mkdir -p "$here/corpus/$name"
cp "$work/merged"/* "$here/corpus/$name/"
echo "campaign: corpus/$name now $(ls "$here/corpus/$name" | wc -l) files, $(cat "$here/corpus/$name"/* | wc -c) bytes"
