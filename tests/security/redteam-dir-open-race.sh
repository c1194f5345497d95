#!/bin/bash
# finding: red team (issue 11, 25e209e): directory opens rendered and continued, whose path, open_how and dirfd the kernel reads again
# invariant: whatever a directory open's re-read arguments name, the target gets no fd it may write on the view, nothing is made in the view, on the host or in a lower, and a presented non-root identity that won a view directory it may not read gets no more than its listing (no file below it opens, directly or from a cwd made of it) (without namespaces, where there is no view, no root inside and no presented identity: the target gets no fd it may write on the skeleton, makes nothing in it, on the host, in a lower or by the upper's host path)
# attack: a second thread flips open's path between a union directory and '..' routes out of /proc, /dev/shm and a --bind, /proc/self/root, /proc/1/root, a planted link to the host home, an unreadable directory and a missing name; flips openat2's open_how to O_RDWR|O_CREAT|O_TRUNC, O_TMPFILE|O_RDWR, O_WRONLY and loosened resolve flags (with and without the path); dup2s a /proc, lower-file, --bind, /dev/shm or unreadable-directory fd over the dirfd; every fd won is used to create, mkdir, symlink, read a secret and fchdir, as root and as presented uid 1000 (without namespaces as the caller alone, the --bind a directory of the union, and also to the upper's host path)
#
# The workspace, where the helper, the tables and the results are and
# the races' cwd: on the notify rung a --bind of $W at /w (a passthrough
# mount, whose '..' the kernel walks).  The rungs without namespaces
# (notify-hostroot, ptrace) give no --bind (docs/design.md,
# "notify-hostroot"): there /w is a directory of the union, in the upper
# ($U/w, filled from the host before the start, whose results the host
# reads and whose go file it makes there), so the rows that take /w as a
# route race a union path against another ('..' of /w is the union's
# root, not a mount's parent; a dup2 of /w's fd gives a skeleton
# directory), and /dev/shm is the host's, where every name is refused.
# Rows those rungs alone have flip the path to a directory of the upper
# by its host path ($U/rw), which the union hides: a name in it would be
# one made past the supervisor.  Not there: the part as presented uid
# 1000 (no root inside to become it, no presented identities: the
# target is the caller, who may read and change whatever it made, and
# whose reads are out of those rungs' scope); the view's check becomes
# the skeleton's (/dev/shm/veneer-view-*: no name the target made in it,
# and no fd open for writing on its mount, which is what mount=view then
# means: the target's / is the skeleton's root).
source "$(dirname "$0")/lib.sh"
require_veneer
sec_race_setup vt-dir-race
# WORK: how the workspace comes in (see above); OWNER: who owns what
# the set-up makes inside
WORK=(--bind "$W:/w")
OWNER=root
if on_hostroot; then
	WORK=()
	OWNER=$(id -un)
	rm -rf "$W"
	W=$U/w
	mkdir -p "$W" "$U/rw"
	chmod 700 "$U"
	cp "$PROGS/vt-dir-race" "$W/vt-dir-race"
fi
chmod 0777 "$W"
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT
M=$SEC_MARK
TRIES=${VENEER_SEC_RACE_TRIES:-2000}

# as root inside: a directory uid 1000 may not read or search, holding a
# secret, and one it may (without namespaces, as the caller: the
# directories the root table's set-up enters)
vrun_ok "$T/setup.out" "$T/setup.err" --upper "$U" --lower "$LOW" --lower / -- sh -c '
	mkdir -p /vnsec-sec /vnsec-pub &&
	echo secret >/vnsec-sec/secret && echo public >/vnsec-pub/secret &&
	chmod 600 /vnsec-sec/secret && chmod 700 /vnsec-sec && chmod 755 /vnsec-pub'

