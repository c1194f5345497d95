#!/bin/bash
# Notify pitfall: a storm of signals.  vt-sigstorm loops over open/read,
# stat, access, readdir of union objects, open of a missing name (ENOENT)
# and mkdir of a new name (EROFS at this read-only stage) while a child
# sends it SIGUSR1 (SA_RESTART handler) as fast as it can: thousands of
# signals land during notified calls.  Every call must give the same
# answer every time: no stray EINTR, no EEXIST from a replayed mkdir,
# nothing created in the layers.  The bar is 200 iterations and 2,000
# signals, not a rate: under the sanitizers on a loaded machine an
# iteration can take a tenth of a second, and the 60 s cap is only there
# to catch a hang.
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-sigstorm
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata/dir/a" "$L/vtdata/dir/b"
head -c 3000 /dev/urandom | base64 >"$L/vtdata/file"
for i in 1 2 3 4 5 6 7 8; do put "$L/vtdata/dir/f$i" "$i"; done
lower_before=$(snapshot "$L")

# the helper itself, natively (mkdir of an existing directory: EEXIST)
"$PROGS/vt-sigstorm" 200 200 "$L/vtdata/file" "$L/vtdata/dir" \
	"$L/vtdata/missing" "$L/vtdata/dir" EEXIST >"$T/native" ||
	{ cat "$T/native"; fail "vt-sigstorm fails natively"; }

vrun "$T/o" "$T/e" --lower "$L" --lower / -- "$PROGS/vt-sigstorm" 200 2000 \
	/vtdata/file /vtdata/dir /vtdata/missing /vtdata/dir EEXIST
cat "$T/o"
[ "$VRC" -eq 0 ] || { show_file stderr "$T/e"; fail "calls misbehaved under a signal storm (exit $VRC)"; }
assert_match '^iterations=[0-9]+ signals=[0-9]+ failures=0$' "$(tail -n 1 "$T/o")" "summary line"
[ ! -e "$L/vtdata/dir/newdir" ] || fail "mkdir created a directory in the lower"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "signal storm: every call answered consistently"
