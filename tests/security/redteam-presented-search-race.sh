#!/bin/bash
# finding: red team (issue 11, 25e209e and the continued chdir and O_PATH before it): presented search permission bypassed by a continued call's rewritten path
# invariant: presented identities are fidelity, not a boundary (docs/design.md, threat model): a presented non-root identity that wins a race (or follows another process's /proc/PID/cwd) may read and write existing files below a directory it may not search, and this test reports when it does; what must hold is that it makes no name there (a new name's parent is checked from the root) and that nothing outside the sandbox's upper changes
# attack: as presented uid 1000 over lower /, with root's 0700 /vnsec-vs holding a 0777 sub/ (rendered by root's cd) a 0644 sub/secret and a 0666 sub/shared, a second thread flips the path of a directory open, a chdir and an O_PATH open between /vnsec-pub/sub and /vnsec-vs/sub; every fd or cwd won opens sub/secret, appends to sub/shared, fchdirs and opens secret relative, and creates, mkdirs and symlinks in it; without a race, read and append through /proc/PID/cwd of the root process
source "$(dirname "$0")/lib.sh"
unless_hostroot "presented ownership (--ids presented)"
require_veneer
require_cmd setpriv
sec_race_setup vt-dir-race
chmod 0777 "$W"
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT
M=$SEC_MARK
TRIES=${VENEER_SEC_RACE_TRIES:-2000}

vrun_ok "$T/setup.out" "$T/setup.err" --upper "$U" -- sh -c '
	mkdir -p /vnsec-vs/sub /vnsec-pub/sub &&
	echo secret >/vnsec-vs/sub/secret && echo public >/vnsec-pub/sub/secret &&
	echo shared >/vnsec-vs/sub/shared && echo shared >/vnsec-pub/sub/shared &&
	chmod 644 /vnsec-vs/sub/secret && chmod 666 /vnsec-vs/sub/shared /vnsec-pub/sub/shared &&
	chmod 777 /vnsec-vs/sub /vnsec-pub/sub &&
	chmod 700 /vnsec-vs'

# shellcheck disable=SC2016
INSIDE='
cd /vnsec-vs/sub && cd /vnsec-pub/sub && cd /w || exit 3
(cd /vnsec-vs/sub && exec sleep 60) &
holder=$!
sleep 0.3
setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "
	cat /vnsec-vs/sub/secret >/w/plain 2>&1; cd /vnsec-vs/sub 2>>/w/plain && echo entered >>/w/plain
	cat /proc/$holder/cwd/secret >/w/proc-cwd 2>&1
	echo '"$M"' 2>>/w/proc-cwd >>/proc/$holder/cwd/shared
	for mode in path chdir opath; do
		/w/vt-dir-race \$mode '"$TRIES"' '"$M"'-\$mode /vnsec-pub/sub /vnsec-vs/sub || echo \$mode: did not run
	done" >/w/results 2>/w/errors
kill $holder'
vrun_ok "$T/run.out" "$T/run.err" --upper "$U" --bind "$W:/w" -- sh -c "$INSIDE"
[ ! -s "$W/errors" ] || { show_file errors "$W/errors" >&2; fail "a race could not run"; }
grep -q 'Permission denied' "$W/plain" && ! grep -q entered "$W/plain" ||
	{ show_file plain "$W/plain" >&2; fail "uid 1000 reads or enters /vnsec-vs/sub without a race: no premise"; }
grep ' tries=' "$W/results" | sed 's/^/  /'
assert_eq 3 "$(grep -c ' tries=' "$W/results")" "every race ran"
sort -u "$W/results" | grep '^use /vnsec-vs' | sed 's/^/  /' | head -n 20 || true

problems=()
# Accepted and documented (presented identities are not a boundary): what
# a won cwd or fd, or root's process's /proc/PID/cwd, lets uid 1000 read
# or write among existing files.  Reported, not failed.
grep -qx secret "$W/proc-cwd" &&
	note "accepted: uid 1000 read /vnsec-vs/sub/secret as /proc/PID/cwd/secret of root's process"
grep -qE '^use /vnsec-vs/sub (read-secret|fchdir-read-secret): ok$' "$W/results" &&
	note "accepted: uid 1000 opened /vnsec-vs/sub/secret through a won cwd or fd"
grep -qE '^use /vnsec-vs/sub write-shared: ok$' "$W/results" &&
	note "accepted: uid 1000 appended to the 0666 /vnsec-vs/sub/shared through a won cwd or fd"
# Kept: no name is made below a directory the identity may not search.
if grep -qE '^use /vnsec-vs/sub (mkdirat|create|symlinkat): ok$' "$W/results"; then
	problems+=("uid 1000 made names in /vnsec-vs/sub (below root's 0700 /vnsec-vs) through a won cwd or fd")
fi
made=$(find "$U/vnsec-vs" -name "*$M*" ! -name shared 2>/dev/null | sed "s|^$U||")
[ -z "$made" ] || problems+=("names made in the upper below /vnsec-vs: $(printf '%s ' $made)")

sec_guard_check
if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	fail "${problems[0]}"
fi
echo "no name was made below a directory uid 1000 may not search; nothing outside the upper changed"
