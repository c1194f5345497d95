#!/bin/bash
# kill -9 of the supervisor in the middle of a change: a 1 GiB copy-up,
# the rename of a large lower directory, an rm -rf of a lower tree.  The
# next `veneer run` on the same upper says what it cleaned up and sees
# either the old or the new state, never a mix; the lower is unchanged.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata/tree"
# 1 GiB of real data (not sparse: holes would copy in no time)
head -c 1G /dev/urandom >"$L/vtdata/big" 2>/dev/null ||
	skip "no room for a 1 GiB file in $T"
for d in $(seq 1 40); do
	mkdir -p "$L/vtdata/tree/d$d"
	for f in $(seq 1 50); do echo "file $d/$f" >"$L/vtdata/tree/d$d/f$f"; done
done
lower_before=$(snapshot "$L")
big_sum=$(sha256sum <"$L/vtdata/big")

# crash_run U UNDER-WAY DELAY COMMAND: run COMMAND inside veneer over
# upper U, wait until the shell test UNDER-WAY (given the supervisor's pid
# as $1) says the change is under way ("" waits for nothing), wait DELAY
# seconds more and kill -9 the supervisor
crash_run() {
	local u=$1 under_way=$2 delay=$3 pid i
	shift 3
	"$VENEER" run --lower "$L" --lower / --upper "$u" -- "$@" \
		</dev/null >"$T/crash.out" 2>"$T/crash.err" &
	pid=$!
	CAUGHT=0
	for i in $(seq 1 600); do
		[ -n "$under_way" ] || break
		if sh -c "$under_way" sh "$pid"; then CAUGHT=1; break; fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	sleep "$delay"
	kill -9 "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# init and the target die with the supervisor (parent-death signal)
	for i in $(seq 1 100); do
		pgrep -f "vt-crash-marker-$u" >/dev/null || break
		sleep 0.05
	done
}

# ------------------------------------------------ a 1 GiB copy-up
U1=$T/U1
# the copy is built unnamed (O_TMPFILE), without the union's lock in the
# work area (a long one), else beside its place: under way while the
# supervisor holds a deleted file of the upper's work area or vtdata/ (the
# upper as the supervisor stages it, <stage>/upper, or on notify-hostroot
# where it is)
crash_run "$U1" "ls -l /proc/\$1/fd 2>/dev/null | grep -qE '/(upper|U1)/(vtdata|\\.wh\\.\\.wh\\.\\.veneer/work)/#.* \\(deleted\\)'" 0.2 \
	sh -c ": vt-crash-marker-$U1; echo appended >>/vtdata/big"
assert_eq 1 "$CAUGHT" "copy-up: the kill came while the copy was being built"
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --upper "$U1" -- \
	sh -c 'sha256sum </vtdata/big; stat -c %s /vtdata/big'
sum=$(sed -n 1p "$T/o") size=$(sed -n 2p "$T/o")
if [ "$sum" = "$big_sum" ]; then
	note "copy-up: the old file (the copy never reached the union)"
	[ ! -e "$U1/vtdata/big" ] || fail "copy-up: a file in the upper, yet the union shows the lower's"
else
	# the copy made it: then it is the whole file and the append
	assert_eq $((1024 * 1024 * 1024 + 9)) "$size" "copy-up: size of the new file"
fi
grep -q "was left by a crash" "$T/e" || { show_file stderr "$T/e"; fail "copy-up: the restart did not say what it cleaned"; }
assert_eq "" "$(ls -A "$U1/.wh..wh..veneer/work")" "copy-up: work area after recovery"

# ------------------------------------------------ rename of a lower directory
# (several delays: the kill lands while the tree is copied, or later)
for delay in 0 0.1 0.3; do
	U2=$T/U2-$delay
	crash_run "$U2" "ls '$U2/.wh..wh..veneer/work' 2>/dev/null | grep -q '^tree-'" "$delay" sh -c ": vt-crash-marker-$U2; mv /vtdata/tree /vtdata/moved"
	vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --upper "$U2" -- sh -c '
		cd /vtdata
		for d in tree moved; do
			if [ -e "$d" ]; then
				echo "$d: $(find "$d" -type f | wc -l) files"
				cat "$d"/d*/f* | sha256sum
			fi
		done'
	want_sum=$(cat "$L"/vtdata/tree/d*/f* | sha256sum)
	case "$(sed -n 1p "$T/o")" in
	"tree: 2000 files" | "moved: 2000 files") ;;
	*) show_file stdout "$T/o"; fail "rename (kill after ${delay}s): a mix of old and new" ;;
	esac
	assert_eq 2 "$(wc -l <"$T/o")" "rename (kill after ${delay}s): exactly one of the names"
	assert_eq "$want_sum" "$(sed -n 2p "$T/o")" "rename (kill after ${delay}s): contents"
	assert_eq "" "$(ls -A "$U2/.wh..wh..veneer/work")" "rename: work area after recovery"
	[ ! -e "$U2/.wh..wh..veneer/journal" ] || fail "rename: the journal was not completed"
	note "rename, kill after ${delay}s: $(sed -n 1p "$T/o")"
done

# ------------------------------------------------ rm -rf of a lower tree
U3=$T/U3
crash_run "$U3" '' 0.5 sh -c ": vt-crash-marker-$U3; rm -rf /vtdata/tree"
# every file still shown is whole; every directory lists without error
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --upper "$U3" -- sh -c '
	cd /vtdata
	find tree -type f | sort | while read -r f; do
		d=${f#tree/d}; d=${d%%/*}; n=${f##*/f}
		[ "$(cat "$f")" = "file $d/$n" ] || echo "BAD $f"
	done
	find tree -type d | wc -l >/dev/null
	echo "$(find tree -type f | wc -l) files left"
	echo checked'
note "rm -rf, kill after 0.5s: $(sed -n 1p "$T/o")"
assert_eq checked "$(tail -n 1 "$T/o")" "rm -rf: the union after the crash"
assert_no_match BAD "$(cat "$T/o")" "rm -rf: a file with the wrong contents"

assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "crashes: old or new state, never a mix"
