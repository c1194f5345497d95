#!/bin/bash
# Differential read test: two lowers in the OCI format (.wh.NAME
# whiteouts, .wh..wh..opq opaque directories) over the host root, no
# upper (veneer makes a throwaway one).  The tree /vtdata inside veneer
# must equal the reference merge of the two layers (find, ls -laR,
# sha256 of every file, tar, du: see DUMP_TREE in lib.sh); reads
# through symlinks (within a layer, absolute, dangling - here also the
# ones whose targets live in the absent l3 -, loops) and of whited-out,
# opaque-hidden and reserved ".wh." names give what the union says; the
# layers do not change.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

build_rich_stack "$T/s" oci oci oci
l1=$T/s/l1 l2=$T/s/l2
before=$(snapshot "$T/s")

reference_dump "$T/ref.dump" "$l1" "$l2"
veneer_dump "$T/v.dump" "$T/v.err" --lower "$l1" --lower "$l2" --lower /
compare_dumps "$T/ref.dump" "$T/v.dump" "two OCI lowers"

# base.txt lives in l3, which is not in this stack
cat >"$T/follow.exp" <<'LIST'
/vtdata/lnk/rel => No such file or directory
/vtdata/lnk/abs => merged/common: l1
/vtdata/lnk/dangling => No such file or directory
/vtdata/lnk/dirlink/b/c/d/e/f.txt => No such file or directory
/vtdata/lnk/samelayer => lnk/target from l1
/vtdata/lnk/loop1 => Too many levels of symbolic links
/vtdata/merged/common.txt => merged/common: l1
/vtdata/merged/from2.txt => merged/from2 from l2
/vtdata/typechg => typechg: l2 file over l3 dir
/vtdata/gone.txt => No such file or directory
/vtdata/gonedir/x => No such file or directory
/vtdata/opq/old2.txt => No such file or directory
/vtdata/opq/new1.txt => opq/new1 from l1
/vtdata/.wh.gonedir => No such file or directory
/vtdata/opq/.wh..wh..opq => No such file or directory
LIST
follow_check "two OCI lowers" "$T/follow.exp" --lower "$l1" --lower "$l2" --lower /

assert_eq "$before" "$(snapshot "$T/s")" "the lower layers changed"
echo "two OCI lowers: union equals the reference merge"
