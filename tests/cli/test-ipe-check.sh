#!/bin/sh
# SPDX-License-Identifier: MIT
# End-to-end tests of the ipe-check command line.
# Environment (set by meson): IPE_CHECK, IPE_SOURCE_ROOT.
set -u

CHECK=${IPE_CHECK:?IPE_CHECK is not set}
SRC=${IPE_SOURCE_ROOT:?IPE_SOURCE_ROOT is not set}
HELLO=$SRC/examples/hello.pol
BROKEN=$SRC/examples/broken.pol
GOLDEN=$SRC/tests/cli/golden/hello.canonical
MAN1=$SRC/man/ipe-check.1

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ipe-cli.XXXXXX") || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM

pass=0
fail=0
ok() { pass=$((pass + 1)); printf 'ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf 'FAIL %s\n' "$1"; [ $# -gt 1 ] && printf '     %s\n' "$2"; }

# expect_rc NAME WANT CMD...: run CMD (stdout/stderr kept in $TMP/out, $TMP/err)
expect_rc() {
	name=$1 want=$2
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" </dev/null
	got=$?
	if [ "$got" -eq "$want" ]; then ok "$name"; else bad "$name" "exit status $got, expected $want: $(head -c 300 "$TMP/err")"; fi
}
contains() { # NAME FILE FIXED-STRING
	if grep -qF -- "$3" "$2"; then ok "$1"; else bad "$1" "'$3' not found in $(head -c 300 "$2")"; fi
}
lacks() { # NAME FILE FIXED-STRING
	if grep -qF -- "$3" "$2"; then bad "$1" "'$3' unexpectedly found"; else ok "$1"; fi
}
same() { # NAME FILE1 FILE2 (byte-exact)
	if cmp -s "$2" "$3"; then ok "$1"; else bad "$1" "$(diff "$2" "$3" | head -5)"; fi
}
ESC=$(printf '\033')
POL_HDR='policy_name=t policy_version=1.0.0'

# ---- exit status -------------------------------------------------------
expect_rc "exit 0 on an accepted policy (examples/hello.pol)" 0 "$CHECK" "$HELLO"
contains "verdict line says accepted" "$TMP/out" "kernel verdict: accepted (policy 'hello' version 1.0.0, 4 rules)"
expect_rc "exit 1 on a rejected policy (examples/broken.pol)" 1 "$CHECK" "$BROKEN"
contains "verdict line names errno and code" "$TMP/out" "kernel verdict: rejected with EBADMSG at 9:1 [IPE-E010]"
for code in IPE-E010 IPE-E011 IPE-E013 IPE-E020 IPE-E021 IPE-E015 IPE-E030; do
	contains "broken.pol reports $code" "$TMP/out" "[$code]"
done
expect_rc "exit 2 on a missing file" 2 "$CHECK" "$TMP/does-not-exist.pol"
contains "missing file: message names the file" "$TMP/err" "does-not-exist.pol"
expect_rc "exit 2 when one of several files is missing" 2 "$CHECK" "$HELLO" "$TMP/does-not-exist.pol"
expect_rc "exit 3 on an unknown option" 3 "$CHECK" --no-such-option "$HELLO"
expect_rc "exit 3 without a file" 3 "$CHECK"
expect_rc "exit 3 on --format=xml" 3 "$CHECK" --format=xml "$HELLO"
expect_rc "exit 3 on --color=sometimes" 3 "$CHECK" --color=sometimes "$HELLO"
expect_rc "exit 3 on --canonical with two files" 3 "$CHECK" --canonical "$HELLO" "$HELLO"
expect_rc "exit 1 when any of several files is rejected" 1 "$CHECK" "$HELLO" "$BROKEN"
expect_rc "--help exits 0" 0 "$CHECK" --help
contains "--help prints a usage line" "$TMP/out" "Usage: ipe-check"
expect_rc "--version exits 0" 0 "$CHECK" --version
contains "--version names the tool" "$TMP/out" "ipe-check"

# a NUL byte is only a warning: exit 0, warning shown, hidden by -q
printf '%s\nDEFAULT action=ALLOW\n\000op=bogus\n' "$POL_HDR" >"$TMP/nul.pol"
expect_rc "NUL-truncated policy is accepted (exit 0)" 0 "$CHECK" "$TMP/nul.pol"
contains "NUL byte gives warning IPE-W160" "$TMP/out" "[IPE-W160]"
expect_rc "-q on a warning-only file" 0 "$CHECK" -q "$TMP/nul.pol"
if [ -s "$TMP/out" ]; then bad "-q hides warnings and verdict lines" "$(head -c 200 "$TMP/out")"; else ok "-q hides warnings and verdict lines"; fi
expect_rc "-q on broken.pol still fails" 1 "$CHECK" -q "$BROKEN"
contains "-q keeps errors" "$TMP/out" "[IPE-E010]"
lacks "-q drops the verdict line" "$TMP/out" "kernel verdict"

# ---- diagnostic format ------------------------------------------------
printf '%s\nDEFAULT action=DENY\nop=EXEC action=ALLOW\n' "$POL_HDR" >"$TMP/typo.pol"
expect_rc "typo policy exits 1" 1 "$CHECK" --color=never "$TMP/typo.pol"
contains "diagnostic is file:line:col: error: message [CODE]" "$TMP/out" "$TMP/typo.pol:3:1: error: unknown operation 'op=EXEC' [IPE-E010]"
contains "diagnostic quotes the source line" "$TMP/out" "    op=EXEC action=ALLOW"
contains "diagnostic has a caret under the token" "$TMP/out" "    ^~~~~~~"
contains "diagnostic has a hint" "$TMP/out" "hint: did you mean 'op=EXECUTE'?"
expect_rc "--no-source exits 1" 1 "$CHECK" --no-source "$TMP/typo.pol"
lacks "--no-source drops the caret" "$TMP/out" "^~~~~~~"
contains "--no-source keeps the hint" "$TMP/out" "hint:"

# ---- canonical ---------------------------------------------------------
expect_rc "--canonical on hello.pol exits 0" 0 "$CHECK" --canonical "$HELLO"
same "--canonical output is byte-exact golden" "$TMP/out" "$GOLDEN"
expect_rc "--canonical -o exits 0" 0 "$CHECK" --canonical -o "$TMP/hello.txt" "$HELLO"
same "--canonical -o writes the golden text" "$TMP/hello.txt" "$GOLDEN"
if [ -s "$TMP/out" ]; then bad "--canonical -o writes nothing to stdout"; else ok "--canonical -o writes nothing to stdout"; fi
expect_rc "--canonical of the golden text exits 0" 0 "$CHECK" --canonical "$GOLDEN"
same "canonical form is a fixed point" "$TMP/out" "$GOLDEN"

# The same policy written messily: CRLF, tabs, runs of spaces, comments
# (also glued to tokens), uppercase hex, trailing \v \f, rules and ops
# shuffled (order within EXECUTE kept), blank lines before the header.
{
	printf '\r\n   \n# leading comment\n'
	printf '\tpolicy_name=hello    policy_version=+0001.00.0# glued comment\r\n'
	printf 'op=KMODULE\t\tboot_verified=TRUE action=ALLOW \013\014\r\n'
	printf 'op=EXECUTE fsverity_digest=sha256:5B3ECFA0C4E1F3AA3D2E6F1C9A8B7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A1B0C action=ALLOW\r\n'
	printf 'op=FIRMWARE boot_verified=TRUE action=ALLOW#allow\n'
	printf '  DEFAULT   action=DENY\n'
	printf 'op=EXECUTE dmverity_roothash=sha256:0f1e2d3c4b5a69788796A5B4C3D2E1F00112233445566778899AABBCCDDEEFF0 action=ALLOW\n'
} >"$TMP/messy.pol"
expect_rc "--canonical on a messy equivalent exits 0" 0 "$CHECK" --canonical "$TMP/messy.pol"
same "messy equivalent has the golden canonical form" "$TMP/out" "$GOLDEN"

# rejected policy: nothing on stdout, no -o file, an existing -o file kept
expect_rc "--canonical on a rejected policy exits 1" 1 "$CHECK" --canonical "$BROKEN"
if [ -s "$TMP/out" ]; then bad "--canonical on a rejected policy writes nothing" "$(head -c 200 "$TMP/out")"; else ok "--canonical on a rejected policy writes nothing"; fi
contains "--canonical on a rejected policy explains on stderr" "$TMP/err" "[IPE-E010]"
expect_rc "--canonical -o on a rejected policy exits 1" 1 "$CHECK" --canonical -o "$TMP/rejected.txt" "$BROKEN"
if [ -e "$TMP/rejected.txt" ]; then bad "--canonical -o on a rejected policy leaves no file"; else ok "--canonical -o on a rejected policy leaves no file"; fi
printf 'old content\n' >"$TMP/keep.txt"
expect_rc "--canonical -o over an existing file, rejected policy" 1 "$CHECK" --canonical -o "$TMP/keep.txt" "$BROKEN"
if [ "$(cat "$TMP/keep.txt")" = "old content" ]; then ok "an existing -o file is left untouched"; else bad "an existing -o file is left untouched"; fi
stray=$(ls -A "$TMP" | grep -v -e '^keep.txt$' -e '^hello.txt$' -e '\.pol$' -e '^out$' -e '^err$')
if [ -n "$stray" ]; then bad "no temporary files left next to -o" "$stray"; else ok "no temporary files left next to -o"; fi
expect_rc "--canonical -o into a missing directory exits 2" 2 "$CHECK" --canonical -o "$TMP/no/such/dir/x.txt" "$HELLO"

# ---- JSON --------------------------------------------------------------
if command -v python3 >/dev/null 2>&1; then
	jq_py() { # NAME JSONFILE PYTHON-EXPR (d = the document; must be true)
		if python3 -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if ($3) else 1)" "$2" 2>"$TMP/pyerr"; then
			ok "$1"
		else
			bad "$1" "$(head -c 300 "$TMP/pyerr") $(head -c 300 "$2")"
		fi
	}
	expect_rc "-f json on hello.pol exits 0" 0 "$CHECK" -f json "$HELLO"
	cp "$TMP/out" "$TMP/hello.json"
	jq_py "json parses and has schema ipe-check/1" "$TMP/hello.json" 'd["schema"] == "ipe-check/1"'
	jq_py "json: hello accepted, errno null" "$TMP/hello.json" \
		'len(d["files"]) == 1 and d["files"][0]["kernel_verdict"]["accepted"] is True and d["files"][0]["kernel_verdict"]["errno"] is None'
	jq_py "json: policy name, version, rules" "$TMP/hello.json" \
		'd["files"][0]["policy"] == {"name": "hello", "name_hex": "68656c6c6f", "version": "1.0.0", "rules": 4}'
	expect_rc "--format=json on broken.pol + missing file exits 2" 2 "$CHECK" --format=json "$BROKEN" "$TMP/missing.pol"
	cp "$TMP/out" "$TMP/broken.json"
	jq_py "json: broken rejected with EBADMSG IPE-E010 at 9:1" "$TMP/broken.json" \
		'd["files"][0]["kernel_verdict"]["accepted"] is False and d["files"][0]["kernel_verdict"]["errno"] == "EBADMSG" and d["files"][0]["kernel_verdict"]["code"] == "IPE-E010" and d["files"][0]["kernel_verdict"]["location"]["line"] == 9 and d["files"][0]["kernel_verdict"]["location"]["column"] == 1'
	jq_py "json: broken has the 7 kernel errors with their errnos" "$TMP/broken.json" \
		'sorted((x["code"], x["kernel_errno"]) for x in d["files"][0]["diagnostics"] if x["kernel_errno"]) == [("IPE-E010", "EBADMSG"), ("IPE-E011", "EBADMSG"), ("IPE-E013", "EBADMSG"), ("IPE-E015", "EBADMSG"), ("IPE-E020", "EBADMSG"), ("IPE-E021", "EINVAL"), ("IPE-E030", "EBADMSG")]'
	jq_py "json: diagnostics carry file/line/column" "$TMP/broken.json" \
		'all(x["location"]["file"].endswith("broken.pol") and x["location"]["line"] > 0 and x["location"]["column"] > 0 for x in d["files"][0]["diagnostics"])'
	jq_py "json: missing file is readable=false with ENOENT" "$TMP/broken.json" \
		'd["files"][1]["readable"] is False and d["files"][1]["error"] == "ENOENT" and d["files"][1]["kernel_verdict"] is None'
	expect_rc "-f json -o writes the report to a file" 0 "$CHECK" -f json -o "$TMP/report.json" "$HELLO"
	jq_py "json -o file parses" "$TMP/report.json" 'd["schema"] == "ipe-check/1"'
	expect_rc "-f json on a NUL policy" 0 "$CHECK" -f json "$TMP/nul.pol"
	cp "$TMP/out" "$TMP/nul.json"
	jq_py "json: NUL warning is IPE-W160, severity warning" "$TMP/nul.json" \
		'[x["severity"] for x in d["files"][0]["diagnostics"] if x["code"] == "IPE-W160"] == ["warning"] and d["files"][0]["kernel_verdict"]["accepted"] is True'
