# lib.sh - shared helpers of the security battery (tests/security).
# shellcheck shell=bash
#
# Sourced by every tests/security/*.sh after the integration suite's
# lib.sh (vrun, vrun_ok, assert_*, fail, skip, snapshot...), which it
# sources itself.  The runner (./run) gives each test VENEER, PROGS and a
# fresh scratch TMPDIR (its cwd) outside /tmp: the supervisor covers /tmp
# with a private tmpfs in its own mount namespace, so only a path outside
# /tmp is one an escape could reach and this suite could see.
#
# A test is an attack.  It exits 0 when the attack failed safely, 77 to
# skip ("SKIP: reason"), anything else when the attack worked ("FAIL:
# what").  Its first comment lines after the shebang are
#     # finding: <issue-9 finding number or class>
#     # invariant: <one line>
#     # attack: <one line>
# which readme.py puts in README.md beside the last run's result.
#
# Every attack ends with sec_guard_check: the errno a call returned is
# not the proof, the host is.
#
#   SEC_MARK     a unique string; name every object an attack tries to
#                create with it, so that sec_guard_check finds it if it
#                lands anywhere on the host
#   REAL_HOME    the test user's home on the host (from the passwd
#                database: HOME is replaced, see below)
#   HOME         a scratch home, $TMPDIR/home, exported so that veneer
#                and the target get it; veneer's lower / still shows
#                REAL_HOME, so the guard checks both
#   SEC_OTHER    the upper of another sandbox, made by sec_guard_start
#                beside the test's own, which must never change

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

SEC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SEC_MARK="VNSEC${RANDOM}${RANDOM}p$$"
REAL_HOME=$(getent passwd "$(id -u)" | cut -d: -f6)
[ -n "$REAL_HOME" ] && [ -d "$REAL_HOME" ] ||
	fail "the test user has no home directory in the passwd database"
SEC_HOME=$T/home
mkdir -p "$SEC_HOME"
export HOME=$SEC_HOME
SEC_GUARD=$T/.guard
SEC_OTHER=$T/other-upper
# the places on the host where the test user can make a name, searched
# for SEC_MARK: the world-writable directories and the home
SEC_WRITABLE=(/tmp /var/tmp /dev/shm "$REAL_HOME")
SEC_ALLOWED=()
SEC_LOWERS=()

