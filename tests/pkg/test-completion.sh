#!/usr/bin/env bash
# Sources completions/ipe-tools.bash in bash with bash-completion's library and
# completes command lines the way bash splits them (COMP_WORDBREAKS includes
# '='): every long option of every tool's --help is offered, and option values,
# check codes and subcommands come out as documented.
set -u
: "${IPE_BUILD_ROOT:?}" "${IPE_SOURCE_ROOT:?}"
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "not ok - $1"; }
lib=/usr/share/bash-completion/bash_completion
[ -r "$lib" ] || { echo "not ok - $lib missing (apt-get install bash-completion)"; exit 1; }
# shellcheck source=/dev/null
. "$lib"
# shellcheck source=/dev/null
. "$IPE_SOURCE_ROOT/completions/ipe-tools.bash" || { echo "not ok - sourcing completions/ipe-tools.bash"; exit 1; }
PATH="$IPE_BUILD_ROOT/src/tools:$PATH"

# comp LINE: the completions at the end of command line LINE, with the words
# split the way readline does (blanks, and '=' as a word of its own).
comp() {
	local line=$1 tok
	local -a w=()
	read -r -a toks <<<"$line"
	for tok in "${toks[@]}"; do
		if [[ $tok == --*=* ]]; then w+=("${tok%%=*}" "=" "${tok#*=}"); else w+=("$tok"); fi
	done
	[[ $line == *" " ]] && w+=("")
	[[ ${w[-1]} == "=" ]] && w+=("")
	COMP_WORDS=("${w[@]}")
	COMP_CWORD=$((${#w[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_ipe_tools "${w[0]}" "${w[COMP_CWORD]}" "${w[COMP_CWORD - 1]}" 2>/dev/null
	printf '%s\n' "${COMPREPLY[@]}" | sed 's/=$//' | sort -u
}
# want DESC "expected words" LINE : each expected word is offered
want() {
	local desc=$1 exp=$2; shift 2
	local got missing= w
	got=$(comp "$1")
	for w in $exp; do
		grep -qxF -- "$w" <<<"$got" || missing="$missing $w"
	done
	[ -z "$missing" ] && ok "$desc" || ko "$desc: missing$missing (got: $(echo $got))"
}
# exactly DESC "words" LINE
exactly() {
	local desc=$1 exp=$2; shift 2
	local got
	got=$(comp "$1" | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$(tr ' ' '\n' <<<"$exp" | sort -u | tr '\n' ' ' | sed 's/ $//')" ] && ok "$desc" || ko "$desc: got '$got', want '$exp'"
}

for t in ipe-check ipe-compile ipe-sign ipectl ipe-digest ipe-explain; do
	[ -x "$IPE_BUILD_ROOT/src/tools/$t" ] || { ko "$t not built"; continue; }
	[ "$(complete -p "$t" 2>/dev/null)" = "complete -F _ipe_tools $t" ] && ok "$t has a completion" || ko "$t has no completion"
	opts=$("$t" --help | sed -nE 's/^ +((-[A-Za-z], )?--[^ ]+(, --[^ ]+)*).*/\1/p' | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u | grep -v -- '--version=X' | tr '\n' ' ')
	want "$t: every long option of --help" "$opts" "$t --"
done
exactly "ipe-check --format=" "text json sarif github" "ipe-check --format="
exactly "ipe-check --format j" "json" "ipe-check --format j"
codes=$(ipe-check --list-checks | awk '$1 ~ /^IPE-/ { print $1 }')
want "ipe-check --explain= offers every check code" "$codes" "ipe-check --explain="
want "ipe-check --disable= offers codes and all" "all IPE-W133" "ipe-check --disable="
exactly "ipe-check --fail-on=" "error warning info" "ipe-check --fail-on="
want "ipe-check --target= offers 6.12" "6.12 6.13" "ipe-check --target="
exactly "ipe-compile --format=" "text binary" "ipe-compile --format="
want "ipe-compile --opt=dead,re" "dead,redundant" "ipe-compile --opt=dead,re"
exactly "ipe-compile --hash " "sha256 sha384 sha512" "ipe-compile --hash "
exactly "ipe-sign subcommands" "sign verify inspect extract key-add" "ipe-sign "
exactly "ipe-sign inspect --format=" "text json" "ipe-sign inspect --format="
want "ipectl commands" "status load update activate delete show enforce audit" "ipectl "
exactly "ipectl enforce " "on off" "ipectl enforce "
exactly "ipectl --format json audit " "on off" "ipectl --format json audit "
exactly "ipe-digest --format=" "lines rules json" "ipe-digest --format="
want "ipe-digest --op=" "EXECUTE KMODULE" "ipe-digest --op="
exactly "ipe-explain --expect=" "allow deny" "ipe-explain --expect="
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
touch "$tmp/policy.pol"; mkdir -p "$tmp/sfs/ipe/policies/prod"
want "ipe-check FILE completes files" "$tmp/policy.pol" "ipe-check $tmp/po"
want "ipectl activate NAME lists loaded policies" "prod" "ipectl --securityfs $tmp/sfs activate "
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
