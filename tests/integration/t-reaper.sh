#!/bin/bash
# Orphaned grandchildren inside the sandbox are re-parented to its init
# (pid 1) and reaped: no zombies pile up; and veneer returns when the
# target exits even if an orphan still runs (the sandbox is torn down).
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "pid namespace (orphans go to the sandbox's init as a subreaper, not to a pid 1)"

# shellcheck disable=SC2016
vrun_ok "$T/o" "$T/e" -- sh -c '
	o=$(sh -c "sleep 2 >/dev/null 2>&1 & echo \$!")
	sleep 0.3
	echo "orphan-parent=$(ps -o ppid= -p "$o" | tr -d " ")"
	(sleep 0.2 &)
	(sleep 0.2 &)
	sleep 1
	echo "zombies=$(ps -eo stat= | grep -c Z)"
'
assert_eq "orphan-parent=1
zombies=0" "$(cat "$T/o")" "orphans are adopted by pid 1 and reaped"

start=$(date +%s)
vrun_ok "$T/o" "$T/e" -- sh -c 'sleep 30 >/dev/null 2>&1 & echo started'
end=$(date +%s)
assert_eq "started" "$(cat "$T/o")" "target output"
[ $((end - start)) -lt 10 ] || fail "veneer waited $((end - start)) s for an orphan after the target exited"
echo "orphans: reaped"
