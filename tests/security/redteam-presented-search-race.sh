#!/bin/bash
# finding: red team (issue 11, 25e209e and the continued chdir and O_PATH before it): presented search permission bypassed by a continued call's rewritten path
# invariant: a presented non-root identity reaches nothing below a directory it may not search: no file there opens for reading or writing, nothing is made there, whichever view directory a racing thread made the kernel put its cwd or a directory fd on (the union changes only as the union's permissions allow)
# attack: as presented uid 1000 over lower /, with root's 0700 /vnsec-vs holding a 0777 sub/ (rendered by root's cd) a 0644 sub/secret and a 0666 sub/shared, a second thread flips the path of a directory open, a chdir and an O_PATH open between /vnsec-pub/sub and /vnsec-vs/sub; every fd or cwd won opens sub/secret, appends to sub/shared, fchdirs and opens secret relative, and creates, mkdirs and symlinks in it; without a race, read and append through /proc/PID/cwd of the root process
source "$(dirname "$0")/lib.sh"
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
# without a race: root's process whose cwd is /vnsec-vs/sub, named
# through /proc (natively uid 1000 may not follow another user's cwd)
if grep -qx secret "$W/proc-cwd"; then
	problems+=("uid 1000 read /vnsec-vs/sub/secret as /proc/PID/cwd/secret of root's process")
fi
if grep -qE '^use /vnsec-vs/sub (read-secret|fchdir-read-secret): ok$' "$W/results"; then
	problems+=("uid 1000 opened /vnsec-vs/sub/secret (below root's 0700 /vnsec-vs) through a won cwd or fd")
fi
if grep -qE '^use /vnsec-vs/sub (mkdirat|create|symlinkat): ok$' "$W/results"; then
	problems+=("uid 1000 made names in /vnsec-vs/sub (below root's 0700 /vnsec-vs) through a won cwd or fd")
fi
if grep -qE '^use /vnsec-vs/sub write-shared: ok$' "$W/results"; then
	problems+=("uid 1000 wrote /vnsec-vs/sub/shared (below root's 0700 /vnsec-vs) through a won cwd or fd")
fi
grep -q "$M" "$U/vnsec-vs/sub/shared" && note "the upper's /vnsec-vs/sub/shared holds what uid 1000 wrote"
made=$(find "$U/vnsec-vs" -name "*$M*" 2>/dev/null | sed "s|^$U||")
[ -z "$made" ] || note "in the upper below /vnsec-vs: $(printf '%s ' $made)"

sec_guard_check
if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	fail "${problems[0]}"
fi
echo "no won cwd or fd opened a way below a directory uid 1000 may not search"
