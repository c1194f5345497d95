#!/bin/bash
# Bad input: each mistake gets exit status 125 and exactly one line on
# stderr starting with "veneer: ", nothing on stdout, the command is not
# run, and nothing is created or changed on disk (the --upper given
# with the mistake is not created; the scratch tree is unchanged).
#   missing lower; lower that is a file; the same lower twice (also via
#   a symlink); upper inside a lower; lower inside the upper; upper on
#   a read-only file system; upper not writable; --bind source
#   missing; no COMMAND; --backend ptrace with a --bind (no mounts there); unknown
#   --backend value; unknown option; a policy that is not a policy file
#   (a directory, /dev/zero, a FIFO, a NUL byte, more than 64 KiB, not
#   UTF-8, unreadable); a --bind destination that is reserved once
#   canonical (/., /usr/../proc); a directory on fd 0, 1 or 2; more
#   lowers than the union holds.  And canonical --bind destinations that
#   are fine: /a//b/ mounts at /a/b, /bin/../x at /x.
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
	"$VENEER" run "$@" >"$T/res/out" 2>"$T/res/err" <"${BAD_STDIN:-/dev/null}"
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
bad "--backend=ptrace with --bind" --backend=ptrace --bind /tmp --upper "$W/newupper" "${cmd[@]}"
grep -q -- '--bind needs a mount, and ptrace' "$T/res/err" ||
	fail "--backend ptrace with --bind: the message must say the rung has no mounts"

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

# says EXPECTED-ERE WHAT: the last refusal's line matches
says() {
	assert_match "$1" "$(cat "$T/res/err")" "$2: the message"
}

# Policies fail closed: what is not a policy file is refused, never read
# as an empty policy (the host's network and every capability).
P=$T/pol
mkdir -p "$P/dir.policy"
printf 'network = none\n# \0\ncapabilities = none\n' >"$P/nul.policy"
printf 'network = none\nsys = none # caf\xe9\n' >"$P/latin1.policy"
printf 'network = none\n' >"$P/big.policy"
head -c 65536 /dev/zero | tr '\0' '#' >>"$P/big.policy"
mkfifo "$P/fifo.policy"
bad "policy is a directory" --policy "$P/dir.policy" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: --policy $P/dir.policy is a directory; give a policy file" "policy is a directory"
bad "policy is /dev/zero" --policy /dev/zero --upper "$W/newupper" "${cmd[@]}"
says "^veneer: --policy /dev/zero is a character device; give a policy file" "policy is /dev/zero"
bad "policy is a FIFO" --policy "$P/fifo.policy" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: --policy $P/fifo.policy is a FIFO" "policy is a FIFO"
bad "policy has a NUL byte" --policy "$P/nul.policy" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: $P/nul.policy:2: a NUL byte; a policy is UTF-8 text\$" "policy has a NUL byte"
bad "policy is not UTF-8" --policy "$P/latin1.policy" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: $P/latin1.policy:2: byte 0xe9 is not UTF-8" "policy is not UTF-8"
bad "policy is larger than 64 KiB" --policy "$P/big.policy" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: $P/big.policy is larger than 64 KiB" "policy is larger than 64 KiB"
bad "policy with a relative host socket" --policy "$IT_DIR/../fuzz/policy/corpus/host-sockets-relative" \
	--upper "$W/newupper" "${cmd[@]}"
says "host-sockets-relative:1: host-sockets: 'relative' is not an absolute path" \
	"policy with a relative host socket"
if [ "$(id -u)" -ne 0 ]; then
	printf 'network = none\n' >"$P/unreadable.policy"
	chmod 000 "$P/unreadable.policy"
	bad "policy is unreadable" --policy "$P/unreadable.policy" --upper "$W/newupper" "${cmd[@]}"
	says "^veneer: --policy $P/unreadable.policy cannot be read: Permission denied\$" \
		"policy is unreadable"
else
	note "root reads any file: 'policy is unreadable' not tested"
fi

