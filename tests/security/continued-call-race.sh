#!/bin/bash
# finding: 2 (continued calls re-read target memory), in general
# invariant: whatever the kernel finds when it re-reads a continued call is harmless: nothing is made on the host, the lowers are unchanged, the target makes nothing in the view, and writes land only where the target may write anyway (the union, /dev/shm, a --bind)
# attack: a second thread flips the path (and open_how, and sockaddr) of every continued call (execve, execveat, chdir, connect, open O_PATH, open of a FIFO, openat2, mkdir/mknod/symlink/rename/unlink in /dev/shm and a --bind) between a benign path and one out of a passthrough mount, into a lower, through a planted link or to a host socket, thousands of times per call
source "$(dirname "$0")/lib.sh"
unless_hostroot "--bind, which is this attack's workspace: not ported to the rung yet (t-hostroot replays the continued-call races of both red teams)"
require_veneer
sec_race_setup vt-cont-race
sec_allow "$U" "$W"
sec_guard_start "$LOW"
LISTENER=
trap '[ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null; sec_cleanup_markers' EXIT
M=$SEC_MARK
TRIES=${VENEER_SEC_RACE_TRIES:-3000}
EXEC_TRIES=${VENEER_SEC_RACE_EXEC_TRIES:-400}

# a host service: a pathname socket outside the sandbox that counts the
# connections it gets (none may come from inside)
HS=$T/hostsock
mkdir -p "$HS"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(64)
open(sys.argv[2], "w").close()
while True:
	c, _ = s.accept()
	with open(sys.argv[2], "a") as f: f.write("connection\n")
	c.close()' "$HS/l.sock" "$HS/conns" &
LISTENER=$!
for _ in $(seq 50); do [ -e "$HS/conns" ] && break; sleep 0.1; done
[ -S "$HS/l.sock" ] || fail "the host listener did not start"

# CALL TRIES BENIGN ATTACK [SOURCE]; attack names carry the marker so
# that the guard finds them wherever they land on the host
cat >"$W/table" <<EOF
mkdir $TRIES /dev/shm/vnsec-d /proc/self/../../$M-mkdir
mkdir $TRIES /dev/shm/vnsec-d /dev/shm/../../$M-mkdir-shm
mkdir $TRIES /w/vnsec-d /w/../$M-mkdir-bind
mkdir $TRIES /dev/shm/vnsec-d /proc/self/../../lw/$M-mkdir-lower
mkdir $TRIES /dev/shm/vnsec-d /proc/self/../../vnsec-plant-$M/$M-mkdir-plant
mknod $TRIES /dev/shm/vnsec-p /proc/self/../../$M-mknod
mknod $TRIES /w/vnsec-p /w/../$M-mknod-bind
symlink $TRIES /dev/shm/vnsec-l /proc/self/../../$M-symlink
symlink $TRIES /w/vnsec-l /w/../$M-symlink-bind
symlink $TRIES /dev/shm/vnsec-l /proc/self/../../vnsec-plant-$M/$M-symlink-plant
rename $TRIES /dev/shm/vnsec-r /proc/self/../../$M-rename /dev/shm/vnsec-rsrc
rename $TRIES /w/vnsec-r /w/../$M-rename-bind /w/vnsec-rsrc
chdir $TRIES /etc /proc/self/../../$M-chdir
chdir $TRIES /etc /proc/self/../../vnsec-plant-$M
opath $TRIES /etc/passwd /proc/self/../../etc/shadow
opath $TRIES /etc/passwd /proc/self/../../vnsec-plant-$M/.profile
openfifo $TRIES /vnsec-fifo /proc/self/../../$M-openfifo
openfifo $TRIES /vnsec-fifo /dev/shm/../../$M-openfifo-shm
openfifo $TRIES /vnsec-fifo /proc/self/../../lw/$M-openfifo-lower
openat2 $TRIES /etc/passwd /proc/self/../../$M-openat2
openat2 $TRIES /etc/passwd /w/../$M-openat2-bind
openat2 $TRIES /etc/passwd /proc/self/../../lw/$M-openat2-lower
openat2 $TRIES /etc/passwd /proc/self/../../vnsec-plant-$M/$M-openat2-plant
execve $EXEC_TRIES /bin/true /proc/self/../../$M-exec
execveat $EXEC_TRIES /bin/true /proc/self/../../$M-execat
connect $TRIES /vnsec-sock $HS/l.sock
connect $TRIES /w/vnsec-sock $HS/l.sock
unlink $TRIES /dev/shm/vnsec-u /proc/self/../../vnsec-victim
EOF

# inside: plant a link to the host home by the '..' route (it must land
# in the union, if anywhere), render /lw and a victim symlink, run every
# race, then hold until the host has looked at the view
# shellcheck disable=SC2016
INSIDE='
ln -s '"$REAL_HOME"' /proc/self/../../vnsec-plant-'"$M"' 2>/dev/null
ln -s /etc /vnsec-victim && cd /vnsec-victim && cd /lw && cd / || exit 3
while read -r call tries benign attack source; do
	/w/vt-cont-race "$call" "$tries" "$benign" "$attack" $source >>/w/results 2>>/w/errors ||
		echo "$call $benign $attack: the race did not run" >>/w/results
done </w/table
: >/w/ready
i=0; while [ ! -e /w/go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done'
"$VENEER" run --upper "$U" --lower "$LOW" --lower / --bind "$W:/w" -- sh -c "$INSIDE" \
	</dev/null >"$T/run.out" 2>"$T/run.err" &
VPID=$!
sec_wait_ready "$W/ready" "$VPID" "$T/run.err" 240
cat "$W/results"
[ ! -s "$W/errors" ] || { show_file "errors" "$W/errors" >&2; fail "a race could not run"; }
assert_eq "$(wc -l <"$W/table")" "$(grep -c ' tries=' "$W/results")" "every race ran"

# is_rendering VIEW-OBJECT UPPER-OBJECT: the view's object is what the
# supervisor renders for the upper's

problems=()
# the view, seen from the host through the supervisor's root: no object
# the target named (the supervisor stages it under one of these)
made=$(sec_view_made_by_target "$VPID" "$U" "$M") ||
	fail "the view cannot be seen from the host (no /proc/$VPID/root/*/view)"
while IFS= read -r rel; do
	[ -z "$rel" ] || problems+=("the target made $rel in the view")
done <<<"$made"
: >"$W/go"
wait "$VPID" || problems+=("the sandbox exited $?")

[ ! -s "$HS/conns" ] || problems+=("a connect reached the host's socket $(wc -l <"$HS/conns") times")
# "other": the call worked with nothing at the benign path, so the
# kernel used another one; where it landed is judged by the view and
# the guard (the union, the bind and /dev/shm are the target's anyway)
grep -v ' other=0 ' "$W/results" | sed 's/^/# the kernel used the attack path: /' || true

if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	sec_guard_check
	fail "${problems[0]}"
fi
sec_guard_check
echo "the kernel's re-reads of continued calls reached nothing the target may not use"
