#!/bin/bash
# Which backend can run here is asked of the kernel, and said in one
# line when none can.  A machine without user namespaces is made the way
# an unprivileged user can: a child user namespace has its own
# user.max_user_namespaces, and veneer started inside it with the limit
# at 0 sees a host without them.  There `veneer run` exits 125 with one
# line that names the knob, and touches nothing (the upper it was given
# is not made); `veneer doctor` says the same on its "user ns" line, says
# whether the rung without one (notify-hostroot) could run, and exits 1;
# and --backend notify-hostroot runs there.  On this machine (namespaces
# work) doctor says yes, and --backend notify and auto both run.
source "$(dirname "$0")/lib.sh"
require_veneer
command -v unshare >/dev/null || skip "no unshare (util-linux)"
unshare -U -r true 2>/dev/null || skip "this machine has no unprivileged user namespaces to take away"

without_userns() { # veneer arguments: veneer as on a host without user namespaces
	unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" "$@"' \
		"$VENEER" "$@"
}

set +e
without_userns run --upper "$T/upper" -- true >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "run without user namespaces: exit status"
assert_eq 1 "$(wc -l <"$T/e")" "run without user namespaces: one line ($(cat "$T/e"))"
assert_match 'user namespace.*user\.max_user_namespaces is 0' "$(cat "$T/e")" \
	"the line names the knob"
[ ! -e "$T/upper" ] || fail "the upper was made although nothing could run"
[ ! -s "$T/o" ] || fail "run printed on stdout: $(cat "$T/o")"

set +e
without_userns doctor >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 1 "$rc" "doctor without user namespaces: exit status"
assert_match '^user ns +no: .*user\.max_user_namespaces is 0' "$(grep '^user ns' "$T/o")" \
	"doctor's user ns line"
assert_match '^backend +none' "$(grep '^backend' "$T/o")" "doctor's backend line"
assert_match '^hostroot +(usable|no):' "$(grep '^hostroot' "$T/o")" "doctor's hostroot line"

"$VENEER" doctor >"$T/o" 2>"$T/e" || fail "doctor here: $(cat "$T/o" "$T/e")"
assert_match '^user ns +yes' "$(grep '^user ns' "$T/o")" "doctor's user ns line here"
assert_match '^backend +notify' "$(grep '^backend' "$T/o")" "doctor's backend line here"
for b in notify auto; do
	"$VENEER" run --backend "$b" -- sh -c 'echo ok' >"$T/o" 2>"$T/e" ||
		fail "--backend $b: $(cat "$T/e")"
	assert_eq ok "$(cat "$T/o")" "--backend $b runs the command"
done

# there, the rung without a user namespace runs
if grep -q '^hostroot *usable' <(without_userns doctor 2>/dev/null); then
	without_userns run --backend notify-hostroot -- sh -c 'mkdir -p /tmp/x && cd /tmp/x && pwd' \
		>"$T/o" 2>"$T/e" || fail "notify-hostroot without user namespaces: $(cat "$T/e")"
	assert_eq /tmp/x "$(cat "$T/o")" "notify-hostroot without user namespaces"
fi
