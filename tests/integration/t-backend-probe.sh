#!/bin/bash
# Which backend can run here is asked of the kernel.  A machine without
# user namespaces is made the way an unprivileged user can: a child user
# namespace has its own user.max_user_namespaces, and veneer started
# inside it with the limit at 0 sees a host without them.  There:
#   - auto takes notify-hostroot, says so (and names the knob) under -v,
#     and the command's writes land in the upper;
#   - --backend notify exits 125 with one line that names the knob and
#     touches nothing (the upper it was given is not made);
#   - what the rung cannot give (a network namespace) is one line that
#     says auto chose it and why, and nothing is made;
#   - `veneer doctor` says no on its "user ns" line and notify-hostroot
#     on its "backend" line.
# A kernel without Landlock is made with a seccomp filter under which the
# Landlock calls fail with ENOSYS (vt-without landlock): there notify-hostroot
# refuses in one line unless --unsafe-lowers is given, auto on a host
# without user namespaces has no backend at all, and --unsafe-lowers runs
# with a warning.  A kernel or sandbox that gives no seccomp listener is
# made with a filter that fails SECCOMP_FILTER_FLAG_NEW_LISTENER with EINVAL
# (vt-without listener): there auto takes ptrace and says why, doctor's backend
# line says so, --backend notify is one line that names ptrace, and the
# command's writes land in the upper.  On this machine (namespaces work)
# doctor says yes, and --backend notify and auto both run.
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-without
command -v unshare >/dev/null || skip "no unshare (util-linux)"
unshare -U -r true 2>/dev/null || skip "this machine has no unprivileged user namespaces to take away"
# this test chooses the rung itself
VENEER=$(veneer_binary)

without_userns() { # veneer arguments: veneer as on a host without user namespaces
	unshare -U -r sh -c 'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" "$@"' \
		"$VENEER" "$@"
}

# refused VENEER-ARGS...: exit 125, one line on stderr, nothing on stdout
# and no upper made; the line is left in $T/e
refused() {
	local rc=0
	rm -rf "$T/upper"
	"$@" >"$T/o" 2>"$T/e" || rc=$?
	assert_eq 125 "$rc" "$*: exit status ($(cat "$T/e"))"
	assert_eq 1 "$(wc -l <"$T/e")" "$*: one line ($(cat "$T/e"))"
	[ ! -e "$T/upper" ] || fail "$*: the upper was made although nothing could run"
	[ ! -s "$T/o" ] || fail "$*: printed on stdout: $(cat "$T/o")"
}

refused without_userns run --backend notify --upper "$T/upper" -- true
assert_match 'user namespace.*user\.max_user_namespaces is 0' "$(cat "$T/e")" \
	"forced notify: the line names the knob"

# auto_runs WHAT NAME PATTERN VENEER-PREFIX...: auto under VENEER-PREFIX
# runs a command whose write (/tmp/NAME) lands in the upper, not on the
# host, and -v's backend line matches PATTERN
auto_runs() {
	local what=$1 name=$2 pattern=$3
	shift 3
	rm -rf "$T/upper"
	"$@" run -v --upper "$T/upper" -- sh -c "echo made >/tmp/$name; cat /tmp/$name" \
		>"$T/o" 2>"$T/e" || fail "auto $what: $(cat "$T/e")"
	assert_eq made "$(cat "$T/o")" "auto $what runs the command"
	assert_match "$pattern" "$(grep 'veneer: backend' "$T/e")" "-v names the rung auto took $what, and why"
	assert_eq made "$(cat "$T/upper/tmp/$name")" "the write landed in the upper ($what)"
	[ ! -e "/tmp/$name" ] || fail "the write reached the host's /tmp ($what)"
}

auto_runs "without user namespaces" probe-auto \
	"backend notify-hostroot.*auto's choice, no usable user namespace.*max_user_namespaces is 0" \
	without_userns

refused without_userns run --policy lab --upper "$T/upper" -- true
assert_match "network = private.*notify-hostroot \(auto's choice, no usable user namespace" \
	"$(cat "$T/e")" "what the rung cannot give says why auto took it"

