#!/bin/bash
# Signals: SIGTERM sent to veneer reaches the target (veneer then dies of
# SIGTERM, 143 to a shell, or exits with the target's own status when it
# traps the signal), and Ctrl-C typed on veneer's terminal (a pty, no real
# terminal needed) interrupts the target ("trap ... INT" runs, veneer
# exits 7).  When the command dies of a signal veneer dies of the same
# one, after cleaning up: a shell loop of `veneer run` stops at the first
# Ctrl-C as it does natively, a shell's $? is still 128+N, a parent's
# wait status says "signaled", no core is dumped, and the throwaway upper
# is gone and a named upper unlocked.
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
	rm -f "$T/e"
	start=$(date +%s)
	# the target says "ready" on stderr
	"$VENEER" run -- sh -c "$script" >"$T/o" 2>"$T/e" </dev/null &
	local vpid=$!
	wait_for_file "$T/e" || { kill -KILL $vpid; fail "$what: the target never got ready"; }
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
	'echo ready >&2; sleep 60; echo not-reached'
assert_eq "" "$(cat "$T/o")" "the target went on after SIGTERM"

term_test 5 "SIGTERM to veneer, target traps it" \
	'trap "echo trapped TERM; exit 5" TERM; echo ready >&2; sleep 60 & wait $!'
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

# A shell loop stops at the first Ctrl-C: the target dies of SIGINT, so
# does veneer, and bash (which got the ^C too) stops as it would have
# natively.  Before, veneer exited 130 and the loop went on.
# shellcheck disable=SC2016
timeout 60 "$PY" "$T/ctrlc.py" /bin/bash -c 'for i in 1 2 3; do echo "start$i"
		"$0" run -- sh -c "echo ready; exec sleep 5"; echo "after$i"; done; echo loop-done' \
	"$VENEER" >"$T/loop.out" 2>&1 || { cat "$T/loop.out"; fail "the Ctrl-C loop: the driver failed"; }
cat "$T/loop.out"
grep -qx start1 "$T/loop.out" || fail "the loop did not start"
if grep -Eq '^(after1|start2|loop-done)$' "$T/loop.out"; then
	fail "the shell loop went on after Ctrl-C"
fi
assert_eq "status -2" "$(tail -n 1 "$T/loop.out")" "the shell's end after Ctrl-C (killed by SIGINT)"

# A death by SIGTERM: bash's $? is 143 and names TERM; a parent's wait
# status says "signaled"; the throwaway upper is removed first
mkdir -p "$T/tmp"
# shellcheck disable=SC2016
out=$(TMPDIR=$T/tmp "$VENEER" run -- sh -c 'kill -TERM $$' 2>&1; rc=$?; echo "$rc $(kill -l $rc)")
assert_eq "143 TERM" "$out" "bash's view of a command killed by SIGTERM"
assert_eq "" "$(ls -A "$T/tmp")" "the throwaway upper was left behind"
"$PY" - "$VENEER" <<'PY' || fail "python's view of commands killed by SIGTERM and SIGKILL"
import os, subprocess, sys
r = subprocess.run([sys.argv[1], "run", "--", "sh", "-c", "kill -TERM $$"])
if r.returncode != -15:
    sys.exit("returncode %d, expected -15 (killed by SIGTERM)" % r.returncode)
r = subprocess.run([sys.argv[1], "run", "--", "sh", "-c", "kill -KILL $$"])
if r.returncode != -9:
    sys.exit("returncode %d, expected -9 (killed by SIGKILL)" % r.returncode)
r = subprocess.run([sys.argv[1], "run", "--", "sh", "-c", "exit 143"])
if r.returncode != 143:
    sys.exit("exit 143: returncode %d" % r.returncode)
PY
# a named upper is unlocked: the next run over it starts
set +e
"$VENEER" run --upper "$T/up" -- sh -c 'echo kept >/kept; kill -KILL $$' 2>"$T/e"
rc=$?
set -e
assert_eq 137 "$rc" "a command killed by SIGKILL"
vrun_ok "$T/o" "$T/e" --upper "$T/up" -- cat /kept
assert_eq "kept" "$(cat "$T/o")" "the upper after a death by SIGKILL"

# A crash of the command leaves no core of veneer (the command's own core
# is the command's business: here sh's, which has no core limit set)
if [ "$(cat /proc/sys/kernel/core_pattern)" = core ]; then
	mkdir -p "$T/cores"
	# shellcheck disable=SC2016
	out=$(cd "$T/cores" && ulimit -c unlimited && { "$VENEER" run --chdir / -- sh -c 'ulimit -c 0; kill -SEGV $$' 2>/dev/null; echo $?; })
	assert_eq 139 "$out" "a command killed by SIGSEGV"
	assert_eq "" "$(ls -A "$T/cores")" "veneer dumped a core"
else
	note "core_pattern is not 'core': the no-core check is left out"
fi
echo "signals: forwarded; veneer dies of its command's signal"
