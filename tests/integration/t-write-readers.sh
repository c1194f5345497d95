#!/bin/bash
# A file opened for reading before a copy-up, written through another fd:
# what the reader sees (docs/design.md, "Readers of a copied-up file").
#   - the process that caused the copy-up: its fds follow at once, and so
#     do children that inherit them (exec 3<f; echo >>f; cat <&3);
#   - another process: at its next intercepted call (an open, a stat...);
#   - the same holds when the copy-up comes from a rename;
#   - a process that makes no intercepted call keeps reading the lower
#     file, and a mapping made before keeps the old pages.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

L=$T/L U=$T/U
mkdir -p "$L/vtdata"
put "$L/vtdata/a" "old a"
put "$L/vtdata/b" "old b"
put "$L/vtdata/c" "old c"
put "$L/vtdata/d" "old d"
put "$L/vtdata/e" "old e"
lower_before=$(snapshot "$L")

cat >"$T/readers.sh" <<'SH'
cd /vtdata
# the same process, and a child inheriting the fd
exec 3<a
echo "new a" >>a
echo "same process: $(cat <&3 | tr '\n' ' ')"

# reopening a lower file through /proc/self/fd for writing: a copy-up
exec 4<d
echo "via proc" >>/proc/self/fd/4
echo "reopened: $(cat d | tr '\n' ' ')"

# a lower file renamed (a copy-up) and written under its new name
exec 5<e
mv e e2
echo "new e" >>e2
echo "renamed: $(cat <&5 | tr '\n' ' ')"

# another process, which makes an intercepted call after the copy-up
/usr/bin/python3 -c '
import os, time
r = os.open("b", os.O_RDONLY)
os.close(os.open("ready-b", os.O_WRONLY | os.O_CREAT, 0o644))
while not os.path.exists("written-b"):
    time.sleep(0.01)
print("other process, after a call:", os.pread(r, 100, 0).decode().split())
' &
while [ ! -e ready-b ]; do :; done
echo "new b" >>b
: >written-b
wait

# another process that only reads (no intercepted call) and a mapping
/usr/bin/python3 -c '
import mmap, os, time
r = os.open("c", os.O_RDONLY)
m = mmap.mmap(r, 0, prot=mmap.PROT_READ)
os.close(os.open("ready-c", os.O_WRONLY | os.O_CREAT, 0o644))
time.sleep(1.0)   # the writer copies c up and appends meanwhile
print("only reading:", os.pread(r, 100, 0).decode().split())
print("mapping:", m[:].decode().split())
os.stat("c")      # an intercepted call: from here on the fd reads the copy
print("after a call:", os.pread(r, 100, 0).decode().split())
' &
while [ ! -e ready-c ]; do :; done
echo "new c" >>c
wait
SH
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- sh "$T/readers.sh"
assert_eq "same process: old a new a 
reopened: old d via proc 
renamed: old e new e 
other process, after a call: ['old', 'b', 'new', 'b']
only reading: ['old', 'c']
mapping: ['old', 'c']
after a call: ['old', 'c', 'new', 'c']" "$(cat "$T/o")" "what readers of a copied-up file see"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "readers of a copied-up file: as documented"
