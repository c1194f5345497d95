#!/bin/bash
# Differential read test: three lowers in the overlayfs format (0/0
# character-device whiteouts, user.overlay.opaque=y directories) over
# the host root, no upper.  Same checks as t-diff-two-lowers, with
# hard links, FIFOs, setuid/setgid/sticky modes, names with spaces and
# UTF-8, deep trees, file<->directory type changes between layers, and
# symlinks that resolve across all three layers.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata
require_layer_formats

build_rich_stack "$T/s" ovl ovl ovl
l1=$T/s/l1 l2=$T/s/l2 l3=$T/s/l3
before=$(snapshot "$T/s")
layers=(--lower "$l1" --lower "$l2" --lower "$l3" --lower /)

reference_dump "$T/ref.dump" "$l1" "$l2" "$l3"
veneer_dump "$T/v.dump" "$T/v.err" "${layers[@]}"
compare_dumps "$T/ref.dump" "$T/v.dump" "three overlayfs-format lowers"

cat >"$T/follow.exp" <<'LIST'
/vtdata/lnk/rel => base from l3
/vtdata/lnk/abs => merged/common: l1
/vtdata/lnk/dangling => No such file or directory
/vtdata/lnk/dirlink/b/c/d/e/f.txt => deep file
/vtdata/lnk/dirlink/../../base.txt => base from l3
/vtdata/lnk/dots => deep file
/vtdata/lnk/samelayer => lnk/target from l1
/vtdata/lnk/updots => base from l3
/vtdata/lnk/loop1 => Too many levels of symbolic links
/vtdata/shadowed.txt => shadowed: l1 version
/vtdata/merged/common.txt => merged/common: l1
/vtdata/merged/keep3.txt => merged/keep3 from l3
/vtdata/merged/from3.txt => No such file or directory
/vtdata/gone.txt => No such file or directory
/vtdata/gonedir/y/z => No such file or directory
/vtdata/opq/old3.txt => No such file or directory
/vtdata/opq/sub/deep.txt => No such file or directory
/vtdata/typechg/inner.txt => Not a directory
/vtdata/filetodir/inner.txt => filetodir/inner from l1
/vtdata/hl/sub/c => hard-linked in l3
LIST
follow_check "three lowers" "$T/follow.exp" "${layers[@]}"

# "cd" through a symlinked directory, then the physical path
vrun_ok "$T/pwd.out" "$T/pwd.err" "${layers[@]}" -- \
	sh -c 'cd /vtdata/lnk/dirlink && pwd -P && cd -P .. && pwd -P'
assert_eq "/vtdata/deep/a
/vtdata/deep" "$(cat "$T/pwd.out")" "cd through a symlinked directory"

assert_eq "$before" "$(snapshot "$T/s")" "the lower layers changed"
echo "three overlayfs-format lowers: union equals the reference merge"
