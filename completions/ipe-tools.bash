# bash completion for ipe-tools: ipe-check, ipe-compile, ipe-sign, ipectl,
# ipe-digest, ipe-explain.  -*- shell-script -*-
# Installed once per command name in bash-completion's completionsdir, so that
# bash-completion loads it on first use of any of them.  Options are read from
# each tool's --help (so a new option is offered without editing this file);
# option values, check codes and subcommands are completed here.

_ipe_ops='EXECUTE FIRMWARE KMODULE KEXEC_IMAGE KEXEC_INITRAMFS POLICY X509_CERT'

# _ipe_complete_value PROG OPTION CUR: complete the value of OPTION; returns 1
# when OPTION takes no value we know of.
_ipe_complete_value()
{
	local prog=$1 opt=$2 cur=$3
	case "$prog:$opt" in
	*:--color | *:--colour) COMPREPLY=($(compgen -W 'auto always never' -- "$cur")) ;;
	ipe-check:--format | ipe-check:-f) COMPREPLY=($(compgen -W 'text json sarif github' -- "$cur")) ;;
	ipe-compile:--format | ipe-compile:-f) COMPREPLY=($(compgen -W 'text binary' -- "$cur")) ;;
	ipe-sign:--format | ipectl:--format | ipectl:-f | ipe-explain:--format | ipe-explain:-f)
		COMPREPLY=($(compgen -W 'text json' -- "$cur")) ;;
	ipe-digest:--format | ipe-digest:-f) COMPREPLY=($(compgen -W 'lines rules json' -- "$cur")) ;;
	ipe-check:--explain | ipe-check:--enable | ipe-check:--disable)
		local codes
		codes=$("$prog" --list-checks 2>/dev/null | awk '$1 ~ /^IPE-/ { print $1 }')
		[ "$opt" != --explain ] && codes="$codes all"
		COMPREPLY=($(compgen -W "$codes" -- "$cur")) ;;
	ipe-check:--severity)
		if [[ $cur == *=* ]]; then
			COMPREPLY=($(compgen -P "${cur%%=*}=" -W 'error warning info' -- "${cur#*=}"))
		else
			COMPREPLY=($(compgen -S = -W "$("$prog" --list-checks 2>/dev/null | awk '$1 ~ /^IPE-/ { print $1 }')" -- "$cur"))
			compopt -o nospace
		fi ;;
	ipe-check:--fail-on) COMPREPLY=($(compgen -W 'error warning info' -- "$cur")) ;;
	ipe-check:--target)
		# "known: 6.12 to 6.17": ask the tool, so the list follows its table
		local range first last maj i list=
		range=$("$prog" --target=? - </dev/null 2>&1 | sed -n 's/.*known: \([0-9.]*\) to \([0-9.]*\).*/\1 \2/p')
		if [ -n "$range" ]; then
			first=${range% *} last=${range#* } maj=${first%%.*}
			for ((i = ${first#*.}; i <= ${last#*.}; i++)); do list="$list $maj.$i"; done
		fi
		COMPREPLY=($(compgen -W "$list" -- "$cur")) ;;
	ipe-check:--max-rules | ipe-check:--fold-after) COMPREPLY=() ;;
	ipe-compile:--opt | ipe-compile:--no-opt)
		local passes='contradictions dup-props duplicates dead redundant defaults all' pre=
		[[ $cur == *,* ]] && pre=${cur%,*},
		COMPREPLY=($(compgen -P "$pre" -W "$passes" -- "${cur##*,}"))
		compopt -o nospace ;;
	*:--hash) COMPREPLY=($(compgen -W 'sha256 sha384 sha512' -- "$cur")) ;;
	ipe-digest:--hash-alg) COMPREPLY=($(compgen -W 'sha256 sha512' -- "$cur")) ;;
	ipe-digest:--block-size) COMPREPLY=($(compgen -W '1024 2048 4096 8192 16384 32768 65536' -- "$cur")) ;;
	ipe-digest:--jobs | ipe-digest:-j | ipe-digest:--salt | ipe-digest:--hash-offset | \
	ipe-compile:--name | ipe-compile:--policy-version | ipe-check:--equivalent) COMPREPLY=() ;;
	*:--op) COMPREPLY=($(compgen -W "$_ipe_ops" -- "$cur")) ;;
	ipe-explain:--expect) COMPREPLY=($(compgen -W 'allow deny' -- "$cur")) ;;
	ipe-explain:--propose) COMPREPLY=($(compgen -W 'fsverity dmverity' -- "$cur")) ;;
	ipe-explain:--event) COMPREPLY=() ;;
	*:--pass | *:-p) COMPREPLY=($(compgen -W 'env: file: fd:' -- "$cur")); compopt -o nospace ;;
	ipe-sign:--keyring)
		COMPREPLY=($(compgen -W '.secondary_trusted_keys .builtin_trusted_keys .platform @s @u' -- "$cur")) ;;
	*:--securityfs | *:--root) _filedir -d ;;
	ipe-compile:--key | ipe-compile:-k | ipe-sign:--key | ipe-sign:-k)
		if [[ $cur == pkcs11:* ]]; then COMPREPLY=(); else _filedir; fi ;;
	*:--output | *:-o | *:--cert | *:-c | *:--trust | *:-t | *:--add-cert | *:--baseline | \
	*:--kernel-config | *:--bump-from | *:--decompile | *:--pkcs11-module | *:--audit | \
	*:--dm-verity | *:--hash-device)
		_filedir ;;
	*) return 1 ;;
	esac
	return 0
}

