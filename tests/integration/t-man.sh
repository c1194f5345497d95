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
#   - README.md names no command or option veneer does not have: each
#     `veneer CMD ...` in its code (blocks and `spans`) names a command of
#     `veneer --help` and only options of `veneer CMD --help`; a synopsis
#     (a line of a plain block starting "veneer CMD", with the option
#     lines under it) lists exactly CMD's options (but -h); a lone option
#     `--x` is one of veneer's, or another program's named in its paragraph;
#   - every long option the page itself names is veneer's, or another
#     program's named in its paragraph (roff: up to a blank or request line).
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
assert_match '^build$' "$(complete_words veneer run --policy '')" "completion of --policy has no build"

# ------------------------------------------------ the README against --help
# Options of other programs the README and the page may name, each with
# the program that must be named in the same paragraph; and the one
# option the README names to show that it is refused.
others='-Dtests meson
--quick tools/bench
--prefix meson
--variant debootstrap'
refused=--no-such-option
other_program() { # OPT: the program that owns OPT, or nothing
	awk -v o="${1%%=*}" '$1 == o { print $2 }' <<<"$others"
}
paragraph_of() { # FILE LINENO: the lines around LINENO up to blank ones
	# (or roff's paragraph and block requests)
	awk -v n="$2" 'BEGIN { b = "^([ \t]*|\\.(PP|LP|P|TP|IP|SH|SS|RS|RE|nf|fi)( .*)?)$" }
		NR < n && $0 ~ b { p = ""; next } NR < n { p = p $0 "\n"; next }
		$0 ~ b { exit } { p = p $0 "\n" } END { printf "%s", p }' "$1"
}
readme=$top/README.md
"$PY" - "$readme" >"$T/readme-opts" <<'PYEOF'
# prints: "use CMD OPT LINENO" for an option given to `veneer CMD`,
# "syn CMD OPT LINENO" for one of a synopsis, "cmd CMD - LINENO" for each
# command named, "lone OPT LINENO" for a code span that is an option alone
import re, sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
def opts_of(words):
    out = []
    for w in words:
        if w == "--" or w in (";", "&&", "||", "|") or w.startswith(("<", ">")):
            break
        w = w.lstrip("[")
        m = re.match(r"^(--?[A-Za-z][A-Za-z0-9-]*)", w)
        if m:
            out.append(m.group(1))
    return out
def uses(text, n):
    for m in re.finditer(r"(?:^|[\s`$(])veneer ([a-z]+)((?: [^\s;&|<>]+)*)", text):
        for o in opts_of(m.group(2).split()):
            print("use", m.group(1), o, n)
        print("cmd", m.group(1), "-", n)
fence, syn, joined, start = None, None, "", 0
for n, line in enumerate(lines, 1):
    if fence is None:
        m = re.match(r"^```(\S*)$", line)
        if m:
            fence, syn = m.group(1), None
            continue
        for span in re.findall(r"`([^`]+)`", line):
            if span.startswith("-"):
                print("lone", span.split()[0], n)
            else:
                uses(span, n)
        continue
    if line == "```":
        fence = None
        continue
    if fence == "":
        # a plain block: synopses ("veneer CMD ..." and the option lines
        # under it), or output
        if re.match(r"^veneer [a-z]+", line):
            syn = line.split()[1]
            for o in opts_of(line.split()[2:]):
                print("syn", syn, o, n)
            print("cmd", syn, "-", n)
        elif syn and re.match(r"^ +-", line):
            for o in opts_of(re.split(r",? +", line.strip())[:2]):
                print("syn", syn, o, n)
        elif line and not line.startswith(" "):
            syn = None
        continue
    # a command of a sh or console block: "\" continuations joined, the
    # "$ " prompt and comments dropped (output lines name no veneer CMD)
    if not joined:
        start = n
        if line.startswith("$ "):
            line = line[2:]
    joined += line
    if joined.endswith("\\"):
        joined = joined[:-1] + " "
        continue
    if not joined.lstrip().startswith("#"):
        uses(re.sub(r"\s+#\s.*$", "", joined), start)
    joined = ""
PYEOF
[ -s "$T/readme-opts" ] || fail "found no veneer command in README.md"
for cmd in $commands; do options_of "$T/h-$cmd" >"$T/o-$cmd"; done
options_of "$T/help" >"$T/o-self"
while read -r kind a b n; do
	case $kind in
	cmd)
		[ -f "$T/o-$a" ] || fail "README.md:$n names 'veneer $a', which veneer --help does not list"
		;;
	use | syn)
		[ "$kind" = use ] && [ "$b" = "$refused" ] && continue
		[ -f "$T/o-$a" ] || fail "README.md:$n names 'veneer $a', which veneer --help does not list"
		grep -qx -- "$b" "$T/o-$a" ||
			fail "README.md:$n gives veneer $a the option $b, which veneer $a --help does not have"
		;;
	lone) # a, b: the option, the line
		grep -qx -- "${a%%=*}" "$T"/o-* && continue
		prog=$(other_program "$a")
		[ -n "$prog" ] || fail "README.md:$b names the option $a, which no veneer command has"
		paragraph_of "$readme" "$b" >"$T/para"
		grep -qiF -- "$prog" "$T/para" ||
			fail "README.md:$b names $a, which is $prog's, without naming $prog in that paragraph"
		;;
	*) fail "t-man.sh: the README scan printed '$kind'" ;;
	esac
done <"$T/readme-opts"
# a synopsis lists every option of its command (but -h, --help), in
# either of its spellings ("-o, --output" in --help: -o or --output)
long_forms() { # HELP-FILE < OPTIONS: each option as its long form
	local sed_script
	sed_script=$(sed -nE 's/^ +(-[A-Za-z0-9]), (--[A-Za-z0-9][A-Za-z0-9-]*).*/s#^\1$#\2#/p' "$1")
	sed -e "${sed_script:-p;d}" | grep -vx -e --help | sort -u
}
for cmd in $(awk '$1 == "syn" { print $2 }' "$T/readme-opts" | sort -u); do
	assert_eq "$(long_forms "$T/h-$cmd" <"$T/o-$cmd")" \
		"$(awk -v c="$cmd" '$1 == "syn" && $2 == c { print $3 }' "$T/readme-opts" | long_forms "$T/h-$cmd")" \
		"the options of veneer $cmd --help and of the README's synopsis of veneer $cmd"
done
# the page's own long options (roff "\-\-x", at a word's start)
grep -onP '(^|[\s\[("])\\-\\-[A-Za-z][A-Za-z0-9\\-]*' "$page" |
	sed -E 's/^([0-9]+):[] [("]*/\1 /; s/\\//g' >"$T/page-opts"
[ -s "$T/page-opts" ] || fail "found no option in veneer.1"
while read -r n o; do
	grep -qx -- "$o" "$T"/o-* && continue
	prog=$(other_program "$o")
	[ -n "$prog" ] || fail "veneer.1:$n names the option $o, which no veneer command has"
	paragraph_of "$page" "$n" | sed 's/\\-/-/g' >"$T/para"
	grep -qiF -- "$prog" "$T/para" ||
		fail "veneer.1:$n names $o, which is $prog's, without naming $prog in that paragraph"
done <"$T/page-opts"
echo "veneer.1, the completion and the README agree with --help"
