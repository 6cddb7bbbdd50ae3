#!/usr/bin/env bash
# One command runs the whole test suite on a fresh Debian 12 machine:
# installs what is missing, builds with gcc, clang (both -Werror; clang
# without SSE2, for the portable code paths) and
# ASan+UBSan, and runs every suite: unit, corpus, cli, signer, ctl, lint,
# compile, fuzz (briefly), and the real-kernel suite under qemu (gcc build).
# Set IPE_SKIP_KERNEL=1 to leave out the real-kernel suite (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages "${IPE_BUILD_PACKAGES[@]}" "${IPE_TEST_PACKAGES[@]}"

declare -a results=() skipped=()
summary_pass=0 summary_fail=0 summary_skip=0

# meson-logs/testlog.json: one JSON object per test.  Prints "PASS FAIL SKIP"
# on the first line, then one "SKIP <suite>/<test>: <reason>" line per
# skipped test (the reason: the test's "SKIP: ..." output line, else its last
# line).  A test that passes but skipped a part of itself prints a line
# starting "SKIP: " for each part (tests/hostile): each counts as a skip too.
# Generic: every suite's tests are counted the same way.
count_results() {
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
skips = []
try:
    with open(sys.argv[1]) as fh:
        for line in fh:
            t = json.loads(line)
            r = t.get("result")
            if r in ("OK", "EXPECTEDFAIL"):
                p += 1
                for l in (t.get("stdout") or "").splitlines():
                    if l.startswith("SKIP: "):
                        s += 1
                        skips.append("SKIP %s/%s (a part): %s" % ("+".join(t.get("suite") or []), t.get("name"), l[6:]))
            elif r == "SKIP":
                s += 1
                out = (t.get("stdout") or "") + (t.get("stderr") or "")
                lines = [l.strip() for l in out.splitlines() if l.strip()]
                why = next((l for l in lines if l.upper().startswith("SKIP")), lines[-1] if lines else "no reason given")
                skips.append("SKIP %s/%s: %s" % ("+".join(t.get("suite") or []), t.get("name"), why))
            else: f += 1
except FileNotFoundError:
    pass
print(p, f, s)
for l in skips:
    print(l)
PY
}

run_suite() {
	local name=$1 dir=$2; shift 2
	local rc=0
	log "[$name] meson test $*"
	meson test -C "$dir" --print-errorlogs "$@" || rc=$?
	local counts
	mapfile -t counts < <(count_results "$dir")
	read -r p f s <<<"${counts[0]:-0 0 0}"
	local l
	for l in "${counts[@]:1}"; do skipped+=("[$name] $l"); done
	summary_pass=$((summary_pass + p)); summary_fail=$((summary_fail + f)); summary_skip=$((summary_skip + s))
	results+=("$name: $p passed, $f failed, $s skipped (meson exit $rc)")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		summary_fail=$((summary_fail + 1))
	fi
}

# -Werror only here (meson.build leaves werror off for packagers); the test
# dependencies are required (-Dtests=enabled): a missing one fails the run.
strict=(-Dwerror=true -Dtests=enabled)
log "gcc build (-Werror)"
CC=gcc build_dir build-ci-gcc "${strict[@]}"
# The clang build runs without SSE2 (-U__SSE2__): the scanner and the text
# scan have a 16-byte SSE2 path on x86-64 and a portable path elsewhere (arm64,
# riscv64...); the gcc and ASan builds test the first, this one the second.
log "clang build (-Werror, portable code paths: -U__SSE2__)"
CC=clang build_dir build-ci-clang "${strict[@]}" -Dc_args=-U__SSE2__
log "ASan+UBSan build"
CC=gcc build_dir build-ci-asan "${strict[@]}" -Db_sanitize=address,undefined -Db_lundef=false
# the other buildtypes must build clean too (gcc -O3 finds warnings -O2 does not)
for bt in release plain; do
	for c in gcc clang; do
		log "$c $bt build (-Werror)"
		CC=$c build_dir "build-ci-$c-$bt" --buildtype=$bt -Dwerror=true -Dtests=enabled -Dkernel_tests=false
	done
done

quick=(--no-suite kernel --no-suite fuzz)
run_suite "gcc" build-ci-gcc --no-suite kernel
log "[deb] building the Debian packages from a copy of the tree (about 1 minute of CPU, a few on a busy machine)"
run_suite "deb" build-ci-gcc --suite deb
run_suite "clang" build-ci-clang "${quick[@]}"
run_suite "asan+ubsan" build-ci-asan "${quick[@]}" --timeout-multiplier 4
if [ "${IPE_SKIP_KERNEL:-0}" = 1 ] && [ "${CI:-}" != true ]; then
	results+=("kernel: skipped by IPE_SKIP_KERNEL=1")
	skipped+=("[kernel] SKIP kernel: the whole suite, by IPE_SKIP_KERNEL=1")
	summary_skip=$((summary_skip + 1))
else
	log "[kernel] builds an IPE kernel once (8-15 minutes on 2 cores, then cached in /var/cache/ipe-tools) and boots it under qemu; its progress follows"
	run_suite "kernel" build-ci-gcc --suite kernel -v
fi

echo
echo "Test summary"
for r in "${results[@]}"; do echo "  $r"; done
if [ ${#skipped[@]} -gt 0 ]; then
	echo "Skipped (each with its reason):"
	for r in "${skipped[@]}"; do echo "  $r"; done
fi
echo "ipe-tools: $summary_pass passed, $summary_fail failed, $summary_skip skipped"
if [ "${CI:-}" = true ] && [ "$summary_skip" -gt 0 ]; then
	echo "CI: $summary_skip skipped test(s): CI fails on any skip (install what they need)"
	exit 1
fi
[ "$summary_fail" -eq 0 ]