else
	bad "python3 is needed for the JSON tests"
fi

# ---- standard input -----------------------------------------------------
"$CHECK" - <"$HELLO" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ]; then ok "stdin '-' accepted policy exits 0"; else bad "stdin '-' accepted policy exits 0" "exit $rc"; fi
contains "stdin is named <stdin>" "$TMP/out" "<stdin>: kernel verdict: accepted"
"$CHECK" --canonical - <"$HELLO" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 0 ]; then ok "--canonical - exits 0"; else bad "--canonical - exits 0" "exit $rc"; fi
same "--canonical - gives the golden text" "$TMP/out" "$GOLDEN"
"$CHECK" - <"$BROKEN" >"$TMP/out" 2>"$TMP/err"
rc=$?
if [ $rc -eq 1 ]; then ok "stdin '-' rejected policy exits 1"; else bad "stdin '-' rejected policy exits 1" "exit $rc"; fi
contains "stdin diagnostics are located in <stdin>" "$TMP/out" "<stdin>:9:1: error:"

# ---- --help and the man page agree ---------------------------------------
"$CHECK" --help >"$TMP/help" 2>&1
# long options documented in the OPTIONS section of ipe-check(1)
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$MAN1" | grep -E '^\.(B|BR|BI|IR|RB) ' | sed 's/\\-/-/g' |
	grep -oE -- '--[a-z][a-z-]*' | sort -u >"$TMP/man-opts"
