#!/bin/bash
# Notify pitfall: a path string that ends exactly at the end of a mapped
# page followed by an unmapped one.  open and stat of it work inside
# veneer as natively (a supervisor reading a fixed-size chunk would get
# EFAULT or nothing); the same bytes without the NUL run into the
# unmapped page and give EFAULT, as natively.
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-pageedge
require_free_host_path /vtdata

L=$T/L
mkdir -p "$L/vtdata/a/b"
put "$L/vtdata/a/b/file" "first line of the file"
mkdir -p "$T/hostdir"
put "$T/hostdir/hfile" "a host file"

"$PROGS/vt-pageedge" "$L/vtdata/a/b/file" >"$T/native"
want="open=first line of the file
stat=23
nonul=-EFAULT"
assert_eq "$want" "$(cat "$T/native")" "vt-pageedge natively"

vrun_ok "$T/o" "$T/e" --lower "$L" --lower / -- "$PROGS/vt-pageedge" /vtdata/a/b/file
assert_eq "$want" "$(cat "$T/o")" "path at a page end: a union file"
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / -- "$PROGS/vt-pageedge" "$T/hostdir/hfile"
assert_eq "open=a host file
stat=12
nonul=-EFAULT" "$(cat "$T/o")" "path at a page end: a file of the host lower"
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --chdir /vtdata/a -- "$PROGS/vt-pageedge" b/file
assert_eq "$want" "$(cat "$T/o")" "relative path at a page end"
echo "paths at a page end: read correctly"