# MODE TRIES MARK BENIGN ATTACK [HOW|NAME]
cat >"$W/table-root" <<EOF
path $TRIES $M-p1 /etc /proc/self/../../lw
path $TRIES $M-p2 /etc /dev/shm/../../lw
path $TRIES $M-p3 /etc /w/..
path $TRIES $M-p4 /etc /proc/self/root/lw
path $TRIES $M-p5 /etc /proc/1/root/../..
path $TRIES $M-p6 /etc /proc/self/cwd/..
path $TRIES $M-p7 /etc /vnsec-plant-$M
path $TRIES $M-p8 /etc /dev/shm
path $TRIES $M-p9 /etc /$M-missing
how $TRIES $M-h1 /etc /etc creat
how $TRIES $M-h2 /etc /lw creat
how $TRIES $M-h3 /etc /lw/$M-new creat
how $TRIES $M-h4 /etc /proc/self/../../lw/$M-new creat
how $TRIES $M-h5 /etc /etc tmpfile
how $TRIES $M-h6 /etc /proc/self/../../lw tmpfile
how $TRIES $M-h7 /etc /etc write
how $TRIES $M-h8 /etc /proc/self/../../lw write
how $TRIES $M-h9 /etc /etc magic
how $TRIES $M-h10 /etc /proc/self/fd/3 magic
how $TRIES $M-h11 /etc /vnsec-plant-$M magic
dirfd $TRIES $M-f1 /etc /proc/self .
dirfd $TRIES $M-f2 /etc /lw/file .
dirfd $TRIES $M-f3 /lw /w ..
dirfd $TRIES $M-f4 /lw /dev/shm ..
dirfd $TRIES $M-f5 /lw /proc/self/../.. lw
EOF
# without namespaces: a directory of the upper by its host path, which
# the union hides (the supervisor answers ENOENT there); only the
# kernel, walking a path the supervisor did not check, could reach it
if on_hostroot; then
	cat >>"$W/table-root" <<EOF
path $TRIES $M-r1 /etc $U/rw
path $TRIES $M-r2 /etc /proc/self/../..$U/rw
how $TRIES $M-r3 /etc $U/rw/$M-r3-new creat
how $TRIES $M-r4 /etc $U/rw tmpfile
how $TRIES $M-r5 /etc $U/rw magic
EOF
fi
cat >"$W/table-user" <<EOF
path $TRIES $M-u1 /vnsec-pub /vnsec-sec
path $TRIES $M-u2 /vnsec-pub /proc/self/../../vnsec-sec
how $TRIES $M-u3 /vnsec-pub /vnsec-sec magic
how $TRIES $M-u4 /vnsec-pub /vnsec-sec tmpfile
dirfd $TRIES $M-u5 /vnsec-pub /vnsec-sec .
EOF

# inside: plant a link to the host home by the '..' route (it lands in
# the union, if anywhere), render /lw and the unreadable directory (an
# O_PATH open of it is allowed), run every race as root and as uid 1000
# shellcheck disable=SC2016
RUNTABLE='
while read -r mode tries mark benign attack extra; do
	/w/vt-dir-race "$mode" "$tries" "$mark" "$benign" "$attack" $extra >>"$1" 2>>/w/errors ||
		echo "$mode $benign $attack $extra: the race did not run" >>/w/errors
done <"$2"'
INSIDE='
ln -s '"$REAL_HOME"' /proc/self/../../vnsec-plant-'"$M"' 2>/dev/null
cd /lw && cd /vnsec-sec && cd /vnsec-pub && cd /w || exit 3
sh -c "$0" sh /w/results-root /w/table-root
if [ "$1" = user ]; then
	setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "cd /vnsec-sec" 2>/dev/null && echo "uid 1000 entered /vnsec-sec" >>/w/errors
	setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "$0" sh /w/results-user /w/table-user
