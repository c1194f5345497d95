#!/bin/bash
# Differential read test with big files: a 64 MiB sparse file (data at
# the start, at 10 MiB and in the last byte), an 8 MiB dense file of
# random bytes, a file that starts with a hole, and a 4 MiB file
# shadowed by a small one in the layer above.  Besides the tree dump
# (sha256 and tar read every byte), inside veneer the sparse file must
# report the blocks the layer's file really uses (no dense copy), give
# the right bytes at an offset, and show its holes to SEEK_DATA/SEEK_HOLE.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

l1=$T/s/l1 l2=$T/s/l2
mkdir -p "$l1/vtdata" "$l2/vtdata"
s=$l2/vtdata/big-sparse
truncate -s 64M "$s"
printf 'head of the sparse file' | dd of="$s" conv=notrunc status=none
printf 'data in the middle' | dd of="$s" bs=1M seek=10 conv=notrunc status=none
printf 'Z' | dd of="$s" bs=1 seek=$((64 * 1024 * 1024 - 1)) conv=notrunc status=none
head -c 8M /dev/urandom >"$l2/vtdata/dense"
truncate -s 3M "$l2/vtdata/hole-first"
printf 'after a 3 MiB hole' >>"$l2/vtdata/hole-first"
head -c 4M /dev/urandom >"$l2/vtdata/shadowed"
put "$l1/vtdata/shadowed" "small file over a 4 MiB one"
cp --sparse=always "$s" "$l1/vtdata/sparse-copy"
layer_blocks=$(stat -c %b "$s")
[ "$layer_blocks" -lt 4096 ] || skip "the file system of $T does not keep holes"
before=$(snapshot "$T/s")
layers=(--lower "$l1" --lower "$l2" --lower /)

reference_dump "$T/ref.dump" "$l1" "$l2"
veneer_dump "$T/v.dump" "$T/v.err" "${layers[@]}"
compare_dumps "$T/ref.dump" "$T/v.dump" "large and sparse files"

# shellcheck disable=SC2016
vrun_ok "$T/probe.out" "$T/probe.err" "${layers[@]}" -- /usr/bin/python3 -c '
import os
f = "/vtdata/big-sparse"
st = os.stat(f)
print("size", st.st_size, "blocks", st.st_blocks)
fd = os.open(f, os.O_RDONLY)
print("hole at", os.lseek(fd, 0, os.SEEK_HOLE))
print("data at", os.lseek(fd, 1 << 20, os.SEEK_DATA))
print("bytes", os.pread(fd, 18, 10 << 20).decode())
print("last", os.pread(fd, 10, (64 << 20) - 1).decode())
os.close(fd)
'
hole=$("$PY" -c 'import os,sys; fd=os.open(sys.argv[1],os.O_RDONLY); print(os.lseek(fd,0,os.SEEK_HOLE), os.lseek(fd,1<<20,os.SEEK_DATA))' "$s")
assert_eq "size 67108864 blocks $layer_blocks
hole at ${hole% *}
data at ${hole#* }
bytes data in the middle
last Z" "$(cat "$T/probe.out")" "the sparse file as seen inside veneer"

assert_eq "$before" "$(snapshot "$T/s")" "the lower layers changed"
echo "large and sparse files: union equals the reference merge"
