#!/bin/bash
# finding: 6
# invariant: when an open's fd cannot be handed over (EMFILE, or the target dies mid-call) the union, the upper and the owner store are as before: no truncation, no new name, no copy-up, no record
# attack: with the fd table full, open/openat/openat2/creat with O_CREAT, O_CREAT|O_EXCL, O_TRUNC of an upper and a lower file, write intent on lower files (copy-up) and O_TMPFILE; and SIGKILL a process while its open copies a large lower file up
source "$(dirname "$0")/lib.sh"
unless_hostroot "presented ownership (--ids presented), which the attack runs under"
require_veneer
require_prog vt-openfull
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata/sub"
put "$L/vtdata/lowerfile" "lower content"
put "$L/vtdata/sub/deepfile" "deep lower content"
put "$L/vtdata/hidden" "a lower name the upper whites out"
head -c 64M /dev/urandom >"$L/vtdata/big"
sec_guard_start "$L"
trap sec_cleanup_markers EXIT

# what the union shows under /vtdata, from inside
# shellcheck disable=SC2016
UNION_LIST='cd /vtdata && find . -printf "%p|%y|%m|%s|%T@|%n\n" | sort &&
	find . -type f -print0 | sort -z | xargs -0 sha256sum'

# the attempts: SYSCALL FLAGS PATH; each must fail with EMFILE
attempts=()
for sys in open openat openat2; do
	attempts+=(
		"$sys creat,wronly /vtdata/$SEC_MARK-new-$sys"
		"$sys creat,excl,wronly /vtdata/$SEC_MARK-excl-$sys"
		"$sys creat,excl,rdwr /vtdata/sub/$SEC_MARK-deep-$sys"
		"$sys creat,wronly /vtdata/hidden"
		"$sys wronly,trunc /vtdata/upperfile"
		"$sys creat,wronly,trunc /vtdata/upperfile"
		"$sys rdonly,trunc /vtdata/upperfile"
		"$sys rdonly,trunc /vtdata/sub/deepfile"
		"$sys wronly,trunc /vtdata/lowerfile"
		"$sys wronly /vtdata/lowerfile"
		"$sys rdwr,append /vtdata/sub/deepfile"
		"$sys tmpfile,rdwr /vtdata"
		"$sys tmpfile,wronly /vtdata/sub"
		"$sys rdonly /vtdata/lowerfile"
	)
done
attempts+=(
	"creat wronly /vtdata/$SEC_MARK-creat"
	"creat wronly /vtdata/upperfile"
	"creat wronly /vtdata/lowerfile"
	"creat wronly /vtdata/sub/deepfile"
)
script=$T/attempts.sh
{
	echo "set -e"
	for a in "${attempts[@]}"; do
		# shellcheck disable=SC2086
		echo "printf '%s: ' '$a'; $PROGS/vt-openfull full $a"
	done
} >"$script"

