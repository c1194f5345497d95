#!/bin/bash
# Checks the test oracle refmerge.py itself, without veneer:
#  - the rich stack merges to exactly the tree written out below (worked
#    out by hand from the union rules), in the OCI format, the overlayfs
#    format and mixes of both, with and without an upper;
#  - ".wh." names (including veneer's state directory) never show;
#  - holes of sparse files stay holes, mtimes and modes are kept.
source "$(dirname "$0")/lib.sh"

require_layer_formats

# path|type|mode|nlink|link target, for the rich stack, lowers only
sort >"$T/expected-lowers" <<'LIST'
.|d|755|3|
./vtdata|d|755|13|
./vtdata/base.txt|f|644|1|
./vtdata/deep|d|755|3|
./vtdata/deep/a|d|755|3|
./vtdata/deep/a/b|d|755|3|
./vtdata/deep/a/b/c|d|755|3|
./vtdata/deep/a/b/c/d|d|755|3|
./vtdata/deep/a/b/c/d/e|d|755|2|
./vtdata/deep/a/b/c/d/e/f.txt|f|644|1|
./vtdata/empty|f|644|1|
./vtdata/emptydir|d|755|2|
./vtdata/fifo1|p|644|1|
./vtdata/fifo3|p|640|1|
./vtdata/filetodir|d|755|2|
./vtdata/filetodir/inner.txt|f|644|1|
./vtdata/hl|d|755|3|
./vtdata/hl/a|f|644|3|
./vtdata/hl/b|f|644|3|
./vtdata/hl/sub|d|755|2|
./vtdata/hl/sub/c|f|644|3|
./vtdata/hl2|d|755|2|
./vtdata/hl2/a|f|644|3|
./vtdata/hl2/b|f|644|3|
./vtdata/hl2/c|f|644|3|
./vtdata/lnk|d|755|2|
./vtdata/lnk/abs|l|777|1|/vtdata/merged/common.txt
./vtdata/lnk/dangling|l|777|1|/vtdata/nope
./vtdata/lnk/dirlink|l|777|1|../deep/a
./vtdata/lnk/dots|l|777|1|../lnk/../deep/a/b/../b/c/d/e/f.txt
./vtdata/lnk/loop1|l|777|1|loop2
./vtdata/lnk/loop2|l|777|1|loop1
./vtdata/lnk/rel|l|777|1|../base.txt
./vtdata/lnk/samelayer|l|777|1|target.txt
./vtdata/lnk/target.txt|f|644|1|
./vtdata/lnk/updots|l|777|1|../../../../../vtdata/base.txt
./vtdata/mdir|d|750|2|
./vtdata/mdir/l1|f|644|1|
./vtdata/mdir/l2|f|644|1|
./vtdata/mdir/l3|f|644|1|
./vtdata/merged|d|755|3|
./vtdata/merged/common.txt|f|644|1|
./vtdata/merged/fifo2|p|600|1|
./vtdata/merged/from1.txt|f|644|1|
./vtdata/merged/from2.txt|f|644|1|
./vtdata/merged/keep3.txt|f|644|1|
./vtdata/merged/sub|d|755|2|
./vtdata/merged/sub/x|f|644|1|
./vtdata/modes|d|755|4|
./vtdata/modes/d700|d|700|2|
./vtdata/modes/m2750|f|2750|1|
./vtdata/modes/m444|f|444|1|
./vtdata/modes/m4755|f|4755|1|
./vtdata/modes/m600|f|600|1|
./vtdata/modes/m755|f|755|1|
./vtdata/modes/sticky|d|1777|2|
./vtdata/only2|d|755|2|
./vtdata/only2/inner|f|644|1|
./vtdata/opq|d|755|2|
./vtdata/opq/new1.txt|f|644|1|
./vtdata/shadowed.txt|f|644|1|
./vtdata/typechg|f|644|1|
./vtdata/with space.txt|f|644|1|
./vtdata/ünïcödé|f|644|1|
LIST

# contents that say which layer won
cat >"$T/expected-contents" <<'LIST'
vtdata/shadowed.txt: shadowed: l1 version
vtdata/merged/common.txt: merged/common: l1
vtdata/typechg: typechg: l2 file over l3 dir
vtdata/filetodir/inner.txt: filetodir/inner from l1
vtdata/hl/sub/c: hard-linked in l3
vtdata/opq/new1.txt: opq/new1 from l1
LIST

listing() {
	(cd "$1" && find . -printf '%p|%y|%m|%n|%l\n' | sort)
}

contents() {
	local f
	while IFS=: read -r f _; do
		printf '%s: %s\n' "$f" "$(cat "$1/$f")"
	done <"$T/expected-contents"
}

