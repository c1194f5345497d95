#!/bin/bash
# Notify pitfall: the target dies (SIGKILL) while calls are in flight:
# four threads loop over open/stat/readdir of union objects, and in a
# second run one more thread sits in an open of a lower FIFO that no one
# writes.  veneer must notice and exit with 137 within three seconds of
# the kill (the helper writes the kill's time into the upper first): a
# hang is what this catches; an exit under ASan on the ptrace rung of a
# loaded 2-core machine took 1.04 s, natively it takes milliseconds.
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-killinflight
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata"
put "$L/vtdata/file" "a file"
mkfifo "$L/vtdata/pipe"

for fifo in "" /vtdata/pipe; do
	rm -rf "$T/U"
	vrun "$T/o" "$T/e" --lower "$L" --lower / --upper "$T/U" -- \
		"$PROGS/vt-killinflight" 400 /vtdata/stamp /vtdata/file $fifo
	end=$(date +%s.%N)
	what="killed with calls in flight${fifo:+ and an open of a FIFO blocked}"
	[ -s "$T/U/vtdata/stamp" ] || { show_file stderr "$T/e"; fail "$what: the helper did not get to the kill"; }
	assert_eq 137 "$VRC" "$what: exit status"
	delay=$(awk -v a="$(cat "$T/U/vtdata/stamp")" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
	note "$what: veneer exited ${delay}s after the kill"
	awk -v d="$delay" 'BEGIN { exit !(d < 3.0) }' ||
		fail "$what: veneer took ${delay}s (> 3 s) to exit after the target died"
done
echo "target killed mid-call: veneer exits promptly"
