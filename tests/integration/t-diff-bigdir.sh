#!/bin/bash
# Differential read test of a merged directory with 5,000 entries:
# l2 has f0000..f3399, l1 has f3200..f5199 (200 names in both: l1's
# win) and whites out f0000..f0199 (half in each whiteout format, plus
# one opaque subdirectory).  Inside veneer the directory must list each
# name exactly once in raw readdir order (ls -f, python os.listdir: both
# need several getdents64 calls), 5,000 names, equal to the reference.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata
require_layer_formats

l1=$T/s/l1/vtdata/big l2=$T/s/l2/vtdata/big
mkdir -p "$l1" "$l2"
(
	cd "$l2"
	for i in $(seq -f %04g 0 3399); do echo "l2 $i" >"f$i"; done
	for i in $(seq -f %04g 0 99); do : >"$l1/.wh.f$i"; done
	for i in $(seq -f %04g 100 199); do mknod "$l1/f$i" c 0 0; done
	cd "$l1"
	for i in $(seq -f %04g 3200 5199); do echo "l1 $i" >"f$i"; done
)
mkdir -p "$l2/sub0/old" "$l1/sub0/new"
: >"$l1/sub0/.wh..wh..opq"
for i in $(seq -f %04g 5100 5199); do rm "$l1/f$i"; done   # room for sub0
for i in $(seq -f %04g 5100 5198); do mkdir "$l1/d$i"; done  # and dirs
before=$(snapshot "$T/s")
layers=(--lower "$T/s/l1" --lower "$T/s/l2" --lower /)

reference_dump "$T/ref.dump" "$T/s/l1" "$T/s/l2"
want=$(ls -A "$REF_DIR/vtdata/big" | wc -l)
assert_eq 5000 "$want" "the reference directory has 5000 entries"
veneer_dump "$T/v.dump" "$T/v.err" "${layers[@]}"
compare_dumps "$T/ref.dump" "$T/v.dump" "5000-entry directory"

# shellcheck disable=SC2016
vrun_ok "$T/ls.out" "$T/ls.err" "${layers[@]}" -- sh -c '
	cd /vtdata/big
	echo "ls-f $(ls -f | grep -v "^\.\.\?$" | wc -l)"
	echo "ls-f-unique $(ls -f | grep -v "^\.\.\?$" | sort -u | wc -l)"
	python3 -c "import os; n = os.listdir(\".\"); print(\"listdir\", len(n), len(set(n)))"
	ls | sha256sum
'
assert_eq "ls-f 5000
ls-f-unique 5000
listdir 5000 5000
$(ls "$REF_DIR/vtdata/big" | sha256sum)" "$(cat "$T/ls.out")" "readdir of the 5000-entry directory"

assert_eq "$before" "$(snapshot "$T/s")" "the lower layers changed"
echo "5000-entry directory: union equals the reference merge"
