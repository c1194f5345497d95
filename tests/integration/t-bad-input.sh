#!/bin/bash
# Bad input: each mistake gets exit status 125 and exactly one line on
# stderr starting with "veneer: ", nothing on stdout, the command is not
# run, and nothing is created or changed on disk (the --upper given
# with the mistake is not created; the scratch tree is unchanged).
#   missing lower; lower that is a file; the same lower twice (also via
#   a symlink); upper inside a lower; lower inside the upper; upper on
#   a read-only file system; upper not writable; --bind source
#   missing; no COMMAND; --backend ptrace (not built yet); unknown
#   --backend value; unknown option.
source "$(dirname "$0")/lib.sh"
require_veneer

mkdir -p "$T/w/l1/sub" "$T/w/l2" "$T/w/u/sub" "$T/res"
put "$T/w/afile" "not a directory"
ln -s l1 "$T/w/l1-alias"
W=$T/w
MARK=$T/res/ran

# bad WHAT ARG... (veneer run arguments; the command touches $MARK)
bad() {
	local what=$1 before after
	shift
	before=$(snapshot "$W")
	set +e
	"$VENEER" run "$@" >"$T/res/out" 2>"$T/res/err" </dev/null
	local rc=$?
	set -e
	after=$(snapshot "$W")
	if [ "$rc" -ne 125 ]; then
		show_file stderr "$T/res/err" >&2
		fail "$what: exit status $rc, expected 125"
	fi
	local lines
	lines=$(wc -l <"$T/res/err")
	if [ "$lines" -ne 1 ] || ! grep -q '^veneer: ' "$T/res/err"; then
		show_file stderr "$T/res/err" >&2
		fail "$what: stderr must be one line starting with 'veneer: '"
	fi
	note "$what: $(cat "$T/res/err")"
	[ ! -s "$T/res/out" ] || fail "$what: something on stdout: $(head -c 200 "$T/res/out")"
	[ ! -e "$MARK" ] || fail "$what: the command ran"
	assert_eq "$before" "$after" "$what: files changed on disk"
	[ ! -e "$W/newupper" ] || fail "$what: the upper was created"
}

cmd=(-- touch "$MARK")
bad "missing lower" --lower "$W/nonexistent" --upper "$W/newupper" "${cmd[@]}"
bad "lower is a file" --lower "$W/afile" --upper "$W/newupper" "${cmd[@]}"
bad "same lower twice" --lower "$W/l1" --lower "$W/l1" --upper "$W/newupper" "${cmd[@]}"
bad "same lower twice (trailing slash)" --lower "$W/l1" --lower "$W/l1/" --upper "$W/newupper" "${cmd[@]}"
bad "same lower twice (via a symlink)" --lower "$W/l1" --lower "$W/l1-alias" --upper "$W/newupper" "${cmd[@]}"
bad "upper inside a lower" --lower "$W/l1" --upper "$W/l1/sub/up" "${cmd[@]}"
bad "upper is a lower" --lower "$W/l1" --upper "$W/l1" "${cmd[@]}"
bad "lower inside the upper" --lower "$W/u/sub" --lower "$W/l2" --upper "$W/u" "${cmd[@]}"
bad "upper is a file" --lower "$W/l1" --upper "$W/afile" "${cmd[@]}"
bad "bind source missing" --bind "$W/nonexistent:/mnt/x" --upper "$W/newupper" "${cmd[@]}"
bad "bind source missing (no DEST)" --bind "$W/nonexistent" --upper "$W/newupper" "${cmd[@]}"
bad "no COMMAND" --lower "$W/l1" --upper "$W/newupper"
bad "no COMMAND after --" --lower "$W/l1" --upper "$W/newupper" --
bad "unknown option" --frobnicate --upper "$W/newupper" "${cmd[@]}"
bad "unknown --backend" --backend=bogus --upper "$W/newupper" "${cmd[@]}"
bad "--lower without a value" --lower
bad "--backend=ptrace" --backend=ptrace --upper "$W/newupper" "${cmd[@]}"
grep -qi 'not built' "$T/res/err" || fail "--backend=ptrace: the message must say it is not built yet"
bad "--backend ptrace" --backend ptrace --upper "$W/newupper" "${cmd[@]}"
grep -qi 'not built' "$T/res/err" || fail "--backend ptrace: the message must say it is not built yet"

if [ "$(id -u)" -ne 0 ]; then
	mkdir -p "$W/ro-upper" "$W/ro-parent"
	chmod 555 "$W/ro-upper" "$W/ro-parent"
	bad "upper not writable" --upper "$W/ro-upper" "${cmd[@]}"
	bad "upper's parent not writable" --upper "$W/ro-parent/up" "${cmd[@]}"
	chmod 755 "$W/ro-upper" "$W/ro-parent"
else
	note "root ignores directory modes: 'upper not writable' not tested"
fi

# an upper on a read-only file system: a read-only bind mount of $W/rofs
# in a user namespace of our own (veneer runs nested in it)
mkdir -p "$W/rofs/existing"
if unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/probe" 2>/dev/null' \
	sh "$W/rofs" 2>/dev/null; then
	for up in "$W/rofs/existing" "$W/rofs/new"; do
		before=$(snapshot "$W")
		set +e
		unshare -rm sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
			sh "$W/rofs" "$VENEER" run --upper "$up" -- touch "$MARK" \
			>"$T/res/out" 2>"$T/res/err" </dev/null
		rc=$?
		set -e
		what="upper on a read-only file system ($(basename "$up"))"
		assert_eq 125 "$rc" "$what: exit status"
		assert_eq 1 "$(wc -l <"$T/res/err")" "$what: one line on stderr"
		grep -q '^veneer: ' "$T/res/err" || fail "$what: stderr must start with 'veneer: '"
		note "$what: $(cat "$T/res/err")"
		[ ! -e "$MARK" ] || fail "$what: the command ran"
		assert_eq "$before" "$(snapshot "$W")" "$what: files changed on disk"
	done
else
	note "cannot make a read-only bind mount in a user namespace: read-only upper not tested"
fi

# for contrast: good input in the same places works
vrun_ok "$T/res/o" "$T/res/e" --lower "$W/l1" --lower "$W/l2" --lower / --upper "$W/newupper" -- true
[ -d "$W/newupper" ] || fail "a missing --upper is created"
echo "bad input: refused cleanly"