for ids in kernel presented; do
	U=$T/U-$ids
	# the upper holds a file, and a whiteout over a lower name
	vrun_ok "$T/o" "$T/e" --ids "$ids" --upper "$U" --lower "$L" --lower / -- \
		sh -c 'echo upper content >/vtdata/upperfile && rm /vtdata/hidden'
	vrun_ok "$T/union-before" "$T/e" --ids "$ids" --upper "$U" --lower "$L" --lower / -- \
		sh -c "$UNION_LIST"
	tree_list "$U" >"$T/upper-before"
	owners_before=$(sha256sum "$U/.wh..wh..veneer/owners" 2>/dev/null || echo none)

	vrun_ok "$T/o" "$T/e" --ids "$ids" --upper "$U" --lower "$L" --lower / -- sh "$script"
	if grep -v ': EMFILE$' "$T/o" >"$T/wrong"; then
		show_file "results" "$T/o" >&2
		fail "--ids $ids: an open with a full fd table did not fail with EMFILE: $(head -n 3 "$T/wrong" | tr '\n' ';')"
	fi
	assert_eq "${#attempts[@]}" "$(grep -c ': EMFILE$' "$T/o")" "--ids $ids: every attempt ran"

	vrun_ok "$T/union-after" "$T/e" --ids "$ids" --upper "$U" --lower "$L" --lower / -- \
		sh -c "$UNION_LIST"
	assert_files_eq "$T/union-before" "$T/union-after" \
		"--ids $ids: the union after opens that failed with EMFILE"
	tree_list "$U" >"$T/upper-after"
	# (the state directory's work area and lock are the sandbox's own)
	grep -v '^\./\.wh\.\.wh\.\.veneer' "$T/upper-before" >"$T/ub" || true
	grep -v '^\./\.wh\.\.wh\.\.veneer' "$T/upper-after" >"$T/ua" || true
	assert_files_eq "$T/ub" "$T/ua" "--ids $ids: the upper after opens that failed with EMFILE"
	assert_eq "$owners_before" "$(sha256sum "$U/.wh..wh..veneer/owners" 2>/dev/null || echo none)" \
		"--ids $ids: the owner store after opens that failed with EMFILE"
	note "--ids $ids: ${#attempts[@]} opens with a full fd table: EMFILE, nothing changed"
done

# ------------------------------------------- the target dies mid-open
# vt-openfull kills itself as soon as the fd number its open will get is
# taken (veneer takes it before the copy-up, and a copy-up of a small
# file is made then), or 15 ms into the call: the data of a file of
# 1 MiB or more (64 MiB: tens of ms) is copied before the number is
# taken, without the union's lock (calls_dispatch), so the kill lands
# while it is; either way nothing of the copy may stay.
# (Its parent directory may stay copied up: invisible in the union,
# which the first comparison checks; the upper must hold no file more.)
U=$T/U-kill
upper_files() {
	(cd "$1" && find . -path ./.wh..wh..veneer -prune -o ! -type d -printf '%p|%y|%s\n' | sort)
}
# fresh_kill_upper: a new upper and what the union and it hold before
fresh_kill_upper() {
	chmod -R u+rwx "$U" 2>/dev/null || true
	rm -rf "$U"
	vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- true
	vrun_ok "$T/union-before" "$T/e" --upper "$U" --lower "$L" --lower / -- sh -c "$UNION_LIST"
	upper_files "$U" >"$T/upper-before"
}
fresh_kill_upper
# On a loaded machine the copy can win the race against the kill: that
# try proves nothing (the open returned, so the copy-up is the union's
# now) and is made again on a fresh upper; three kills that landed are
# asked for, in at most ten tries.
kills=0
for try in $(seq 1 10); do
	vrun "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- \
		"$PROGS/vt-openfull" kill openat wronly /vtdata/big 15
	if [ "$VRC" -eq 3 ] && grep -q '^returned fd$' "$T/o"; then
		note "try $try: the open returned before the kill; again on a fresh upper"
		fresh_kill_upper
		continue
	fi
	if [ "$VRC" -ne 137 ]; then
		show_file stdout "$T/o" >&2
		show_file stderr "$T/e" >&2
		fail "killed mid-open (try $try): exit status $VRC, expected 137"
	fi
	vrun_ok "$T/union-after" "$T/e" --upper "$U" --lower "$L" --lower / -- sh -c "$UNION_LIST"
	assert_files_eq "$T/union-before" "$T/union-after" "killed mid-open (try $try): the union"
	upper_files "$U" >"$T/upper-after"
	assert_files_eq "$T/upper-before" "$T/upper-after" "killed mid-open (try $try): the upper's files"
	assert_eq "" "$(ls -A "$U/.wh..wh..veneer/work")" "killed mid-open (try $try): the work area"
	kills=$((kills + 1))
	[ "$kills" -lt 3 ] || break
done
[ "$kills" -ge 1 ] || fail "the kill never landed while the open copied the file up (10 tries)"
note "killed while its open copied a file up: the copy was taken back ($kills of $try tries)"

sec_guard_check
echo "no side effect without a result: EMFILE and a killed opener leave the union as it was"