without_userns doctor >"$T/o" 2>"$T/e" || fail "doctor without user namespaces: $(cat "$T/o" "$T/e")"
assert_match '^user ns +no: .*user\.max_user_namespaces is 0' "$(grep '^user ns' "$T/o")" \
	"doctor's user ns line"
assert_match '^backend +notify-hostroot: auto picks it' "$(grep '^backend' "$T/o")" \
	"doctor's backend line"
assert_match '^hostroot +usable' "$(grep '^hostroot' "$T/o")" "doctor's hostroot line"

# a kernel without Landlock
nolandlock() { "$PROGS/vt-without" landlock "$@"; }
refused nolandlock "$VENEER" run --backend notify-hostroot --upper "$T/upper" -- true
assert_match 'notify-hostroot cannot run here: this kernel has no Landlock.*--unsafe-lowers' \
	"$(cat "$T/e")" "without Landlock the rung is refused, and the way round named"
refused nolandlock unshare -U -r sh -c \
	'echo 0 > /proc/sys/user/max_user_namespaces && exec "$0" "$@"' "$VENEER" run --upper "$T/upper" -- true
assert_match 'no backend can run here: .*max_user_namespaces is 0.*notify-hostroot: .*no Landlock' \
	"$(cat "$T/e")" "auto with neither: one line with both reasons"
refused "$VENEER" run --unsafe-lowers --upper "$T/upper" -- true
assert_match 'unsafe-lowers is for --backend notify-hostroot or ptrace only' "$(cat "$T/e")" \
	"--unsafe-lowers without the rung"
nolandlock "$VENEER" run --backend notify-hostroot --unsafe-lowers --upper "$T/upper" -- \
	sh -c 'echo made >/tmp/probe-unsafe; cat /tmp/probe-unsafe' >"$T/o" 2>"$T/e" ||
	fail "--unsafe-lowers without Landlock: $(cat "$T/e")"
assert_eq made "$(cat "$T/o")" "--unsafe-lowers runs the command"
assert_match 'warning: --unsafe-lowers: this kernel has no Landlock' "$(cat "$T/e")" \
	"--unsafe-lowers warns"
assert_eq made "$(cat "$T/upper/tmp/probe-unsafe")" "the write landed in the upper"
[ ! -e /tmp/probe-unsafe ] || fail "the write reached the host's /tmp"
nolandlock "$VENEER" doctor >"$T/o" 2>&1 || true
assert_match '^hostroot +no: this kernel has no Landlock' "$(grep '^hostroot' "$T/o")" \
	"doctor without Landlock"

# no listener to be had
nonotify() { "$PROGS/vt-without" listener "$@"; }
auto_runs "without a listener" probe-ptrace \
	"backend ptrace.*auto's choice, no listener: this kernel refuses a seccomp user-notification listener" \
	nonotify "$VENEER"
refused nonotify "$VENEER" run --backend notify --upper "$T/upper" -- true
assert_match 'backend notify cannot run here: this kernel refuses a seccomp user-notification listener.*--backend ptrace runs without it' \
	"$(cat "$T/e")" "forced notify without a listener names the way round"
nonotify "$VENEER" doctor >"$T/o" 2>&1 || true
assert_match '^backend +ptrace: auto picks it' "$(grep '^backend' "$T/o")" "doctor's backend line without a listener"
assert_match '^ptrace +usable' "$(grep '^ptrace' "$T/o")" "doctor's ptrace line"

"$VENEER" doctor >"$T/o" 2>"$T/e" || fail "doctor here: $(cat "$T/o" "$T/e")"
assert_match '^user ns +yes' "$(grep '^user ns' "$T/o")" "doctor's user ns line here"
assert_match '^backend +notify:' "$(grep '^backend' "$T/o")" "doctor's backend line here"
for b in notify auto; do
	"$VENEER" run -v --backend "$b" -- sh -c 'echo ok' >"$T/o" 2>"$T/e" ||
		fail "--backend $b: $(cat "$T/e")"
	assert_eq ok "$(cat "$T/o")" "--backend $b runs the command"
	assert_match 'veneer: backend notify:' "$(grep 'veneer: backend' "$T/e")" "--backend $b is notify here"
done
