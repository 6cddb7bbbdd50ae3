#!/usr/bin/env bash
# One command runs the whole test suite on a fresh Debian 12 machine:
# installs what is missing, builds with gcc, clang (both -Werror) and
# ASan+UBSan, and runs every suite: unit, corpus, cli, signer, ctl, lint,
# compile, fuzz (briefly), and the real-kernel suite under qemu (gcc build).
# Set IPE_SKIP_KERNEL=1 to leave out the real-kernel suite (never in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

ensure_packages "${IPE_BUILD_PACKAGES[@]}" "${IPE_TEST_PACKAGES[@]}"

declare -a results=()
summary_pass=0 summary_fail=0 summary_skip=0

count_results() {
	# meson-logs/testlog.json: one JSON object per test
	python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = s = 0
try:
    with open(sys.argv[1]) as fh:
        for line in fh:
            r = json.loads(line).get("result")
            if r in ("OK", "EXPECTEDFAIL"): p += 1
            elif r == "SKIP": s += 1
            else: f += 1
except FileNotFoundError:
    pass
print(p, f, s)
PY
}

run_suite() {
	local name=$1 dir=$2; shift 2
	local rc=0
	log "[$name] meson test $*"
	meson test -C "$dir" --print-errorlogs "$@" || rc=$?
	read -r p f s < <(count_results "$dir")
	summary_pass=$((summary_pass + p)); summary_fail=$((summary_fail + f)); summary_skip=$((summary_skip + s))
	results+=("$name: $p passed, $f failed, $s skipped (meson exit $rc)")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		summary_fail=$((summary_fail + 1))
	fi
}

log "gcc build (-Werror)"
CC=gcc build_dir build-ci-gcc
log "clang build (-Werror)"
CC=clang build_dir build-ci-clang
log "ASan+UBSan build"
CC=gcc build_dir build-ci-asan -Db_sanitize=address,undefined -Db_lundef=false

quick=(--no-suite kernel --no-suite fuzz)
run_suite "gcc" build-ci-gcc --no-suite kernel
log "[deb] building the Debian packages from a copy of the tree (about 1 minute of CPU, a few on a busy machine)"
run_suite "deb" build-ci-gcc --suite deb
run_suite "clang" build-ci-clang "${quick[@]}"
run_suite "asan+ubsan" build-ci-asan "${quick[@]}" --timeout-multiplier 4
if [ "${IPE_SKIP_KERNEL:-0}" = 1 ] && [ "${CI:-}" != true ]; then
	results+=("kernel: skipped by IPE_SKIP_KERNEL=1")
else
	log "[kernel] builds an IPE kernel once (8-15 minutes on 2 cores, then cached in /var/cache/ipe-tools) and boots it under qemu; its progress follows"
	run_suite "kernel" build-ci-gcc --suite kernel -v
fi

echo
echo "Test summary"
for r in "${results[@]}"; do echo "  $r"; done
echo "ipe-tools: $summary_pass passed, $summary_fail failed, $summary_skip skipped"
[ "$summary_fail" -eq 0 ]
