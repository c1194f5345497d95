# SPDX-License-Identifier: Apache-2.0
# bash completion for veneer(1): commands, options, policy names, the
# store's images, and directories for --lower, --upper and --chdir.  Installed as
# $datadir/bash-completion/completions/veneer; it needs nothing of the
# bash-completion package, so `source` works as well.

# The installed policies sit beside this file's share directory:
# $datadir/bash-completion/completions/veneer -> $datadir/veneer/policies
_veneer_policy_dir=${BASH_SOURCE[0]%/*}/../../veneer/policies

_veneer_policies()
{
	local f names=()
	for f in "$_veneer_policy_dir"/*.policy; do
		[ -e "$f" ] || continue
		f=${f##*/}
		names+=("${f%.policy}")
	done
	[ ${#names[@]} -gt 0 ] || names=(default build lab container)
	printf '%s\n' "${names[@]}"
}

# _veneer_reply WORDS...: complete the current word from WORDS
_veneer_reply()
{
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$*" -- "$cur"))
}

_veneer_dirs()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -d -- "$cur"))
}

_veneer_files()
{
	local IFS=$'\n'
	compopt -o filenames 2>/dev/null
	COMPREPLY=($(compgen -f -- "$cur"))
}

# The store's images, NAME:TAG, from `veneer image ls` (the veneer being
# completed: the first word).
_veneer_images()
{
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" image ls 2>/dev/null | awk 'NR > 1 { print $1 ":" $2 }')" -- "$cur"))
}

# _veneer_value CMD OPTION: complete the value of OPTION; 1 if it takes none
_veneer_value()
{
	case "$1:$2" in
	run:--lower | run:--upper | run:--chdir | doctor:--lower | doctor:--upper | diff:--lower)
		_veneer_dirs ;;
	run:--bind)
		_veneer_files ;;
	run:--policy)
		if [[ $cur == */* ]]; then
			_veneer_files
		else
			_veneer_reply "$(_veneer_policies)"
		fi ;;
	run:--backend)
		_veneer_reply auto notify notify-hostroot ptrace ;;
	run:--ids)
		_veneer_reply auto presented kernel ;;
	run:--env)
		compopt -o nospace 2>/dev/null
		local IFS=$'\n'
		COMPREPLY=($(compgen -e -S = -- "$cur")) ;;
	run:--unsetenv)
		local IFS=$'\n'
		COMPREPLY=($(compgen -e -- "$cur")) ;;
	run:--hostname)
		COMPREPLY=() ;;
	run:--image)
		_veneer_images ;;
	image:--name)
		COMPREPLY=() ;;
	export:-o | export:--output | run:--record)
		_veneer_files ;;
	commit:--into | import:-o | import:--output)
		_veneer_dirs ;;
	diff:--format)
		_veneer_reply text json ;;
	export:--compress)
		_veneer_reply gzip zstd ;;
	export:--mtime)
		COMPREPLY=() ;;
	diff:--include | diff:--exclude)
		COMPREPLY=() ;;
	*)
		return 1 ;;
	esac
	return 0
}

_veneer()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd="" i word prev
	local commands="run diff export commit import check rm image doctor help"
	local run_opts="--lower --upper --bind --chdir --policy --backend --ids --env --unsetenv --clearenv --hostname --unsafe-lowers --keep --commit --record --image --build-user -v --verbose -h --help"
	local image_opts="--name -h --help"
	local doctor_opts="--lower --upper -h --help"
	local diff_opts="--lower --include --exclude --format -h --help"
	local export_opts="-o --output --mtime --compress -h --help"
	local rm_opts="-f --force -h --help"
	local check_opts="--repair -h --help"
	local commit_opts="--into --dry-run --yes -h --help"
	local import_opts="-o --output -q --quiet -h --help"

	COMPREPLY=()
	# the command, and for run the first word of the command to run
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [ -z "$cmd" ]; then
			case $word in
			-*) ;;
			*) cmd=$word ;;
			esac
			continue
		fi
		if [ "$cmd" = run ]; then
			case $word in
			--)
				# after --: the command's name, then its arguments
				[ "$i" = $((COMP_CWORD - 1)) ] && cmd=run-name || cmd=run-args
				break ;;
			--lower | --upper | --bind | --chdir | --policy | --backend | --ids | --env | --unsetenv | --hostname | --image)
				i=$((i + 1))
				[ "${COMP_WORDS[i]:-}" = "=" ] && i=$((i + 1)) ;;
			-*) ;;
			*) cmd=run-args; break ;;
			esac
		fi
	done

	if [ -z "$cmd" ]; then
		case $cur in
		-*) _veneer_reply -h --help -V --version ;;
		*) _veneer_reply $commands ;;
		esac
		return 0
	fi
	if [ "$cmd" = run-name ]; then
		local IFS=$'\n'
		COMPREPLY=($(compgen -c -- "$cur"))
		return 0
	fi
	if [ "$cmd" = run-args ]; then
		_veneer_files
		return 0
	fi

	# an option's value: "--opt VALUE" or "--opt=VALUE" (bash splits at =)
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	if [ "$prev" = "=" ] && [ "$COMP_CWORD" -ge 2 ]; then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	elif [ "$cur" = "=" ]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=""
	fi
	_veneer_value "$cmd" "$prev" && return 0

	case $cmd in
	run)
		# an empty word: the options first (the command comes after --)
		if [[ -z $cur || $cur == -* ]]; then
			_veneer_reply $run_opts
		else
			local IFS=$'\n'
			COMPREPLY=($(compgen -c -- "$cur"))
		fi ;;
	doctor)
		_veneer_reply $doctor_opts ;;
	diff)
		if [[ $cur == -* ]]; then _veneer_reply $diff_opts; else _veneer_dirs; fi ;;
	export)
		if [[ $cur == -* ]]; then _veneer_reply $export_opts; else _veneer_dirs; fi ;;
	rm)
		if [[ $cur == -* ]]; then _veneer_reply $rm_opts; else _veneer_dirs; fi ;;
	check)
		if [[ $cur == -* ]]; then _veneer_reply $check_opts; else _veneer_dirs; fi ;;
	commit)
		if [[ $cur == -* ]]; then _veneer_reply $commit_opts; else _veneer_dirs; fi ;;
	import)
		if [[ $cur == -* ]]; then _veneer_reply $import_opts; else _veneer_files; fi ;;
	image)
		# its own command, then a layout directory (import) or an image (rm)
		if [[ $cur == -* ]]; then
			_veneer_reply $image_opts
		elif [ "$COMP_CWORD" = 2 ]; then
			_veneer_reply import ls rm
		elif [ "${COMP_WORDS[2]}" = import ]; then
			_veneer_dirs
		elif [ "${COMP_WORDS[2]}" = rm ]; then
			_veneer_images
		fi ;;
	help)
		[ "$COMP_CWORD" = 2 ] && _veneer_reply $commands ;;
	esac
	return 0
}

complete -F _veneer veneer
