#!/bin/bash
# Notify pitfall: system calls newer than the filter knows (Debian 12's
# libseccomp stops at Linux 6.1).  Unassigned numbers (470, 500, 1000)
# give ENOSYS; calls added since that take a path and change metadata
# (fchmodat2, 6.6; setxattrat, 6.13) must not reach a lower: fchmodat2
# is answered by the write path (a copy-up, then the change), setxattrat
# is refused with ENOSYS; the lower file is unchanged either way.
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-sysnr
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata"
put "$L/vtdata/file" "a file" 0644
lower_before=$(snapshot "$L")
note "native: $("$PROGS/vt-sysnr" nr 470 500 1000 | tr '\n' ' ')"

vrun_ok "$T/o" "$T/e" --lower "$L" --lower / -- "$PROGS/vt-sysnr" nr 470 500 1000
assert_eq "470=-ENOSYS
500=-ENOSYS
1000=-ENOSYS" "$(cat "$T/o")" "unknown system call numbers"

vrun_ok "$T/o" "$T/e" --lower "$L" --lower / -- sh -c '
	"$1" fchmodat2 /vtdata/file 777
	"$1" setxattrat /vtdata/file
	stat -c "mode=%a" /vtdata/file
' sh "$PROGS/vt-sysnr"
cat "$T/o"

assert_eq 644 "$(stat -c %a "$L/vtdata/file")" "the lower file's mode"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "new system calls: answered or refused"