# --bind destinations are checked in their canonical form
mkdir -p "$T/bsrc"
bad "--bind onto /." --bind "$T/bsrc:/." --upper "$W/newupper" "${cmd[@]}"
says "^veneer: --bind destination /\. \(/\) is reserved" "--bind onto /."
bad "--bind onto /usr/../proc" --bind "$T/bsrc:/usr/../proc" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: --bind destination /usr/\.\./proc \(/proc\) is reserved" "--bind onto /usr/../proc"
bad "--bind onto //dev/./pts/" --bind "$T/bsrc://dev/./pts/" --upper "$W/newupper" "${cmd[@]}"
says "\(/dev/pts\) is reserved" "--bind onto //dev/./pts/"
bad "--bind onto /sys/.." --bind "$T/bsrc:/tmp/../sys/.." --upper "$W/newupper" "${cmd[@]}"
says "\(/\) is reserved" "--bind onto /tmp/../sys/.."

# a directory inherited on fd 0, 1 or 2 is a handle on the host's tree
BAD_STDIN=$W bad "a directory on standard input" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: standard input is a directory \(fd 0: $W\); give a file or a terminal\$" \
	"a directory on standard input"
for fd in 1 2; do
	before=$(snapshot "$W")
	set +e
	case $fd in
	1) "$VENEER" run --upper "$W/newupper" "${cmd[@]}" </dev/null 1<"$W" 2>"$T/res/err" ;;
	2) "$VENEER" run --upper "$W/newupper" "${cmd[@]}" </dev/null >"$T/res/out" 2<"$W" ;;
	esac
	rc=$?
	set -e
	assert_eq 125 "$rc" "a directory on fd $fd: exit status"
	[ ! -e "$MARK" ] || fail "a directory on fd $fd: the command ran"
	[ ! -e "$W/newupper" ] || fail "a directory on fd $fd: the upper was created"
	assert_eq "$before" "$(snapshot "$W")" "a directory on fd $fd: files changed on disk"
	if [ "$fd" = 1 ]; then
		says "^veneer: standard output is a directory \(fd 1: $W\); give a file or a terminal\$" \
			"a directory on standard output"
	fi
done

# the union holds 32 layers: the upper and 31 lowers
many=()
for i in $(seq 1 32); do
	mkdir -p "$T/many/l$i"
	many+=(--lower "$T/many/l$i")
done
bad "32 lowers" "${many[@]}" --upper "$W/newupper" "${cmd[@]}"
says "^veneer: 32 lowers given; a union has at most 31 lowers" "32 lowers"

# for contrast: good input in the same places works
vrun_ok "$T/res/o" "$T/res/e" --lower "$W/l1" --lower "$W/l2" --lower / --upper "$W/newupper" -- true
[ -d "$W/newupper" ] || fail "a missing --upper is created"
# 31 lowers: 30 and the host root
vrun_ok "$T/res/o" "$T/res/e" "${many[@]:4}" --lower / -- true

# canonical --bind destinations mount where they name: /a//b/ at /a/b
# (a is a directory of the union), /bin/../x at /x; notify-hostroot
# refuses every --bind (t-hostroot)
if ! on_hostroot; then
	echo bound >"$T/bsrc/f"
	mkdir -p "$T/blower/a"
	vrun_ok "$T/res/o" "$T/res/e" --lower "$T/blower" --lower / --bind "$T/bsrc:/a//b/" -- \
		sh -c 'cat /a/b/f; awk '\''$5 == "/a/b" { print "mounted at " $5 }'\'' /proc/self/mountinfo'
	assert_eq "bound
mounted at /a/b" "$(cat "$T/res/o")" "--bind SRC:/a//b/ mounts at /a/b"
	if [ -e /x ] || [ -L /x ]; then
		note "/x exists on the host: --bind SRC:/bin/../x not tested"
	else
		vrun_ok "$T/res/o" "$T/res/e" --bind "$T/bsrc:/bin/../x" -- \
			sh -c 'cat /x/f; awk '\''$5 == "/x" { print "mounted at " $5 }'\'' /proc/self/mountinfo'
		assert_eq "bound
mounted at /x" "$(cat "$T/res/o")" "--bind SRC:/bin/../x mounts at /x"
	fi
fi
echo "bad input: refused cleanly"
