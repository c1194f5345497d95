#!/bin/bash
# Exit status: veneer returns the target's status; 128+N (as a shell
# shows it: veneer dies of the same signal, t-signals.sh) when the
# target is killed by signal N; 127 when the command is not found; 126
# when it is not executable (a file without x bit, a directory).
source "$(dirname "$0")/lib.sh"
require_veneer

status() {
	local want=$1 what=$2
	shift 2
	vrun "$T/o" "$T/e" "$@"
	if [ "$VRC" -ne "$want" ]; then
		show_file stderr "$T/e" >&2
		fail "$what: exit status $VRC, expected $want"
	fi
}

status 0 "true" -- true
status 3 "exit 3" -- sh -c 'exit 3'
status 255 "exit 255" -- sh -c 'exit 255'
status 1 "false" -- false
status 127 "a missing absolute path" -- /nonexistent/veneer-test-cmd
status 127 "a name not on PATH" -- veneer-test-no-such-command
printf '#!/bin/sh\necho ran\n' >"$T/noexec.sh"
chmod 644 "$T/noexec.sh"
status 126 "a file without x bit" -- "$T/noexec.sh"
assert_eq "" "$(cat "$T/o")" "the non-executable file must not run"
mkdir -p "$T/adir"
status 126 "a directory" -- "$T/adir"
# shellcheck disable=SC2016
status 137 "killed by SIGKILL" -- sh -c 'kill -KILL $$'
# shellcheck disable=SC2016
status 143 "killed by SIGTERM" -- sh -c 'kill -TERM $$'
# shellcheck disable=SC2016
status 139 "killed by SIGSEGV" -- sh -c 'kill -SEGV $$'
# (python resets SIGINT itself: a shell cannot if it was ignored on entry)
status 130 "killed by SIGINT" -- /usr/bin/python3 -c \
	'import os, signal, time; signal.signal(signal.SIGINT, signal.SIG_DFL); os.kill(os.getpid(), signal.SIGINT); time.sleep(5)'
status 0 "the status of the last command" -- sh -c 'false; true'
echo "exit statuses: as the target's"