fi
: >/w/ready
i=0; while [ ! -e /w/go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done'
# (no uid 1000 without namespaces: see above)
users=user
if on_hostroot; then
	users=none
	: >"$W/table-user"
	: >"$W/results-user"
	sec_skeletons >"$T/skeletons-before"
fi
"$VENEER" run --upper "$U" --lower "$LOW" --lower / "${WORK[@]}" -- sh -c "$INSIDE" "$RUNTABLE" "$users" \
	</dev/null >"$T/run.out" 2>"$T/run.err" &
VPID=$!
sec_wait_ready "$W/ready" "$VPID" "$T/run.err" 280
[ ! -s "$W/errors" ] || { show_file "errors" "$W/errors" >&2; fail "a race could not run"; }
grep -E '^(path|how|dirfd) tries=' "$W/results-root" "$W/results-user" | sed 's/^/  /'
assert_eq "$(($(wc -l <"$W/table-root") + $(wc -l <"$W/table-user")))" \
	"$(cat "$W/results-root" "$W/results-user" | grep -c ' tries=')" "every race ran"

problems=()
# what was won, once per object (the helper prints each new one)
sort -u "$W/results-root" "$W/results-user" | grep '^got ' | sed 's/^/  won: /' | head -n 60 || true
# an fd open for writing on the view: the kernel wrote or could write it
# (without namespaces: on the skeleton's mount, /dev/shm's, unless the
# skeleton is in the upper, where /dev/shm is no tmpfs: its mount is
# then the upper's, whose files the target may write; the guard and the
# skeleton's check below judge alone there)
view="the view"
! on_hostroot || view="the skeleton's mount"
if on_hostroot && [ -d "$U/.wh..wh..veneer/view" ]; then
	note "the skeleton is in the upper: writable fds on its mount are the upper's"
elif grep -E '^got .* mode=(w|rw) .* mount=view$' "$W/results-root" "$W/results-user" >&2; then
	problems+=("the target got an fd open for writing on $view")
fi
# uid 1000 won the unreadable directory's view fd: its listing is the
# mirror (accepted by the threat model), its secret must stay closed
if grep -E '^use .*(read-secret|create|mkdirat|symlinkat): ok$' "$W/results-user" | grep vnsec-sec >&2; then
	problems+=("uid 1000 read or wrote below a directory it may not search, through a won fd")
fi
grep -q '^got /vnsec-sec ' "$W/results-user" &&
	note "uid 1000 won a directory fd of /vnsec-sec (its listing is the view's mirror)"

# what the view holds of the target's names is what the supervisor
# renders for the upper's (a bind of the upper's file, a directory, a
# FIFO, a symlink with the same target); without namespaces the
# skeleton's, and the upper's rw by its host path holds nothing
if ! on_hostroot; then
	made=$(sec_view_made_by_target "$VPID" "$U" "$M") ||
		fail "the view cannot be seen from the host (no /proc/$VPID/root/*/view)"
	where="the view"
else
	made=$(sec_skeleton_made_by_target "$T/skeletons-before" "$U" "$M") ||
		fail "the skeleton cannot be seen from the host (no new /dev/shm/veneer-view-*)"
	where="the skeleton"
	while IFS= read -r h; do
		[ -z "$h" ] || problems+=("a name was made in the upper past the supervisor: $h")
	done < <(find "$U/rw" -mindepth 1 2>/dev/null)
fi
while IFS= read -r rel; do
	[ -z "$rel" ] || problems+=("the target made $rel in $where")
done <<<"$made"
: >"$W/go"
wait "$VPID" || problems+=("the sandbox exited $?")

# the lower's names and the secret are as they were, seen from inside
vrun_ok "$T/after" "$T/after.err" --upper "$U" --lower "$LOW" --lower / -- sh -c \
	'cat /vnsec-sec/secret; stat -c "%a %U" /vnsec-sec; cat /lw/file'
assert_files_eq <(printf 'secret\n700 %s\nlower file\n' "$OWNER") "$T/after" "the union after the races"

if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	sec_guard_check
	fail "${problems[0]}"
fi
sec_guard_check
echo "a directory open's re-read arguments reached nothing the target may not use"
