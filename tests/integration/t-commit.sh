#!/bin/bash
# veneer commit: an upper a real sandbox wrote over a lower (appends,
# new files, hard links, symlinks, a FIFO, a sparse file, chmod, a
# deleted tree, a directory made opaque, a directory made read-only) is
# applied to a copy of that lower, which then equals the union the
# sandbox showed: names, types, modes, sizes, link targets, data, hard
# links; --dry-run lists the changes and changes nothing; the upper is
# read, not changed; a directory of DIR that may not be written is named
# in one line before anything changes; set-user-ID bits come only from a
# sandbox that ran as root; whiteouts of "." and ".." hide nothing; DIR
# may not be inside the upper, and when it holds the upper no change may
# write into the upper or remove it; a symlink of DIR's where the upper
# has a directory is replaced, never written through; bad input is one
# line, exit 125.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtc

L=$T/L U=$T/U
mkdir -p "$L/vtc/d/sub" "$L/vtc/gone/deep" "$L/vtc/opq"
echo keep >"$L/vtc/d/keep"
echo old >"$L/vtc/d/mod"
echo x >"$L/vtc/gone/deep/f"
echo y >"$L/vtc/opq/old"
echo z >"$L/vtc/d/sub/z"
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --upper "$U" -- sh -c '
	cd /vtc/d && echo new >>mod && echo added >added && mkdir -p newdir/in &&
	ln -s keep link && ln added hard && mkfifo fifo && chmod 600 keep &&
	truncate -s 100M sparse && printf data | dd of=sparse bs=1 seek=1000 conv=notrunc 2>/dev/null &&
	rm -rf /vtc/gone && rm -rf /vtc/opq && mkdir /vtc/opq && echo n >/vtc/opq/new &&
	chmod 555 /vtc/d/sub && echo s >/vtc/d/setuid && chmod 4755 /vtc/d/setuid'
listing='cd "$1" && find vtc -printf "%p %y %m %s %l\n" | sort && find vtc -type f -exec md5sum {} + | sort'
vrun_ok "$T/view" "$T/e" --lower "$L" --lower / --upper "$U" -- sh -c "$listing" sh /
upper_before=$(snapshot "$U" .wh..wh..veneer)

cp -a "$L" "$T/C"
c_before=$(snapshot "$T/C")
"$VENEER" commit --dry-run "$U" --into "$T/C" >"$T/plan" 2>"$T/plan.err" || fail "commit --dry-run exited $?"
assert_eq "$c_before" "$(snapshot "$T/C")" "commit --dry-run changed DIR"
assert_match '^D /vtc/gone$' "$(grep '^D' "$T/plan")" "commit --dry-run: the deletion"
assert_match 'would apply 9 added, 2 changed, 1 deleted' "$(cat "$T/plan.err")" "commit --dry-run: the summary"

"$VENEER" commit --yes "$U" --into "$T/C" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "commit exited $?"; }
assert_match '^veneer: commit: 9 added, 2 changed, 1 deleted into ' "$(cat "$T/e")" "commit: the last line"
sh -c "$listing" sh "$T/C" >"$T/committed"
# set-user-ID bits only from a sandbox that ran as root
sed -i 's|^vtc/d/setuid f 4755 |vtc/d/setuid f 755 |' "$T/view"
assert_files_eq "$T/view" "$T/committed" "the committed tree against the union's"
assert_eq "$(stat -c %i "$T/C/vtc/d/added")" "$(stat -c %i "$T/C/vtc/d/hard")" "a hard link, committed"
[ "$(du -k "$T/C/vtc/d/sparse" | cut -f1)" -lt 1024 ] || fail "the sparse file was written whole"
assert_eq "$upper_before" "$(snapshot "$U" .wh..wh..veneer)" "the upper after commit"
assert_eq "" "$(ls -A "$T/C/vtc/d" | grep -F .veneer-commit || true)" "temporaries left in DIR"

# a directory of DIR that may not be written: one line, nothing changed
cp -a "$L" "$T/C2"
chmod 555 "$T/C2/vtc/d"
c2_before=$(snapshot "$T/C2")
set +e
"$VENEER" commit --yes "$U" --into "$T/C2" >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "commit into a read-only directory: exit status"
assert_eq 1 "$(wc -l <"$T/e")" "commit into a read-only directory: one line"
assert_match '^veneer: commit: you may not write .*/C2/vtc/d .*nothing was changed$' "$(cat "$T/e")" \
	"commit into a read-only directory: the line"
assert_eq "$c2_before" "$(snapshot "$T/C2")" "commit into a read-only directory changed DIR"
chmod 755 "$T/C2/vtc/d"

# a symlink of DIR's to a directory outside it, where the upper has a
# directory: replaced by a real one, nothing written through it
mkdir -p "$T/outside" "$T/C3"
ln -s "$T/outside" "$T/C3/vtc"
"$VENEER" commit --yes "$U" --into "$T/C3" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "commit over a symlink exited $?"; }
assert_eq "" "$(ls -A "$T/outside")" "commit wrote through DIR's symlink"
[ -d "$T/C3/vtc" ] && [ ! -L "$T/C3/vtc" ] || fail "DIR's symlink was not replaced by the upper's directory"

# whiteouts of "." and ".." (a hand-edited upper) hide no name: nothing
# above DIR, nor DIR itself, is removed
cp -a "$U" "$T/U5" && touch "$T/U5/.wh..." "$T/U5/.wh.." "$T/U5/vtc/.wh..."
mkdir -p "$T/P/C5" && echo keep >"$T/P/sibling" && echo keep >"$T/P/C5/own"
"$VENEER" commit --yes "$T/U5" --into "$T/P/C5" >"$T/o" 2>"$T/e" || true
assert_eq keep "$(cat "$T/P/sibling")" "a whiteout of '..': DIR's sibling"
assert_eq keep "$(cat "$T/P/C5/own")" "a whiteout of '.': DIR's own file"

bad() { # WHAT PATTERN ARG...
	local what=$1 pattern=$2
	shift 2
	set +e
	"$VENEER" commit "$@" >"$T/o" 2>"$T/e"
	local rc=$?
	set -e
	assert_eq 125 "$rc" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line"
	assert_match "^veneer: commit: .*$pattern" "$(cat "$T/e")" "$what: the line"
}
bad "commit without --into" "no --into DIR given" "$U"
bad "commit without UPPER" "no UPPER given"
bad "commit into a missing directory" "give a directory" "$U" --into "$T/nope"
bad "commit into the upper" "is the upper, or inside it" "$U" --into "$U"
bad "commit into a directory of the upper" "is the upper, or inside it" "$U" --into "$U/vtc"
# DIR may hold the upper (`veneer run --commit` over /): then no change
# may write where the upper is, nor remove what holds it
"$VENEER" commit --dry-run "$U" --into "$T" >"$T/o" 2>"$T/e" ||
	fail "a dry run into a directory that holds the upper: $(cat "$T/e")"
mkdir "$U/U" && echo planted >"$U/U/f"
bad "a change where the upper is, in DIR" "change to /U would write into the upper itself" \
	--dry-run "$U" --into "$T"
rm -r "$U/U" && : >"$U/.wh.U"
bad "a whiteout of the upper's place in DIR" "change to /U would remove the upper itself" \
	"$U" --into "$T"
rm "$U/.wh.U"
[ -d "$U/vtc" ] || fail "the upper lost its contents to a refused commit"
