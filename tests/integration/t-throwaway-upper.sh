#!/bin/bash
# Without --upper, veneer uses a throwaway upper and removes it at exit:
# after a normal exit, a failing command, a target killed by a signal,
# and veneer itself stopped by SIGTERM or SIGKILL (while the command
# runs, and at random points of its start), TMPDIR holds nothing new.
# The rungs without namespaces make it in TMPDIR when that is a tmpfs
# (as here: a directory on /dev/shm), else in /dev/shm, in memory as
# notify's own tmpfs is: with TMPDIR on disk, none is made there.
# A given --upper is kept.
source "$(dirname "$0")/lib.sh"
require_veneer

[ "$(stat -f -c %T /dev/shm)" = tmpfs ] || skip "/dev/shm is not a tmpfs here"
tmpd=$(mktemp -d /dev/shm/t-throwaway-upper.XXXXXX)
trap 'rm -rf "$tmpd"' EXIT
mkdir -p "$T/io" "$T/disk"
left() { find "$tmpd" -mindepth 1 -maxdepth 1 | head -n 5; }

if on_hostroot; then
	TMPDIR=$tmpd "$VENEER" run -- sh -c 'echo up; sleep 60' >"$T/o" 2>"$T/e" </dev/null &
	vpid=$!
	for _ in $(seq 400); do [ -s "$T/o" ] && break; sleep 0.05; done
	[ -n "$(left)" ] || { kill -KILL $vpid; fail "no throwaway upper in a TMPDIR on tmpfs"; }
	# private on the host, as any upper veneer makes: another user may
	# neither read it nor plant files in it
	made=$(stat -c '%a %u' "$(left)")
	[ "$made" = "700 $(id -u)" ] || { kill -KILL $vpid; fail "the throwaway upper is $made, not 700 and ours"; }
	kill -KILL $vpid
	wait $vpid || true
	for _ in $(seq 100); do [ -z "$(left)" ] && break; sleep 0.05; done
	TMPDIR=$T/disk "$VENEER" run -- sh -c 'echo up; sleep 60' >"$T/o" 2>"$T/e" </dev/null &
	vpid=$!
	for _ in $(seq 400); do [ -s "$T/o" ] && break; sleep 0.05; done
	made=$(find "$T/disk" -mindepth 1 -maxdepth 1 | head -n 5)
	kill -KILL $vpid
	wait $vpid || true
	assert_eq "" "$made" "a throwaway upper on disk, with /dev/shm a tmpfs"
	# the second red team of these rungs: a tree deeper than the fds a
	# process may hold (one per level was kept while removing) and
	# directories made read-only inside were left in /dev/shm
	TMPDIR=$tmpd vrun_ok "$T/o" "$T/e" -- sh -c '
		P=$(printf "d/%.0s" $(seq 275)); cd /tmp || exit 1
		for i in 1 2 3 4; do mkdir -p $P && cd $P || exit 1; done
		echo x >f; mkdir -p ro/x && touch ro/x/f && chmod 555 ro/x ro'
	assert_eq "" "$(left)" "a throwaway upper holding a 1100-deep tree and read-only directories left behind"
fi

TMPDIR=$tmpd vrun_ok "$T/o" "$T/e" -- true
assert_eq "" "$(left)" "throwaway upper left behind after a normal exit"
TMPDIR=$tmpd vrun "$T/o" "$T/e" -- sh -c 'exit 4'
assert_eq 4 "$VRC" "exit status"
assert_eq "" "$(left)" "throwaway upper left behind after exit 4"
# shellcheck disable=SC2016
TMPDIR=$tmpd vrun "$T/o" "$T/e" -- sh -c 'kill -KILL $$'
assert_eq 137 "$VRC" "exit status"
assert_eq "" "$(left)" "throwaway upper left behind after SIGKILL of the target"

# stop_veneer SIGNAL STATUS: veneer, stopped by SIGNAL while its command
# runs, exits with STATUS and leaves nothing in TMPDIR
stop_veneer() {
	local rc
	TMPDIR=$tmpd "$VENEER" run -- sh -c 'echo up; sleep 60' >"$T/o" 2>"$T/e" </dev/null &
	vpid=$!
	for _ in $(seq 400); do [ -s "$T/o" ] && break; sleep 0.05; done
	[ -s "$T/o" ] || { kill -KILL $vpid; fail "the target never started"; }
	kill "-$1" $vpid
	set +e
	wait $vpid
	rc=$?
	set -e
	assert_eq "$2" "$rc" "exit status after SIG$1 to veneer"
	# nothing of veneer's runs its clean-up after a SIGKILL: its janitor does
	for _ in $(seq 100); do [ -z "$(left)" ] && break; sleep 0.05; done
	assert_eq "" "$(left)" "throwaway upper left behind after SIG$1 to veneer"
}
stop_veneer TERM 143
stop_veneer KILL 137

# veneer killed at random points of its start: the janitor, started
# before the upper is made, has it from its mkdir on (a red team's 300
# such kills left 4 uppers and 3 skeletons when it came after them)
if on_hostroot; then
	for _ in $(seq 100); do
		TMPDIR=$tmpd "$VENEER" run -- true </dev/null >/dev/null 2>&1 &
		vpid=$!
		sleep "0.00$((RANDOM % 10))$((RANDOM % 10))"
		kill -KILL $vpid 2>/dev/null || true
		wait $vpid 2>/dev/null || true
	done
	for _ in $(seq 100); do [ -z "$(left)" ] && break; sleep 0.05; done
	assert_eq "" "$(left)" "throwaway upper left behind by veneer killed during its start"
fi

vrun_ok "$T/o" "$T/e" --upper "$T/keep" -- true
[ -d "$T/keep" ] || fail "a given --upper was removed"
echo "throwaway upper: removed"