n=0
for fmts in "oci oci oci" "ovl ovl ovl" "oci ovl oci" "ovl oci ovl"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	build_rich_stack "$T/s$n" $fmts
	"$PY" "$REFMERGE" "$T/m$n" "$T/s$n/l1" "$T/s$n/l2" "$T/s$n/l3"
	listing "$T/m$n" >"$T/got$n"
	assert_files_eq "$T/expected-lowers" "$T/got$n" \
		"merge of the rich stack (formats l3 l2 l1: $fmts)"
	contents "$T/m$n" >"$T/contents$n"
	assert_files_eq "$T/expected-contents" "$T/contents$n" \
		"winning layers (formats $fmts)"
done

# times and modes come along; the merged dir takes its top layer's
assert_eq "1000000000" "$(stat -c %Y "$T/m1/vtdata/base.txt")" "mtime of a file"
assert_eq "1200000000" "$(stat -c %Y "$T/m1/vtdata/mdir")" "mtime of a merged directory"
assert_eq "$(stat -c %y "$T/s1/l2/vtdata/lnk/rel")" \
	"$(stat -c %y "$T/m1/vtdata/lnk/rel")" "mtime of a symlink"
assert_eq "$(stat -c %i "$T/m1/vtdata/hl/a")" "$(stat -c %i "$T/m1/vtdata/hl/sub/c")" \
	"hard links stay hard links"

# an upper in each format, over the OCI stack
for f in oci ovl; do
	rm -rf "$T/s1/u"
	build_upper "$T/s1" "$f"
	mkdir -p "$T/s1/u/.wh..wh..veneer/work"     # veneer's state directory
	: >"$T/s1/u/.wh..wh..veneer/lock"
	"$PY" "$REFMERGE" "$T/mu-$f" "$T/s1/u" "$T/s1/l1" "$T/s1/l2" "$T/s1/l3"
	listing "$T/mu-$f" >"$T/gotu-$f"
done
assert_files_eq "$T/gotu-oci" "$T/gotu-ovl" "upper in OCI vs overlayfs format"
# what the upper changes, by hand
{
	grep -v -e '^./vtdata/base.txt|' -e '^./vtdata/merged/keep3.txt|' \
		-e '^./vtdata/deep' -e '^./vtdata/mdir|' -e '^./vtdata|' "$T/expected-lowers"
	cat <<'LIST'
./vtdata|d|755|13|
./vtdata/deep|d|755|2|
./vtdata/deep/new.txt|f|644|1|
./vtdata/mdir|d|755|2|
./vtdata/mdir/u|f|644|1|
./vtdata/merged/up-link|l|777|1|../shadowed.txt
./vtdata/newfile|f|644|1|
./vtdata/ufifo|p|644|1|
LIST
} | sort >"$T/expected-upper"
assert_files_eq "$T/expected-upper" "$T/gotu-oci" "merge with an upper"
assert_eq "shadowed: upper version" "$(cat "$T/mu-oci/vtdata/shadowed.txt")" "upper wins"
if grep -q '\.wh\.' "$T/gotu-oci" "$T/got1"; then
	fail "a .wh. name shows in the merge"
fi

# OCI: NAME next to .wh.NAME in one layer shows, the layers below do not
mkdir -p "$T/w/a/d" "$T/w/b/d"
put "$T/w/a/f" "a"
: >"$T/w/a/.wh.f"
: >"$T/w/a/.wh.d"
put "$T/w/a/d/top" "top"
put "$T/w/b/d/below" "below"
put "$T/w/b/f" "b"
"$PY" "$REFMERGE" "$T/wm" "$T/w/a" "$T/w/b"
assert_eq "./d ./d/top ./f" "$(cd "$T/wm" && find . -mindepth 1 | sort | tr '\n' ' ' | sed 's/ $//')" \
	"a name and its whiteout in one layer"

# sparse files keep their holes
mkdir -p "$T/sp/l"
truncate -s 64M "$T/sp/l/sparse"
printf 'data in the middle' | dd of="$T/sp/l/sparse" bs=1M seek=10 conv=notrunc status=none
"$PY" "$REFMERGE" "$T/spm" "$T/sp/l"
cmp "$T/sp/l/sparse" "$T/spm/sparse" || fail "sparse file content differs"
blocks=$(stat -c %b "$T/spm/sparse")
[ "$blocks" -lt 1024 ] || fail "sparse copy is not sparse: $blocks blocks"

# bad use
if "$PY" "$REFMERGE" "$T/m1" "$T/s1/l1" 2>/dev/null; then
	fail "refmerge.py accepted a non-empty destination"
fi
if "$PY" "$REFMERGE" "$T/none" "$T/missing" 2>/dev/null; then
	fail "refmerge.py accepted a missing layer"
fi
echo "refmerge.py self-test passed"
