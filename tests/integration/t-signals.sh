#!/bin/bash
# Signals: SIGTERM sent to veneer reaches the target (veneer then exits
# 143, or with the target's own status when it traps the signal), and
# Ctrl-C typed on veneer's terminal (a pty, no real terminal needed)
# interrupts the target ("trap ... INT" runs, veneer exits 7).
source "$(dirname "$0")/lib.sh"
require_veneer

# wait_for_file FILE: up to 20 s
wait_for_file() {
	local i=0
	while [ ! -s "$1" ]; do
		sleep 0.05
		i=$((i + 1))
		[ $i -lt 400 ] || return 1
	done
}

term_test() {
	local want=$1 what=$2 script=$3 start end rc
	mkdir -p "$T/io"
	rm -f "$T/io/ready"
	start=$(date +%s)
	"$VENEER" run --bind "$T/io:/io" -- sh -c "$script" >"$T/o" 2>"$T/e" </dev/null &
	local vpid=$!
	wait_for_file "$T/io/ready" || { kill -KILL $vpid; fail "$what: the target never got ready"; }
	kill -TERM "$vpid"
	set +e
	wait "$vpid"
	rc=$?
	set -e
	end=$(date +%s)
	[ "$rc" -eq "$want" ] || { show_file stderr "$T/e"; fail "$what: exit status $rc, expected $want"; }
	[ $((end - start)) -le 10 ] || fail "$what: veneer took $((end - start)) s"
}

term_test 143 "SIGTERM to veneer, target does not trap it" \
	'echo ready >/io/ready; sleep 60; echo not-reached'
assert_eq "" "$(cat "$T/o")" "the target went on after SIGTERM"

term_test 5 "SIGTERM to veneer, target traps it" \
	'trap "echo trapped TERM; exit 5" TERM; echo ready >/io/ready; sleep 60 & wait $!'
assert_eq "trapped TERM" "$(cat "$T/o")" "the target's TERM trap"

# Ctrl-C through a pseudo-terminal: python3's pty module runs veneer as
# the session leader of a new pty, types ^C once the target is ready,
# and prints what came out and veneer's exit status.
cat >"$T/ctrlc.py" <<'PY'
import os, pty, select, signal, sys, time

argv = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    # a test runner started in the background may have SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(argv[0], argv)
out = b""
sent = False
deadline = time.time() + 30
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        out += data
    if not sent and b"ready" in out:
        time.sleep(0.2)
        os.write(fd, b"\x03")
        sent = True
_, status = os.waitpid(pid, 0)
# the terminal echoes the typed ^C; drop that echo
sys.stdout.write(out.decode(errors="replace").replace("\r", "").replace("^C", ""))
print("status", os.waitstatus_to_exitcode(status))
PY
# shellcheck disable=SC2016
timeout 60 "$PY" "$T/ctrlc.py" "$VENEER" run -- sh -c \
	'trap "echo got INT; exit 7" INT; echo ready; while :; do sleep 0.1; done' \
	>"$T/pty.out" 2>&1 || { cat "$T/pty.out"; fail "Ctrl-C via a pty: the driver failed"; }
cat "$T/pty.out"
grep -qx "got INT" "$T/pty.out" || fail "Ctrl-C did not reach the target's INT trap"
assert_eq "status 7" "$(tail -n 1 "$T/pty.out")" "veneer's exit status after Ctrl-C"
echo "signals: forwarded"
