#!/bin/bash
# Notify pitfall: a FIFO that lives in a lower.  A reader and a writer,
# two processes inside veneer, open it (the opens block until both
# sides are there: a supervisor that opened it on their behalf would
# freeze); both finish and the data passes, in either start order.
# Opening the FIFO for writing is not a write to the union (no EROFS).
# What the readers got is written to the upper.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata"
mkfifo "$L/vtdata/pipe"
lower_before=$(snapshot "$L")

# shellcheck disable=SC2016
vrun "$T/o" "$T/e" --lower "$L" --lower / --upper "$T/U" -- timeout 30 sh -c '
	mkdir -p /out
	cat /vtdata/pipe >/out/got1 &
	sleep 0.3
	echo "reader first" >/vtdata/pipe
	wait $!
	echo "writer first" >/vtdata/pipe &
	sleep 0.3
	cat /vtdata/pipe >/out/got2
	wait $!
	for i in 1 2 3 4 5 6 7 8 9 10; do
		seq 1 2000 >/vtdata/pipe &
		wc -l </vtdata/pipe
		wait $!
	done | sort | uniq -c | tr -s " "
	echo done
'
[ "$VRC" -eq 0 ] || { show_file stdout "$T/o"; show_file stderr "$T/e"; fail "FIFO round trips failed (exit $VRC; 124 = hung)"; }
assert_eq "reader first" "$(cat "$T/U/out/got1")" "data through the FIFO (reader opened first)"
assert_eq "writer first" "$(cat "$T/U/out/got2")" "data through the FIFO (writer opened first)"
assert_eq " 10 2000
done" "$(cat "$T/o")" "ten FIFO round trips of 2000 lines"
[ -p "$L/vtdata/pipe" ] || fail "the lower's FIFO is gone"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "FIFO in a lower: data passes"
