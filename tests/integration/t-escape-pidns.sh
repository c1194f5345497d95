#!/bin/bash
# Escape test: the target cannot see, signal or ptrace the supervisor or
# any host process.  Inside: the target's parent is pid 1 (the sandbox's
# init, whose parent is 0), /proc lists only the sandbox's few
# processes, veneer's host pid is not in /proc, kill -0 and ptrace
# attach of it fail with ESRCH, and kill -TERM of a host process fails
# (which is still alive afterwards).
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "pid namespace: the host's processes are seen there"
mkdir -p "$T/io"

sleep 300 &
hostsleep=$!
trap 'kill $hostsleep 2>/dev/null || true' EXIT
echo "$hostsleep" >"$T/io/hostsleep"

# shellcheck disable=SC2016
"$VENEER" run --bind "$T/io:/io" -- sh -c '
	i=0
	while [ ! -s /io/vpid ]; do
		sleep 0.05
		i=$((i + 1))
		[ $i -lt 400 ] || { echo "no /io/vpid"; exit 9; }
	done
	vpid=$(cat /io/vpid)
	hs=$(cat /io/hostsleep)
	echo "ppid=$PPID"
	echo "init=$(cut -d" " -f1,4 /proc/1/stat)"
	echo "pids=$(ls /proc | grep -E "^[0-9]+$" | sort -n | tr "\n" " ")"
	if [ -e "/proc/$vpid" ]; then echo "supervisor-visible"; else echo "supervisor-hidden"; fi
	if kill -0 "$vpid" 2>/dev/null; then echo "supervisor-signalled"; else echo "supervisor-kill-fails"; fi
	if kill -TERM "$hs" 2>/dev/null; then echo "host-killed"; else echo "host-kill-fails"; fi
	python3 -c "
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
r = libc.ptrace(16, int(sys.argv[1]), 0, 0)
print(\"ptrace-attach\", r, os.strerror(ctypes.get_errno()) if r else \"attached\")
" "$vpid"
	ps -eo pid=,ppid=,comm= >/io/ps
' >"$T/o" 2>"$T/e" </dev/null &
vpid=$!
echo "$vpid" >"$T/io/vpid.tmp"
mv "$T/io/vpid.tmp" "$T/io/vpid"
set +e
wait "$vpid"
rc=$?
set -e
cat "$T/o"
[ "$rc" -eq 0 ] || { show_file stderr "$T/e"; fail "veneer exited $rc"; }
grep -qx 1 <<<"$(sed -n 's/^ppid=//p' "$T/o")" || fail "the target's parent is not pid 1"
assert_eq "init=1 0" "$(grep '^init=' "$T/o")" "pid 1 inside is the init (parent 0)"
pids=$(sed -n 's/^pids=//p' "$T/o")
for p in $pids; do
	[ "$p" -le 64 ] || fail "pid $p inside: not a fresh pid namespace ($pids)"
done
n=$(echo "$pids" | wc -w)
# init, sh, and the pipeline that lists /proc: a handful, not the host's
if [ "$n" -lt 2 ] || [ "$n" -gt 12 ]; then fail "inside /proc lists $n processes: $pids"; fi
if [ "$vpid" -gt 64 ]; then
	grep -qx supervisor-hidden "$T/o" || fail "veneer's host pid $vpid is visible in /proc inside"
fi
grep -qx supervisor-kill-fails "$T/o" || fail "the target could signal veneer (host pid $vpid)"
grep -qx host-kill-fails "$T/o" || fail "the target could signal a host process"
assert_eq "ptrace-attach -1 No such process" "$(grep '^ptrace-attach' "$T/o")" \
	"ptrace attach of veneer from inside"
kill -0 "$hostsleep" || fail "the host process died"
# every process inside descends from pid 1
awk '{ parent[$1] = $2 } END {
	for (p in parent) {
		q = p; n = 0
		while (q != 1 && n < 50) { q = parent[q]; n++ }
		if (q != 1) { print "orphan chain from " p; bad = 1 }
	}
	exit bad
}' "$T/io/ps" || { cat "$T/io/ps"; fail "a process inside does not descend from pid 1"; }
echo "supervisor and host processes are out of reach"
