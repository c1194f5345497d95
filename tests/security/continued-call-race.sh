#!/bin/bash
# finding: 2 (continued calls re-read target memory), in general
# invariant: whatever the kernel finds when it re-reads a continued call is harmless: nothing is made on the host, the lowers are unchanged, the target makes nothing in the view (without namespaces: in the skeleton, nor a name in the upper by its host path), and writes land only where the target may write anyway (the union, /dev/shm, a --bind; without namespaces the union alone)
# attack: a second thread flips the path (and open_how, and sockaddr) of every continued call (execve, execveat, chdir, connect, open O_PATH, open of a FIFO, openat2, mkdir/mknod/symlink/rename/unlink in /dev/shm and a --bind; without namespaces, where there is no --bind and /dev/shm is the host's, in a directory of the union instead, and also to the upper's host path) between a benign path and one out of a passthrough mount, into a lower, through a planted link or to a host socket, thousands of times per call
#
# The workspace, where the races make their names and the results go:
# on the notify rung a --bind of $W at /w (a passthrough mount, whose
# '..' the kernel walks), and /dev/shm (the sandbox's own tmpfs).  The
# rungs without namespaces (notify-hostroot, ptrace) give no --bind and
# no /dev/shm of their own (docs/design.md, "notify-hostroot"): there
# the workspace /w is a directory of the union, in the upper ($U/w,
# filled from the host before the start, whose results the host reads
# and whose go file it makes there), the rows that make a name in
# /dev/shm make it in /w instead (every name in the host's /dev/shm is
# refused, and the unlink and rename rows could not set up), and
# one row keeps the benign path in /dev/shm for that refusal under the
# race.  So the rows of /w race two union paths there ('..' of /w is the
# union's root, not a mount's parent): what they check is that nothing
# lands outside the union.  Rows the rungs alone have flip the path to
# the workspace's host path in the upper ($U/w/...), which the union
# hides: a name the kernel made there for the target would be one made
# past the supervisor (names are the supervisor's there, Landlock
# refuses the target's own).  The view's check becomes the skeleton's
# (/dev/shm/veneer-view-*: no name the target made in it).
source "$(dirname "$0")/lib.sh"
require_veneer
sec_race_setup vt-cont-race
# WORK: how the workspace comes in; NAMES: where the races' benign names
# go (/dev/shm, or /w without namespaces: see above)
WORK=(--bind "$W:/w")
NAMES=/dev/shm
if on_hostroot; then
	WORK=()
	NAMES=/w
	rm -rf "$W"
	W=$U/w
	mkdir -p "$W"
	chmod 700 "$U"
	cp "$PROGS/vt-cont-race" "$W/vt-cont-race"
fi
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
mkdir $TRIES $NAMES/vnsec-d /proc/self/../../$M-mkdir
mkdir $TRIES /dev/shm/vnsec-d /dev/shm/../../$M-mkdir-shm
mkdir $TRIES /w/vnsec-d /w/../$M-mkdir-bind
mkdir $TRIES $NAMES/vnsec-d /proc/self/../../lw/$M-mkdir-lower
mkdir $TRIES $NAMES/vnsec-d /proc/self/../../vnsec-plant-$M/$M-mkdir-plant
mknod $TRIES $NAMES/vnsec-p /proc/self/../../$M-mknod
mknod $TRIES /w/vnsec-p /w/../$M-mknod-bind
symlink $TRIES $NAMES/vnsec-l /proc/self/../../$M-symlink
symlink $TRIES /w/vnsec-l /w/../$M-symlink-bind
symlink $TRIES $NAMES/vnsec-l /proc/self/../../vnsec-plant-$M/$M-symlink-plant
rename $TRIES $NAMES/vnsec-r /proc/self/../../$M-rename $NAMES/vnsec-rsrc
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
unlink $TRIES $NAMES/vnsec-u /proc/self/../../vnsec-victim
EOF
# without namespaces: the workspace's host path in the upper, which the
# union hides (the supervisor answers ENOENT there); only the kernel,
# walking a path the supervisor did not check, could reach it (the
# helper takes paths that fit a sockaddr_un: 107 bytes)
if on_hostroot; then
	[ ${#W} -le $((107 - ${#M} - 5)) ] ||
		fail "the upper's host path $W is too long for vt-cont-race's paths"
	cat >>"$W/table" <<EOF
mkdir $TRIES /w/vnsec-d $W/$M-rd
mknod $TRIES /w/vnsec-p $W/$M-rp
symlink $TRIES /w/vnsec-l $W/$M-rl
rename $TRIES /w/vnsec-r $W/$M-rr /w/vnsec-rsrc
openat2 $TRIES /etc/passwd $W/$M-ro
openfifo $TRIES /vnsec-fifo $W/$M-rf
EOF
fi

# inside: plant a link to the host home by the '..' route (it must land
# in the union, if anywhere), render /lw and a victim symlink, run every
# race, then hold until the host has looked at the view (the skeleton)
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
! on_hostroot || sec_skeletons >"$T/skeletons-before"
"$VENEER" run --upper "$U" --lower "$LOW" --lower / "${WORK[@]}" -- sh -c "$INSIDE" \
	</dev/null >"$T/run.out" 2>"$T/run.err" &
VPID=$!
sec_wait_ready "$W/ready" "$VPID" "$T/run.err" 240
cat "$W/results"
[ ! -s "$W/errors" ] || { show_file "errors" "$W/errors" >&2; fail "a race could not run"; }
assert_eq "$(wc -l <"$W/table")" "$(grep -c ' tries=' "$W/results")" "every race ran"

problems=()
if ! on_hostroot; then
	# the view, seen from the host through the supervisor's root: no
	# object the target named (the supervisor stages it under one of these)
	made=$(sec_view_made_by_target "$VPID" "$U" "$M") ||
		fail "the view cannot be seen from the host (no /proc/$VPID/root/*/view)"
	where="the view"
else
	# no view: the skeleton on /dev/shm, where the supervisor renders what
	# the kernel walks, holds no object the target named
	made=$(sec_skeleton_made_by_target "$T/skeletons-before" "$U" "$M") ||
		fail "the skeleton cannot be seen from the host (no new /dev/shm/veneer-view-*)"
	where="the skeleton"
	# and the upper's w holds no name the rows of its host path asked
	# for: the supervisor, to which the union hides that path, made none,
	# so one there was the kernel's, for the target
	while IFS= read -r h; do
		[ -z "$h" ] || problems+=("a name was made in the upper past the supervisor: $h")
	done < <(find "$W" -maxdepth 1 -name "$M-r?" 2>/dev/null)
fi
while IFS= read -r rel; do
	[ -z "$rel" ] || problems+=("the target made $rel in $where")
done <<<"$made"
: >"$W/go"
wait "$VPID" || problems+=("the sandbox exited $?")

[ ! -s "$HS/conns" ] || problems+=("a connect reached the host's socket $(wc -l <"$HS/conns") times")
# "other": the call worked with nothing at the benign path, so the
# kernel used another one; where it landed is judged by the view (the
# skeleton and the upper's host path) and the guard (the union, the bind
# and /dev/shm are the target's anyway; without namespaces the union,
# where a call that makes a name is never continued: "other" there is
# the supervisor's read of the attack path, which it resolved itself)
grep -v ' other=0 ' "$W/results" | sed 's/^/# the kernel used the attack path: /' || true

if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	sec_guard_check
	fail "${problems[0]}"
fi
sec_guard_check
echo "the kernel's re-reads of continued calls reached nothing the target may not use"
