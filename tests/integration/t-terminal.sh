#!/bin/bash
# A terminal is a terminal: run on a pseudo-terminal, as a user at a
# terminal meets it (no real terminal needed), the target's terminal has
# a name inside: `tty` prints a path that exists there and is the very
# device stdin holds, `[ -t 0 ]`, python3's os.ttyname(0) agrees, `ps`
# shows it in the TTY column (not "?"), and the name cannot be chmod'ed
# (read-only, as the rest of /dev).  An interactive bash inside, started
# from an interactive bash outside, has job control: no warning, Ctrl-Z
# stops `sleep 30`, `jobs` shows it stopped, `fg` resumes it and Ctrl-C
# ends it, `bg` runs one in the background; Ctrl-Z typed at a whole
# `veneer run` stops it and `fg` resumes it.  With stdin not a terminal
# (</dev/null) `tty` says "not a tty", as it does natively.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd bash ps stat

# term.py MODE ARG...: drive a new pty.  "run CMD..." runs CMD as the
# pty's session leader and prints what the terminal showed (\r dropped)
# then "status N"; "shell VENEER" runs an interactive bash outside and
# types the job-control session into it, printing one "ok"/"FAIL" line
# per step and then the terminal, exiting 1 on any failed step.
cat >"$T/term.py" <<'PY'
import os, pty, re, select, signal, sys, time

mode, argv = sys.argv[1], sys.argv[2:]
pid, master = pty.fork()
if pid == 0:
    # a test runner started in the background may have SIGINT ignored
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.environ["HISTFILE"] = "/dev/null"
    if mode == "run":
        os.execvp(argv[0], argv)
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
out = b""

def read_until(pat, secs):
    """Read the terminal until pat matches what came after the call (None:
    until it closes).  Whether it matched."""
    global out
    start = len(out)
    end = time.time() + secs
    while pat is None or not re.search(pat, out[start:], re.S):
        left = end - time.time()
        if left <= 0:
            return False
        r, _, _ = select.select([master], [], [], min(left, 0.1))
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the last process of the pty is gone
                return pat is None
            if not data:
                return pat is None
            out += data
    return True

def text():
    return out.decode(errors="replace").replace("\r", "")

if mode == "run":
    read_until(None, 60)
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(text())
    print("status", os.waitstatus_to_exitcode(status))
    sys.exit(0)

veneer = argv[0]
failed = []
def step(what, pat, secs=20):
    ok = read_until(pat, secs)
    print(("ok - " if ok else "FAIL - ") + what)
    if not ok:
        failed.append(what)
    return ok
def send(data):
    os.write(master, data.encode() if isinstance(data, str) else data)
def key(what, data, pat):
    """Type a control key until pat shows: typed before the job has the
    terminal (a loaded machine), it reaches the shell, which ignores it."""
    for _ in range(5):
        send(data)
        if read_until(pat, 3):
            print("ok - " + what)
            return
    print("FAIL - " + what)
    failed.append(what)

send("PS1='OUT> '\n")
step("the outer shell's prompt", rb"OUT> ")
# an interactive bash inside, as a user types it
send(veneer + " run -- bash --norc --noprofile -i\n")
time.sleep(1)
send("unset HISTFILE; PS1='IN> '\n")
step("the inner shell's prompt", rb"IN> ")
send("tty\n")
# the sandbox's own /dev names the terminal /dev/console; the host's
# (notify-hostroot) by its own name
step("tty in the inner shell", os.environ.get("VT_TTY_RE", "/dev/console").encode() + rb"\r\n.*IN> ")
send("sleep 30\n")
time.sleep(1)
key("Ctrl-Z stops sleep 30", b"\x1a", rb"Stopped +sleep 30.*IN> ")
send("jobs\n")
step("jobs shows it stopped", rb"\[1\]\+ +Stopped +sleep 30.*IN> ")
send("fg\n")
step("fg resumes it", rb"sleep 30\r\n")
time.sleep(1)
key("Ctrl-C ends it", b"\x03", rb"IN> ")
send("echo fg-status=$?\n")
step("its status is 130", rb"fg-status=130\r\n.*IN> ")
send("sleep 30\n")
time.sleep(1)
key("Ctrl-Z stops another", b"\x1a", rb"Stopped +sleep 30.*IN> ")
send("bg\n")
step("bg continues it", rb"\[1\]\+ sleep 30 &.*IN> ")
send("jobs\n")
step("jobs shows it running", rb"\[1\]\+ +Running +sleep 30 &.*IN> ")
send("kill %1; wait; echo bg-done\n")
step("the background job ends", rb"bg-done\r\n.*IN> ")
send("exit\n")
step("back to the outer shell", rb"OUT> ")
# Ctrl-Z at a whole sandbox: veneer stops as a job of the outer shell
send(veneer + " run -- sh -c 'echo started; sleep 30; echo not-reached'\n")
step("a command inside starts", rb"started\r\n")
time.sleep(1)
key("Ctrl-Z stops veneer run", b"\x1a", rb"Stopped +.*veneer run.*OUT> ")
send("fg\n")
step("fg resumes it", rb"veneer run[^\n]*\r\n")
time.sleep(1)
key("Ctrl-C ends it", b"\x03", rb"OUT> ")
send("echo veneer-status=$?\n")
step("veneer's status is 130", rb"veneer-status=130\r\n.*OUT> ")
send("exit\n")
read_until(None, 5)
os.waitpid(pid, 0)
for warning in ("no job control", "cannot set terminal process group"):
    if warning in text():
        print("FAIL - bash warned: " + warning)
        failed.append(warning)
