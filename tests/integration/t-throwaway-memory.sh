#!/bin/bash
# A throwaway upper (no --upper) is a tmpfs of the supervisor's own mount
# namespace: nothing of it is ever on the host.  While a sandbox writes,
# TMPDIR and the host's view of the path written stay untouched; TMPDIR
# need not exist; what is written reads back whole; the union's root
# keeps the lower's mode (the tmpfs's own 0700 is an upper's private
# mode); and after a SIGKILL of veneer itself (nothing runs its clean-up)
# nothing is left behind either.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "upper of a mount namespace's own: its throwaway upper is a directory of a host tmpfs (t-throwaway-upper covers it)"

tmpd=$T/tmpd
mkdir -p "$tmpd" "$T/io"
left() { find "$tmpd" -mindepth 1 -maxdepth 1 | head -n 5; }
name=veneer-tm-$$-$RANDOM
[ ! -e "/tmp/$name" ] || fail "/tmp/$name exists already"

# written inside, read back inside; the host's /tmp never sees it
# shellcheck disable=SC2016
TMPDIR=$tmpd vrun_ok "$T/o" "$T/e" -- sh -c '
	head -c 8388608 /dev/urandom >"/tmp/$1" && cp "/tmp/$1" "/tmp/$1.copy" &&
	cmp "/tmp/$1" "/tmp/$1.copy" && wc -c <"/tmp/$1.copy" && stat -c %a /' sh "$name"
assert_eq "8388608
755" "$(cat "$T/o")" "8 MB written to a throwaway upper, and the union root's mode"
[ ! -e "/tmp/$name" ] || fail "a file written inside appeared on the host at /tmp/$name"
assert_eq "" "$(left)" "TMPDIR got something from a throwaway upper"

# TMPDIR is not used at all: one that does not exist is no obstacle
TMPDIR=$T/missing vrun_ok "$T/o" "$T/e" -- sh -c 'echo x >/tmp/f && cat /tmp/f'
assert_eq x "$(cat "$T/o")" "a run with TMPDIR missing"
[ ! -e "$T/missing" ] || fail "veneer created TMPDIR"

# veneer itself killed while the sandbox writes: nothing on the host
TMPDIR=$tmpd "$VENEER" run --bind "$T/io:/io" -- sh -c \
	'echo data >/tmp/kept && echo up >/io/ready && sleep 60' >"$T/o" 2>"$T/e" </dev/null &
vpid=$!
for _ in $(seq 400); do [ -s "$T/io/ready" ] && break; sleep 0.05; done
[ -s "$T/io/ready" ] || { kill -KILL $vpid; fail "the target never started"; }
assert_eq "" "$(left)" "TMPDIR holds something while a throwaway upper is in use"
kill -KILL $vpid
set +e
wait $vpid
rc=$?
set -e
assert_eq 137 "$rc" "exit status after SIGKILL to veneer"
assert_eq "" "$(left)" "something left in TMPDIR after SIGKILL of veneer"
echo "throwaway upper: in memory, nothing on the host"
