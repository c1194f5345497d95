#!/bin/bash
# Cross-checks the test oracle (refmerge.py) against the kernel's own
# union, overlayfs, mounted read-only in an unprivileged user namespace
# (unshare -rm, option userxattr: Linux >= 5.11).  Stacks in the
# overlayfs format only (0/0 whiteouts, user.overlay.opaque), since
# overlayfs does not know the OCI ".wh." format.  Needs no veneer.
#
# Compared: every path with its type, mode, mtime and link target, the
# size of non-directories, each file's sha256, and a tar of the tree
# (which also records hard links).  Not compared: directory sizes and
# link counts (overlayfs reports st_nlink 1 for merged directories).
source "$(dirname "$0")/lib.sh"

require_cmd unshare setfattr
require_layer_formats

listing() {
	# shellcheck disable=SC2016
	sh -c '
	set -e
	cd "$1"
	find . -printf "%p|%y|%m|%T@|%l|" -exec sh -c \
		"[ -d \"\$1\" ] && echo - || stat -c %s \"\$1\"" sh {} \; | sort
	find . -type f -print0 | sort -z | xargs -0 -r sha256sum
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum
	' listing "$1"
}

kernel_listing() {
	# kernel_listing OUT LAYER... (topmost first)
	local out=$1 lowers
	shift
	lowers=$(IFS=:; echo "$*")
	mkdir -p "$T/mnt"
	if ! unshare -rm sh -c 'mount -t overlay overlay -o "userxattr,lowerdir=$1" "$2"' \
		sh "$lowers" "$T/mnt" 2>"$T/mount.err"; then
		cat "$T/mount.err"
		skip "cannot mount overlayfs in a user namespace here"
	fi
	# a function cannot cross unshare: run the listing in a new shell
	unshare -rm bash -c '
		mount -t overlay overlay -o "userxattr,lowerdir=$1" "$2" || exit 1
		source "$4"
		listing "$2/vtdata"
	' sh "$lowers" "$T/mnt" "" "$T/listing.sh" >"$out"
}

declare -f listing >"$T/listing.sh"

# 1. three lowers
build_rich_stack "$T/s" ovl ovl ovl
kernel_listing "$T/kernel1" "$T/s/l1" "$T/s/l2" "$T/s/l3"
"$PY" "$REFMERGE" "$T/ref1" "$T/s/l1" "$T/s/l2" "$T/s/l3"
listing "$T/ref1/vtdata" >"$T/oracle1"
[ "$(grep -c '' "$T/oracle1")" -gt 60 ] || fail "listing too short"
assert_files_eq "$T/kernel1" "$T/oracle1" \
	"refmerge.py disagrees with overlayfs on three lowers"

# 2. an upper over them (read-only, so it is the top lowerdir to overlayfs)
build_upper "$T/s" ovl
kernel_listing "$T/kernel2" "$T/s/u" "$T/s/l1" "$T/s/l2" "$T/s/l3"
"$PY" "$REFMERGE" "$T/ref2" "$T/s/u" "$T/s/l1" "$T/s/l2" "$T/s/l3"
listing "$T/ref2/vtdata" >"$T/oracle2"
assert_files_eq "$T/kernel2" "$T/oracle2" \
	"refmerge.py disagrees with overlayfs on upper + three lowers"
if cmp -s "$T/oracle1" "$T/oracle2"; then
	fail "the upper changed nothing: the stack is not what the test means"
fi

# 3. as root also the trusted.overlay.opaque format, which only root can
#    set and only overlayfs without userxattr reads
if [ "$(id -u)" -eq 0 ]; then
	mkdir -p "$T/r/l1/vtdata/o" "$T/r/l2/vtdata/o"
	put "$T/r/l2/vtdata/o/hidden" "hidden by trusted opaque"
	put "$T/r/l1/vtdata/o/shown" "shown"
	setfattr -n trusted.overlay.opaque -v y "$T/r/l1/vtdata/o"
	mkdir -p "$T/rmnt"
	mount -t overlay overlay -o "lowerdir=$T/r/l1:$T/r/l2" "$T/rmnt"
	listing "$T/rmnt/vtdata" >"$T/kernel3"
	umount "$T/rmnt"
	"$PY" "$REFMERGE" "$T/ref3" "$T/r/l1" "$T/r/l2"
	listing "$T/ref3/vtdata" >"$T/oracle3"
	assert_files_eq "$T/kernel3" "$T/oracle3" \
		"refmerge.py disagrees with overlayfs on trusted.overlay.opaque"
else
	note "not root: trusted.overlay.opaque not cross-checked"
fi
echo "refmerge.py agrees with overlayfs"