case $T in
/tmp | /tmp/*)
	note "scratch under /tmp: the supervisor cannot see it, so escapes" \
		"aimed at scratch paths cannot show (run through tests/security/run)"
	;;
esac

# tree_list DIR: one line per object below DIR (names, types, modes,
# sizes, times, inodes, link counts, owners, link targets), then the
# sha256 of every regular file: what must not change, in a form whose
# diff says what did
tree_list() {
	# (what the user cannot read is listed, not hashed; a find error
	# must not end the test before the comparison says what changed)
	(
		cd "$1" || exit 1
		find . -xdev -printf '%p|%y|%m|%s|%T@|%C@|%i|%n|%U:%G|%l\n' 2>/dev/null | sort
		find . -xdev -type f -readable -print0 2>/dev/null | sort -z |
			xargs -0 -r sha256sum
	) || true
}

# sec_allow DIR...: DIRs may hold SEC_MARK names (the test's own uppers
# and --bind sources, where the target may write)
sec_allow() {
	SEC_ALLOWED+=("$@")
}

# sec_marker_hits: print every name containing SEC_MARK in the places
# the test user can write on the host, but the allowed directories, the
# guard's own, and throwaway uppers of this test (removed at exit)
sec_marker_hits() {
	local -a prune=(-path "$SEC_GUARD" -o -path "$T/veneer-upper-*")
	local d
	for d in "${SEC_ALLOWED[@]}"; do
		prune+=(-o -path "$d")
	done
	find "${SEC_WRITABLE[@]}" -xdev \( "${prune[@]}" \) -prune -o \
		-name "*$SEC_MARK*" -print 2>/dev/null || true
}

# make_other_upper: SEC_OTHER, the upper of another sandbox (over lower
# /, with a file, a directory, a symlink and the state directory), as a
# neighbour's would be beside this test's
make_other_upper() {
	local out=$SEC_GUARD/other.out err=$SEC_GUARD/other.err
	vrun_ok "$out" "$err" --upper "$SEC_OTHER" -- sh -c \
		'mkdir -p /other-dir && echo other >/other-dir/file && ln -s /etc /other-dir/link'
}

# sec_guard_start [LOWER...]: snapshot what no attack may change: the
# real and the scratch home, each LOWER (a lower the test uses; "/" is
# covered by the home and marker checks), the upper of another sandbox;
# and check that no SEC_MARK name exists yet
sec_guard_start() {
	local l i=0
	mkdir -p "$SEC_GUARD"
	make_other_upper
	tree_list "$REAL_HOME" >"$SEC_GUARD/real-home"
	tree_list "$SEC_HOME" >"$SEC_GUARD/scratch-home"
	tree_list "$SEC_OTHER" >"$SEC_GUARD/other-upper"
	for l in "$@"; do
		[ "$l" = / ] && continue
		SEC_LOWERS+=("$l")
		tree_list "$l" >"$SEC_GUARD/lower.$i"
		i=$((i + 1))
	done
	local hits
	hits=$(sec_marker_hits)
	[ -z "$hits" ] || fail "guard: $SEC_MARK exists before the attack: $hits"
}

# sec_race_setup PROG: the set-up of an attack by the race program
# $PROGS/PROG: U (the upper), W (a work directory holding a copy of PROG,
# allowed to change), LOW (a lower whose lw/file holds "lower file"), and
# the guard started over LOW; what the attack adds to LOW goes before
sec_race_setup() {
	require_prog "$1"
	require_cmd python3
	U=$T/upper
	W=$T/w
	LOW=$T/lower
	mkdir -p "$W" "$LOW/lw"
	put "$LOW/lw/file" "lower file"
	cp "$PROGS/$1" "$W/$1"
}

# guard_compare WHAT BEFORE-FILE DIR: fail if DIR's tree_list differs
guard_compare() {
	local what=$1 before=$2 dir=$3
	tree_list "$dir" >"$before.after"
	if ! cmp -s "$before" "$before.after"; then
		echo "  diff -u before after (first 40 lines):" >&2
		diff -u "$before" "$before.after" | head -n 40 | sed 's/^/  /' >&2
		fail "guard: $what changed ($dir)"
	fi
}

# sec_guard_check: fail unless everything sec_guard_start saw is as it
# was and no SEC_MARK name exists on the host outside the allowed
# directories
sec_guard_check() {
	local i hits
	[ -d "$SEC_GUARD" ] || fail "sec_guard_check without sec_guard_start"
	hits=$(sec_marker_hits)
	if [ -n "$hits" ]; then
		printf '%s\n' "$hits" | head -n 20 | while IFS= read -r h; do
			echo "  on the host: $(ls -ld "$h" 2>&1)" >&2
		done
		fail "guard: the attack made objects on the host (ESCAPE): $(printf '%s ' $hits)"
	fi
	guard_compare "the test user's home" "$SEC_GUARD/real-home" "$REAL_HOME"
	guard_compare "the scratch home" "$SEC_GUARD/scratch-home" "$SEC_HOME"
	guard_compare "another sandbox's upper" "$SEC_GUARD/other-upper" "$SEC_OTHER"
	for i in "${!SEC_LOWERS[@]}"; do
		guard_compare "a lower" "$SEC_GUARD/lower.$i" "${SEC_LOWERS[$i]}"
	done
	note "guard: host home, lowers, the other upper unchanged; no $SEC_MARK on the host"
}

# sec_cleanup_markers: remove what an attack left on the host (after
# sec_guard_check failed, so that the next run starts clean); the test
# sets "trap sec_cleanup_markers EXIT" after sec_guard_start
sec_cleanup_markers() {
	local h
	while IFS= read -r h; do
		[ -n "$h" ] && rm -rf -- "$h"
	done < <(sec_marker_hits)
	return 0
}

# sec_wait_ready FILE PID ERR SECONDS: wait until the sandbox running as
# PID makes FILE (through a --bind), failing if it ends first (its stderr
# ERR is shown) or after SECONDS
sec_wait_ready() {
	local file=$1 pid=$2 err=$3 limit=$(($4 * 10)) i=0

	while [ ! -e "$file" ]; do
		if ! kill -0 "$pid" 2>/dev/null; then
			show_file stderr "$err" >&2
			fail "the sandbox ended before it was ready"
		fi
		[ $i -lt "$limit" ] || fail "the sandbox was not ready after $4 s"
		sleep 0.1
		i=$((i + 1))
	done
}

# sec_view_made_by_target PID UPPER MARK: the paths (one per line) under
# the view of the sandbox whose supervisor is PID, named with MARK, that
# the target made there itself.  A name the supervisor rendered is the
# union's: the upper has it (attack names exist nowhere else), and the
# view's copy is a bind of the upper's file, a directory, a FIFO, or a
# symlink with the same target; one the kernel made for the target
# matches nothing.  The view is seen from the host through the
# supervisor's root (it stages it under one of /tmp /run /mnt /var/tmp);
# returns 1 when the view cannot be found, which the caller must fail on
# rather than check nothing.
sec_view_made_by_target() {
	local pid=$1 upper=$2 mark=$3 view='' s h rel

	for s in tmp run mnt var/tmp; do
		if [ -d "/proc/$pid/root/$s/view/proc" ]; then
			view=/proc/$pid/root/$s/view
			break
		fi
	done
	[ -n "$view" ] || return 1
	while IFS= read -r h; do
		[ -n "$h" ] || continue
		rel=${h#"$view"}
		sec_is_rendering "$h" "$upper$rel" && continue
		echo "  in the view: $rel ($(stat -c %F "$h")), in the upper: $(stat -c %F "$upper$rel" 2>&1)" >&2
		echo "$rel"
	done < <(find "$view" -name "*$mark*" 2>/dev/null || true)
}

# sec_skeletons: the skeletons the test user has on /dev/shm now, one
# per line: without namespaces (notify-hostroot, ptrace) a sandbox has
# no view, and what the kernel must walk for the target (directories,
# FIFOs, symlinks) is rendered in a private directory
# /dev/shm/veneer-view-XXXXXX instead (docs/design.md, "notify-hostroot")
sec_skeletons() {
	find /dev/shm -maxdepth 1 -type d -name 'veneer-view-*' -user "$(id -u)" 2>/dev/null |
		sort || true
}

# sec_skeleton_made_by_target BEFORE UPPER MARK: sec_view_made_by_target
# for the rungs without namespaces: the paths (one per line) under the
# skeleton of the running sandbox whose upper is UPPER, named with MARK,
# that the target made there itself (a name the supervisor rendered is
# the union's, as in the view).  The skeleton is one that sec_skeletons
# lists now and did not list in the file BEFORE (made by the caller
# before the sandbox started; a skeleton of another sandbox started
# meanwhile holds no MARK), or UPPER/.wh..wh..veneer/view where /dev/shm
# is no tmpfs; returns 1 when none is found, which the caller must fail
# on rather than check nothing.
sec_skeleton_made_by_target() {
	local before=$1 upper=$2 mark=$3 s h rel
	local -a skels

	mapfile -t skels < <(sec_skeletons | comm -13 "$before" -)
	if [ -d "$upper/.wh..wh..veneer/view" ]; then
		skels+=("$upper/.wh..wh..veneer/view")
	fi
	[ ${#skels[@]} -gt 0 ] || return 1
	for s in "${skels[@]}"; do
		while IFS= read -r h; do
			[ -n "$h" ] || continue
			rel=${h#"$s"}
			sec_is_rendering "$h" "$upper$rel" && continue
			echo "  in the skeleton: $rel ($(stat -c %F "$h")), in the upper: $(stat -c %F "$upper$rel" 2>&1)" >&2
			echo "$rel"
		done < <(find "$s" -name "*$mark*" 2>/dev/null || true)
	done
}

# sec_is_rendering VIEW_OBJECT UPPER_OBJECT: the view's object is what the
# supervisor renders for the upper's.
sec_is_rendering() {
	local v=$1 u=$2

	[ -e "$u" ] || [ -L "$u" ] || return 1
	[ "$(stat -c %F "$v")" = "$(stat -c %F "$u")" ] || return 1
	if [ -L "$v" ]; then
		[ "$(readlink "$v")" = "$(readlink "$u")" ]
	elif [ -f "$v" ]; then
		[ "$(stat -c %d:%i "$v")" = "$(stat -c %d:%i "$u")" ]
	fi
}
