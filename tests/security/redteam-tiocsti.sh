#!/bin/bash
# finding: red team (helper-e): terminal input injection
# invariant: the target cannot run code outside the sandbox: nothing it does reaches the host's terminal input, where the user's shell would read it as commands once the sandbox exits
# attack: under every shipped policy, run veneer from an interactive bash on a pseudo-terminal; inside, push a shell command into the terminal's input queue with ioctl(TIOCSTI) (the sandbox shares the caller's session and controlling terminal); the host shell must not run it
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3 bash
if [ -r /proc/sys/dev/tty/legacy_tiocsti ] && [ "$(cat /proc/sys/dev/tty/legacy_tiocsti)" = 0 ]; then
	skip "the kernel refuses TIOCSTI to everyone (dev.tty.legacy_tiocsti = 0)"
fi
sec_guard_start /
trap sec_cleanup_markers EXIT

# INJECT CMD (inside): each byte of "CMD\n" into the controlling terminal
# shellcheck disable=SC2016
INJECT='
import errno, fcntl, os, sys, termios
fd = os.open("/dev/tty", os.O_RDWR)
try:
	for c in (sys.argv[1] + "\n").encode():
		fcntl.ioctl(fd, termios.TIOCSTI, bytes([c]))
	print("TIOCSTI: injected")
except OSError as e:
	print("TIOCSTI: " + errno.errorcode.get(e.errno, str(e.errno)))
'

# HARNESS VENEER MARK POLICY: an interactive bash on a new pty (its
# controlling terminal) runs the sandbox, then whatever its input holds;
# prints what the terminal showed, exits 0 when MARK exists afterwards
# shellcheck disable=SC2016
HARNESS='
import os, pty, select, sys, time
veneer, mark, policy, inject = sys.argv[1:5]
os.environ["VN_INJECT"] = inject
os.environ["HISTFILE"] = "/dev/null"  # the host shell writes no history into the home
pid, master = pty.fork()
if pid == 0:
	os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
out = b""
def drain(secs, until=None):
	global out
	end = time.time() + secs
	while time.time() < end and not (until and until in out):
		r, _, _ = select.select([master], [], [], 0.1)
		if r:
			try:
				out += os.read(master, 65536)
			except OSError:
				return
drain(2, b"$ ")
cmd = "%s run --policy %s -- python3 -c \"$VN_INJECT\" %s </dev/tty; echo VN-SANDBOX-DONE\n" % (
	veneer, policy, "\"touch %s\"" % mark)
os.write(master, cmd.encode())
drain(60, b"VN-SANDBOX-DONE\r\n")
end = time.time() + 5
while time.time() < end and not os.path.exists(mark):
	drain(0.2)
os.write(master, b"exit\n")
drain(2)
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(0 if os.path.exists(mark) else 3)
'

worked=()
policies="default build lab container"
! on_hostroot || policies=default # the rung refuses the others
for policy in $policies; do
	mark=$T/tiocsti-$policy-$SEC_MARK
	set +e
	python3 -c "$HARNESS" "$VENEER" "$mark" "$policy" "$INJECT" >"$T/term.$policy" 2>&1
	rc=$?
	set -e
	grep -a 'TIOCSTI: ' "$T/term.$policy" | tail -n 1 | sed "s/^/# $policy: /"
	grep -aq 'VN-SANDBOX-DONE' "$T/term.$policy" || {
		show_file "terminal ($policy)" "$T/term.$policy" >&2
		fail "the sandbox under $policy did not finish on the pty"
	}
	case $rc in
	0) worked+=("$policy") ;;
	3) ;;
	*)
		show_file "terminal ($policy)" "$T/term.$policy" >&2
		fail "the pty harness failed under $policy (exit $rc)"
		;;
	esac
done
if [ ${#worked[@]} -gt 0 ]; then
	show_file "terminal (${worked[0]})" "$T/term.${worked[0]}" >&2
	fail "the target typed a command into the host's terminal and the host shell ran it (ESCAPE) under: ${worked[*]}"
fi
sec_guard_check
echo "the target cannot inject input into the host's terminal"