# Loaded policy names for ipectl (readable without root on most systems).
_ipe_policies()
{
	local sfs=/sys/kernel/security i w
	for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
		w=${COMP_WORDS[i]}
		case "$w" in --securityfs=*) sfs=${w#*=} ;; --securityfs) sfs=${COMP_WORDS[i + 1]} ;; esac
	done
	ls "$sfs/ipe/policies" 2>/dev/null
}

_ipe_tools()
{
	local cur prev words cword split
	_init_completion -s || return
	local prog=${words[0]##*/}

	if [[ $cur == -* && $split != true ]]; then
		COMPREPLY=($(compgen -W '$(_parse_help "$prog")' -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
	fi
	if [[ $prev == -* ]] && _ipe_complete_value "$prog" "$prev" "$cur"; then
		return
	fi

	# the subcommand: the first word that is not an option or an option's value
	local i w cmd= cmdidx=0
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
		if [[ $w != -* ]]; then
			case "${words[i - 1]}" in
			--securityfs | --format | -f | --key | -k | --cert | -c | --pass | -p | --output | -o | \
			--trust | -t | --hash | --add-cert | --pkcs11-module) continue ;;
			esac
			cmd=$w cmdidx=$i
			break
		fi
	done
	case "$prog" in
	ipe-sign)
		if [ -z "$cmd" ]; then
			COMPREPLY=($(compgen -W 'sign verify inspect extract key-add' -- "$cur"))
			return
		fi ;;
	ipectl)
		if [ -z "$cmd" ]; then
			COMPREPLY=($(compgen -W "$("$prog" --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')" -- "$cur"))
			return
		fi
		local argn=$((cword - cmdidx))
		case "$cmd:$argn" in
		enforce:1 | audit:1) COMPREPLY=($(compgen -W 'on off' -- "$cur")) ;;
		update:1 | activate:1 | delete:1 | show:1) COMPREPLY=($(compgen -W "$(_ipe_policies)" -- "$cur")) ;;
		install:1) _filedir p7b ;;
		status:* | enforce:* | audit:* | activate:* | delete:* | show:*) COMPREPLY=() ;;
		*) _filedir ;;
		esac
		return ;;
	esac
	_filedir
}

complete -F _ipe_tools ipe-check ipe-compile ipe-sign ipectl ipe-digest ipe-explain
