#!/bin/bash
# veneer(1) and the bash completion cannot drift from the program:
#   - docs/veneer.1 renders without a warning (groff -ww, man --warnings)
#     and names the version `veneer --version` prints;
#   - every command `veneer --help` lists has its subsection, and each
#     option `veneer CMD --help` prints is a tagged entry of that
#     subsection, and each tagged option there is in --help (both ways);
#     veneer's own options likewise;
#   - the completion offers exactly the options of each --help, and the
#     commands `veneer --help` lists.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd groff
require_cmd man

top=$(cd "$IT_DIR/../.." && pwd)
page=$top/docs/veneer.1
completion=$top/docs/veneer.bash
[ -f "$page" ] || fail "no docs/veneer.1"
[ -f "$completion" ] || fail "no docs/veneer.bash"

groff -ww -z -man "$page" >"$T/w" 2>&1 || fail "groff cannot format veneer.1"
[ ! -s "$T/w" ] || { show_file "groff -ww" "$T/w"; fail "groff warns about veneer.1"; }
LC_ALL=C MANPAGER=cat MANWIDTH=200 man --warnings -l "$page" >"$T/man" 2>"$T/w" ||
	fail "man -l cannot render veneer.1"
[ ! -s "$T/w" ] || { show_file "man --warnings" "$T/w"; fail "man warns about veneer.1"; }
grep -q '^EXIT STATUS' "$T/man" || fail "the page has no EXIT STATUS section"
version=$("$VENEER" --version)
grep -q "^$version  " "$T/man" || fail "the page's footer does not name $version: $(tail -n 1 "$T/man")"

# options_of HELP-FILE: the options an option list of --help names, one a
# line, sorted ("  -o, --output FILE   ..." gives -o and --output)
options_of() {
	sed -nE 's/^ +((-[A-Za-z0-9], )?--?[A-Za-z0-9][A-Za-z0-9-]*).*/\1/p' "$1" | tr ',' '\n' |
		tr -d ' ' | sort -u
}
# section_of TITLE: the rendered subsection whose header starts with TITLE
section_of() {
	awk -v t="   $1" 'index($0, t) == 1 && !in_s { in_s = 1; next }
		in_s && (/^   [^ ]/ || /^[A-Z]/) { exit }
		in_s { print }' "$T/man"
}
# tags_of SECTION-FILE: the options of its tagged entries (7 spaces in)
tags_of() {
	sed -nE 's/^       ((-[A-Za-z0-9], )?--?[A-Za-z0-9][A-Za-z0-9-]*).*/\1/p' "$1" | tr ',' '\n' |
		tr -d ' ' | sort -u
}
complete_words() { # WORD... (the last one is completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _veneer; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$completion" "$@" | sort -u
}

"$VENEER" --help >"$T/help"
commands=$(sed -n '/^Commands:/,/^$/p' "$T/help" | sed -nE 's/^  ([a-z]+) .*/\1/p' | sort)
[ -n "$commands" ] || fail "veneer --help lists no commands"
assert_eq "$commands" "$(complete_words veneer '')" "the completion's commands are those of veneer --help"

for cmd in $commands; do
	"$VENEER" help "$cmd" >"$T/h-$cmd" || fail "veneer help $cmd"
	section_of "veneer $cmd" >"$T/s-$cmd"
	[ -s "$T/s-$cmd" ] || fail "veneer.1 has no subsection 'veneer $cmd'"
	[ "$cmd" = help ] && continue # its --help is veneer --help (below)
	opts=$(options_of "$T/h-$cmd")
	[ -n "$opts" ] || fail "veneer $cmd --help lists no options"
	assert_eq "$opts" "$(tags_of "$T/s-$cmd")" \
		"the options of veneer $cmd --help and of its subsection of veneer.1"
	assert_eq "$opts" "$(complete_words veneer "$cmd" -)" \
		"the options of veneer $cmd --help and of the completion"
done
section_of "Options of veneer itself" >"$T/s-self"
assert_eq "$(options_of "$T/help")" "$(tags_of "$T/s-self")" \
	"veneer's own options in --help and in veneer.1"
assert_eq "$(options_of "$T/help")" "$(complete_words veneer -)" \
	"veneer's own options in --help and in the completion"

# the completion's values: directories for --lower and --upper, policies
mkdir -p "$T/c/lowerdir" && : >"$T/c/afile"
assert_eq "$T/c/lowerdir" "$(complete_words veneer run --lower "$T/c/")" "completion of --lower: directories"
assert_eq "$T/c/lowerdir" "$(complete_words veneer doctor --upper "$T/c/")" "completion of --upper: directories"
assert_match '^auto$' "$(complete_words veneer run --ids a)" "completion of --ids"
complete_words veneer run --policy '' | grep -qx build || fail "completion of --policy has no build"
echo "veneer.1 and the completion agree with --help"