if re.search(r"^not-reached$", text(), re.M):  # not the echoed command line
    print("FAIL - the command went on after Ctrl-C")
    failed.append("not-reached")
sys.stdout.write(text())
sys.exit(1 if failed else 0)
PY

# ------------------------------------------------ a command on a terminal
# shellcheck disable=SC2016
probe='
	t=$(tty); echo "tty=$t"
	[ -t 0 ] && echo "stdin=tty"
	[ -c "$t" ] && echo "tty-exists"
	[ "$(stat -L -c %d:%i:%t:%T /proc/self/fd/0)" = "$(stat -c %d:%i:%t:%T "$t")" ] && echo "tty-is-stdin"
	echo "ttyname=$(python3 -c "import os; print(os.ttyname(0))")"
	echo "ps-tty=$(ps -o tty= -p $$)"
	echo "dev-stdin=$(readlink /dev/stdin)"
'
timeout 90 "$PY" "$T/term.py" run "$VENEER" run -- sh -c "$probe
	chmod 600 \"\$t\" 2>&1 | sed 's/.*: //'
" >"$T/in.out" 2>&1 || { cat "$T/in.out"; fail "the pty driver failed"; }
timeout 90 "$PY" "$T/term.py" run sh -c "$probe" >"$T/native.out" 2>&1 ||
	{ cat "$T/native.out"; fail "the pty driver failed natively"; }
show_file "on a terminal, inside" "$T/in.out"
show_file "on a terminal, natively" "$T/native.out"
# the probe itself works on this machine's terminals
grep -qx "tty-is-stdin" "$T/native.out" || fail "natively, the probe does not see the terminal"
grep -qx "status 0" "$T/in.out" || fail "veneer run on a terminal did not exit 0"
inside_tty=$(sed -n 's/^tty=//p' "$T/in.out")
assert_match '^/dev/' "$inside_tty" "tty inside prints the terminal's path"
grep -qx "stdin=tty" "$T/in.out" || fail "[ -t 0 ] is false inside"
grep -qx "tty-exists" "$T/in.out" || fail "the path tty prints ($inside_tty) is no character device inside"
grep -qx "tty-is-stdin" "$T/in.out" || fail "the path tty prints ($inside_tty) is not the device stdin holds"
assert_eq "ttyname=$inside_tty" "$(grep '^ttyname=' "$T/in.out")" "python3 os.ttyname(0) inside"
assert_eq "ps-tty=${inside_tty#/dev/}" "$(grep '^ps-tty=' "$T/in.out")" "ps's TTY column inside"
assert_eq "dev-stdin=/proc/self/fd/0" "$(grep '^dev-stdin=' "$T/in.out")" "readlink /dev/stdin inside"
# the view's /dev/pts is read-only; without a view (notify-hostroot) it is
# the host's, and no path there is changed for the target: EPERM
refused="Read-only file system"
! on_hostroot || refused="Operation not permitted"
grep -qx "$refused" "$T/in.out" || fail "chmod of the terminal's name inside was not refused ($refused)"

# ------------------------------------------ stdin not a terminal: as natively
# shellcheck disable=SC2016
native_null=$(timeout 30 "$PY" "$T/term.py" run sh -c 'tty </dev/null; echo "rc=$?"')
assert_eq $'not a tty\nrc=1\nstatus 0' "$native_null" "natively, tty </dev/null"
# the whole sandbox's stdin is /dev/null here, not only the command's
timeout 90 "$PY" "$T/term.py" run sh -c "exec \"\$0\" run -- sh -c 'tty; echo \"rc=\$?\"; [ -e /dev/console ] && echo console-exists; true' </dev/null" \
	"$VENEER" >"$T/in-null.out" 2>&1 || { cat "$T/in-null.out"; fail "the pty driver failed"; }
show_file "veneer run </dev/null on a terminal" "$T/in-null.out"
# (a /dev of the sandbox's own has no console then; the host's has one)
console=""
! on_hostroot || console=$'\nconsole-exists'
assert_eq $'not a tty\nrc=1'"$console"$'\nstatus 0' "$(cat "$T/in-null.out")" "tty inside veneer run </dev/null"

# ------------------------------------------------------------- job control
set +e
tty_re=/dev/console
! on_hostroot || tty_re=/dev/pts/[0-9]+
VT_TTY_RE=$tty_re timeout 150 "$PY" "$T/term.py" shell "$VENEER" >"$T/jobs.out" 2>&1
rc=$?
set -e
grep -E '^(ok|FAIL) - ' "$T/jobs.out" | sed 's/^/# /'
if [ "$rc" -ne 0 ]; then
	show_file "the terminal" "$T/jobs.out" >&2
	fail "job control inside (exit $rc)"
fi
echo "terminal: named inside, job control works"