grep -oE -- '--[a-z][a-z-]*' "$TMP/help" | sort -u >"$TMP/help-opts"
if [ "$(wc -l <"$TMP/man-opts")" -ge 8 ]; then ok "man page OPTIONS lists the long options ($(wc -l <"$TMP/man-opts" | tr -d ' '))"; else bad "man page OPTIONS lists the long options" "$(cat "$TMP/man-opts")"; fi
while read -r opt; do
	case $opt in
	--colour) continue ;; # documented synonym of --color
	esac
	if grep -qxF -- "$opt" "$TMP/help-opts"; then ok "--help mentions $opt (from the man page)"; else bad "--help mentions $opt (from the man page)"; fi
done <"$TMP/man-opts"
while read -r opt; do
	if grep -qxF -- "$opt" "$TMP/man-opts"; then ok "man page documents $opt (from --help)"; else bad "man page documents $opt (from --help)"; fi
done <"$TMP/help-opts"
for st in 0 1 2 3; do
	if grep -qE "^ +$st +" "$TMP/help" && grep -qE "^\.B $st\$" "$MAN1"; then ok "exit status $st in --help and the man page"; else bad "exit status $st in --help and the man page"; fi
done

# ---- colour ---------------------------------------------------------------
"$CHECK" --color=always "$TMP/typo.pol" >"$TMP/out" 2>&1
if grep -q "$ESC\[" "$TMP/out"; then ok "--color=always colours a pipe"; else bad "--color=always colours a pipe"; fi
NO_COLOR=1 "$CHECK" --color=always "$TMP/typo.pol" >"$TMP/out" 2>&1
if grep -q "$ESC\[" "$TMP/out"; then ok "--color=always overrides NO_COLOR"; else bad "--color=always overrides NO_COLOR"; fi
"$CHECK" "$TMP/typo.pol" >"$TMP/out" 2>&1
if grep -q "$ESC" "$TMP/out"; then bad "auto: no colour on a pipe"; else ok "auto: no colour on a pipe"; fi
"$CHECK" --color=always -o "$TMP/report.txt" "$TMP/typo.pol" >/dev/null 2>&1
if grep -q "$ESC" "$TMP/report.txt"; then bad "no colour in an -o file"; else ok "no colour in an -o file"; fi
contains "-o file holds the report" "$TMP/report.txt" "[IPE-E010]"
# On a terminal (a pty), auto colours unless NO_COLOR is set.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import pty, os; os.close(pty.openpty()[0])' 2>/dev/null; then
	on_pty() { # run ipe-check on a pty, print its output
		python3 - "$@" <<'EOF'
import os, pty, subprocess, sys
m, s = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=s, stderr=s)
os.close(s)
out = b""
while True:
    try:
        b = os.read(m, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
p.wait()
sys.stdout.buffer.write(out)
EOF
	}
	(unset NO_COLOR; TERM=xterm on_pty "$CHECK" "$TMP/typo.pol") >"$TMP/out" 2>&1
	if grep -q "$ESC\[" "$TMP/out"; then ok "auto: colour on a terminal"; else bad "auto: colour on a terminal" "$(head -c 200 "$TMP/out")"; fi
	(TERM=xterm NO_COLOR=1 on_pty "$CHECK" "$TMP/typo.pol") >"$TMP/out" 2>&1
	if grep -q "$ESC" "$TMP/out"; then bad "auto: NO_COLOR=1 disables colour on a terminal"; else ok "auto: NO_COLOR=1 disables colour on a terminal"; fi
	contains "NO_COLOR output still has the diagnostic" "$TMP/out" "[IPE-E010]"
	(TERM=xterm NO_COLOR= on_pty "$CHECK" "$TMP/typo.pol") >"$TMP/out" 2>&1
	if grep -q "$ESC\[" "$TMP/out"; then ok "auto: an empty NO_COLOR does not disable colour"; else bad "auto: an empty NO_COLOR does not disable colour"; fi
	(unset NO_COLOR; TERM=xterm on_pty "$CHECK" --color=never "$TMP/typo.pol") >"$TMP/out" 2>&1
	if grep -q "$ESC" "$TMP/out"; then bad "--color=never on a terminal"; else ok "--color=never on a terminal"; fi
else
	bad "the pty colour tests need python3's pty module (a test dependency)"
fi

printf '%d passed, %d failed\n' "$pass" "$fail"
[ "$fail" -eq 0 ]
