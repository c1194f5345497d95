#!/bin/bash
# Differential read test: a pre-populated upper (OCI format, as veneer
# writes it) over three lowers in mixed formats (l3 OCI, l2 overlayfs,
# l1 OCI) over the host root.  The union must equal the reference merge
# of upper + lowers; the upper's hidden state directory .wh..wh..veneer
# never shows; neither the lowers nor the upper's content change (only
# the state directory may appear in the upper).
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata
require_layer_formats

build_rich_stack "$T/s" oci ovl oci
build_upper "$T/s" oci
u=$T/s/u l1=$T/s/l1 l2=$T/s/l2 l3=$T/s/l3
declare -A snap
for l in "$l1" "$l2" "$l3"; do
	snap[$l]=$(snapshot "$l")
done
upper_before=$(snapshot "$u" .wh..wh..veneer)
layers=(--upper "$u" --lower "$l1" --lower "$l2" --lower "$l3" --lower /)

reference_dump "$T/ref.dump" "$u" "$l1" "$l2" "$l3"
veneer_dump "$T/v.dump" "$T/v.err" "${layers[@]}"
compare_dumps "$T/ref.dump" "$T/v.dump" "upper + three mixed-format lowers"

cat >"$T/follow.exp" <<'LIST'
/vtdata/shadowed.txt => shadowed: upper version
/vtdata/base.txt => No such file or directory
/vtdata/lnk/rel => No such file or directory
/vtdata/lnk/dirlink/b/c/d/e/f.txt => No such file or directory
/vtdata/deep/new.txt => deep/new from the upper
/vtdata/merged/up-link => shadowed: upper version
/vtdata/merged/keep3.txt => No such file or directory
/vtdata/merged/common.txt => merged/common: l1
/vtdata/newfile => only in the upper
/vtdata/gone.txt => No such file or directory
/.wh..wh..veneer => No such file or directory
LIST
follow_check "upper over lowers" "$T/follow.exp" "${layers[@]}"

# the state directory is invisible at the root too
vrun_ok "$T/root.out" "$T/root.err" "${layers[@]}" -- \
	sh -c 'ls -a / | grep "^\.wh\." | wc -l'
assert_eq "0" "$(cat "$T/root.out")" ".wh. names listed in / inside veneer"

for l in "$l1" "$l2" "$l3"; do
	assert_eq "${snap[$l]}" "$(snapshot "$l")" "lower ${l##*/} changed"
done
assert_eq "$upper_before" "$(snapshot "$u" .wh..wh..veneer)" \
	"the upper's content changed (a read-only run)"
extra=$(cd "$u" && find . -mindepth 1 -maxdepth 1 -name '.wh.*' | sort | tr '\n' ' ')
assert_match '^(\./\.wh\.\.wh\.\.veneer )?$' "$extra" "unexpected .wh. entries at the upper's root"
echo "upper + lowers: union equals the reference merge"
