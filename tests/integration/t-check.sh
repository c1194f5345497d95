#!/bin/bash
# veneer check: an upper a sandbox left is "clean"; what a crash or a
# hand edit leaves in it (a pid in the lock, a leftover in the work area,
# a whiteout beside a real object of its name, an owner record of an
# inode gone) is listed, one line each, exit 1, nothing changed; --repair
# fixes each ("repaired ..." lines, exit 0), after which it is clean
# again and a sandbox shows what it showed; a held upper, a directory that
# is not an upper and bad options are refused with one line, exit 125.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented), whose owner records the check reads"
require_free_host_path /vt-check

U=$T/U
show() { # what the union shows of /vt-check
	vrun_ok "$T/show" "$T/e" --ids presented --upper "$U" -- sh -c 'cd /vt-check && ls -ln | awk "NR > 1 { print \$1, \$3, \$4, \$9 }"'
	cat "$T/show"
}
vrun_ok "$T/o" "$T/e" --ids presented --upper "$U" -- sh -c '
	mkdir -p /vt-check && echo a >/vt-check/a && chown 42:43 /vt-check/a &&
	echo b >/vt-check/b && chown 44:45 /vt-check/b && echo c >/vt-check/c'
shown_before=$(show)

check() { # ARG...: veneer check ARG... into $T/o, $T/e, CRC
	set +e
	"$VENEER" check "$@" >"$T/o" 2>"$T/e"
	CRC=$?
	set -e
}
check "$U"
assert_eq 0 "$CRC" "check of an upper a sandbox left: exit status"
assert_eq "$U: clean" "$(cat "$T/o")" "check of an upper a sandbox left"

# what a crash and a hand edit leave
touch "$U/vt-check/.wh.a"                      # a whiteout beside a real a
rm "$U/vt-check/b"                             # b's owner record stays
echo 999999 >"$U/.wh..wh..veneer/lock"         # a veneer that crashed
echo partial >"$U/.wh..wh..veneer/work/copy-1" # an interrupted copy-up
before=$(cd "$U" && find . -printf '%p %m %s\n' | sort)
check "$U"
assert_eq 1 "$CRC" "check of a damaged upper: exit status"
assert_match '^lock 999999: ' "$(sed -n 1p "$T/o")" "check: the crashed veneer's pid"
assert_match '^work /\.wh\.\.wh\.\.veneer/work/copy-1$' "$(sed -n 2p "$T/o")" "check: the work leftover"
assert_match '^whiteout /vt-check/\.wh\.a: beside the upper.s own a' "$(sed -n 3p "$T/o")" \
	"check: the whiteout beside a"
assert_match '^owners 1 [0-9]+: ' "$(sed -n 4p "$T/o")" "check: b's record"
assert_eq 4 "$(wc -l <"$T/o")" "check: four findings"
assert_eq "$before" "$(cd "$U" && find . -printf '%p %m %s\n' | sort)" "check without --repair changed the upper"

# a link planted where the store is rewritten: never written through
echo precious >"$T/victim"
ln -s "$T/victim" "$U/.wh..wh..veneer/owners.new"
check --repair "$U"
assert_eq precious "$(cat "$T/victim")" "check --repair wrote through a planted link"
assert_eq 0 "$CRC" "check --repair: exit status"
assert_eq 4 "$(grep -c '^repaired ' "$T/o")" "check --repair: four repairs"
check "$U"
assert_eq "$U: clean" "$(cat "$T/o")" "check after --repair"
assert_eq "$(printf '%s\n' "$shown_before" | grep -v ' b$')" "$(show)" "the union after --repair"

# a name with a newline is one line, escaped
: >"$U/vt-check/two
lines" && : >"$U/vt-check/.wh.two
lines"
check "$U"
assert_eq 1 "$(wc -l <"$T/o")" "a finding of a name with a newline: one line"
assert_match 'whiteout /vt-check/\.wh\.two\\nlines: beside the upper' "$(cat "$T/o")" \
	"a finding of a name with a newline: escaped"
rm "$U/vt-check/two
lines" "$U/vt-check/.wh.two
lines"

# refused
refused() { # WHAT PATTERN ARG...
	local what=$1 pattern=$2
	shift 2
	check "$@"
	assert_eq 125 "$CRC" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line"
	assert_match "^veneer: check: .*$pattern" "$(cat "$T/e")" "$what: the line"
}
mkdir -p "$T/plain"
refused "check of a plain directory" "is not an upper" "$T/plain"
refused "check without UPPER" "no UPPER given"
refused "check, a bad option" "unknown option --fix" --fix "$U"
"$VENEER" run --upper "$U" -- sh -c 'echo up >/vt-check/ready; sleep 30' </dev/null >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 200); do [ -e "$U/vt-check/ready" ] && break; sleep 0.05; done
refused "check --repair of a held upper" "in use by veneer pid $holder" --repair "$U"
refused "check of a held upper" "in use by veneer pid $holder" "$U"
kill "$holder"
wait "$holder" 2>/dev/null || true
