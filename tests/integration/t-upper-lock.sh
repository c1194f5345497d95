#!/bin/bash
# One sandbox per upper: a second `veneer run` on an upper in use fails at
# once with one line naming the holder's pid; after the holder is killed
# (-9: its lock file still names it), the next run takes the upper and
# says it was left by a crash; after a clean exit, nothing is said.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

L=$T/L U=$T/U
mkdir -p "$L/vtdata"
put "$L/vtdata/file" "x"

"$VENEER" run --lower "$L" --lower / --upper "$U" -- sleep 30 </dev/null >/dev/null 2>"$T/holder.err" &
holder=$!
for _ in $(seq 1 100); do
	[ -s "$U/.wh..wh..veneer/lock" ] && break
	sleep 0.05
done
assert_eq "$holder" "$(cat "$U/.wh..wh..veneer/lock")" "the lock names its holder"

start=$(date +%s.%N)
vrun "$T/o" "$T/e" --lower "$L" --lower / --upper "$U" -- true
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
assert_eq 125 "$VRC" "a second run on the upper in use"
assert_eq 1 "$(wc -l <"$T/e")" "one line of error"
assert_match "upper $U is in use by veneer pid $holder" "$(cat "$T/e")" "the error names the holder"
awk -v t="$took" 'BEGIN { exit !(t < 5) }' || fail "the second run took ${took}s to fail"

kill -9 "$holder"
wait "$holder" 2>/dev/null || true
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --upper "$U" -- cat /vtdata/file
assert_match "^veneer: upper $U was left by a crash of veneer pid $holder: " "$(cat "$T/e")" \
	"the run after a crash says so"
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --upper "$U" -- cat /vtdata/file
assert_eq "" "$(cat "$T/e")" "a run after a clean exit says nothing"
echo "upper lock: one holder, named; a crash is reported once"
