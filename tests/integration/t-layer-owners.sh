#!/bin/bash
# Owners a layer keeps besides its files' own, shown inside as the image
# has them:
#   - a layer `veneer import` made (its owner store) used as a lower: the
#     tar's owners and its character device show inside; --ids auto
#     presents for it even when every layer is the caller's (doctor says
#     why); veneer diff over it compares with those owners;
#   - a tree umoci's rootless unpack wrote (every file the caller's, the
#     image's owner in user.rootlesscontainers): as a lower, its owners
#     show inside, "noop" fields keep the file's own, a file without the
#     xattr is root's; --ids auto presents for it; as an upper, veneer
#     diff shows its owners; the same through umoci itself (repack of a
#     bundle whose file has the xattr, unpacked again --rootless).
# it-timeout: 120
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3 setfattr umoci
unless_hostroot "root inside, whose presented owners this test reads"

# ------------------------------------------------ an imported lower
"$PY" - "$T/layer.tar" <<'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    def add(name, kind, uid, gid, mode, data=b"", **kw):
        i = tarfile.TarInfo(name); i.type = kind; i.uid = uid; i.gid = gid; i.mode = mode
        for k, v in kw.items(): setattr(i, k, v)
        i.size = len(data) if kind == tarfile.REGTYPE else 0
        t.addfile(i, io.BytesIO(data) if kind == tarfile.REGTYPE else None)
    add("srv", tarfile.DIRTYPE, 0, 0, 0o755)
    add("srv/owned", tarfile.REGTYPE, 1234, 5678, 0o640, b"owned\n")
    add("srv/rootfile", tarfile.REGTYPE, 0, 0, 0o644, b"root\n")
    add("srv/null", tarfile.CHRTYPE, 0, 0, 0o666, devmajor=1, devminor=3)
EOF
"$VENEER" import "$T/layer.tar" -o "$T/imp" 2>"$T/e" || fail "import: $(cat "$T/e")"
vrun_ok "$T/o" "$T/e" --lower "$T/imp" --lower / -- stat -c '%n %u:%g %F %t,%T' /srv/owned /srv/rootfile /srv/null
assert_eq "/srv/owned 1234:5678 regular file 0,0
/srv/rootfile 0:0 regular file 0,0
/srv/null 0:0 character special file 1,3" "$(cat "$T/o")" \
	"an imported lower's owners and device, inside"
# A record the import's store keeps of an inode it no longer has (a
# file removed from it by hand) names whatever file of another lower on
# that file system gets the number next: a record for the inode of a
# file of the lower below it, appended by hand, must not give that file
# its owner (only the import's own objects are the store's).
mkdir -p "$T/below/srv"
echo below >"$T/below/srv/other"
"$PY" - "$T/imp/.wh..wh..veneer/owners" "$(stat -c %i "$T/below/srv/other")" <<'EOF'
import struct, sys
with open(sys.argv[1], "ab") as f:
    f.write(struct.pack("<IIQII", 0x6e776f76, 0, int(sys.argv[2]), 4242, 4242))
EOF
vrun_ok "$T/o" "$T/e" --lower "$T/imp" --lower "$T/below" --lower / -- stat -c '%n %u:%g' /srv/owned /srv/other
assert_eq "/srv/owned 1234:5678
/srv/other 0:0" "$(cat "$T/o")" "a lower store's record of another lower's inode is not that file's owner"
"$VENEER" doctor --lower "$T/imp" >"$T/d" 2>&1 || true
assert_match "keeps owners in .wh..wh..veneer/owners" "$(cat "$T/d")" "doctor: --ids auto presents for an imported lower"
vrun_ok "$T/o" "$T/e" --lower "$T/imp" --lower / --upper "$T/U1" -- sh -c 'echo more >>/srv/owned'
"$VENEER" diff --lower "$T/imp" --lower / "$T/U1" >"$T/o"
assert_eq "C f 0640 1234:5678 /srv/owned" "$(cat "$T/o")" \
	"diff over an imported lower: the data changed, not the owner"

# ------------------------------------------------ a rootless unpack, by hand
R=$T/rootless
mkdir -p "$R/srv"
echo a >"$R/srv/image-owned"
echo b >"$R/srv/gid-only"
echo c >"$R/srv/plain"
setfattr -n user.rootlesscontainers -v 0x08d20910ae2c "$R/srv/image-owned" 2>/dev/null ||
	skip "this file system keeps no user xattrs"
# uid noop (2^32-1), gid 5
setfattr -n user.rootlesscontainers -v 0x08ffffffff0f1005 "$R/srv/gid-only"
# a message longer than 64 bytes (a newer one: uid 1000, then a field 3
# of 64 bytes, which a reader skips) failed the file's stat (ERANGE)
echo d >"$R/srv/long-message"
setfattr -n user.rootlesscontainers -v "0x08e8071a40$(printf '00%.0s' $(seq 64))" "$R/srv/long-message"
vrun_ok "$T/o" "$T/e" --lower "$R" --lower / -- stat -c '%n %u:%g' /srv/image-owned /srv/gid-only \
	/srv/plain /srv/long-message
assert_eq "/srv/image-owned 1234:5678
/srv/gid-only 0:5
/srv/plain 0:0
/srv/long-message 1000:0" "$(cat "$T/o")" "a rootless unpack's owners, inside"
"$VENEER" doctor --lower "$R" --lower "$R/srv" >"$T/d" 2>&1 || true
assert_match "user.rootlesscontainers" "$(cat "$T/d")" "doctor: --ids auto presents for a rootless unpack"

# as an upper: veneer diff shows its owners
U=$T/U2
mkdir -p "$U/srv"
echo x >"$U/srv/new"
setfattr -n user.rootlesscontainers -v 0x08d20910ae2c "$U/srv/new"
: >"$U/.wh.vt-gone"
"$VENEER" diff --lower "$T/imp" "$U" >"$T/o"
assert_match "^A f 0644 1234:5678 /srv/new$" "$(cat "$T/o")" "diff of a rootless upper: its owners"

# ------------------------------------------------ through umoci itself
L=$T/layout
umoci init --layout "$L" >/dev/null
umoci new --image "$L:base" >/dev/null
umoci unpack --rootless --image "$L:base" "$T/b1" >/dev/null 2>&1 || fail "umoci unpack --rootless"
mkdir -p "$T/b1/rootfs/srv"
echo u >"$T/b1/rootfs/srv/by-umoci"
setfattr -n user.rootlesscontainers -v 0x08d20910ae2c "$T/b1/rootfs/srv/by-umoci"
umoci repack --image "$L:next" "$T/b1" >/dev/null 2>&1 || fail "umoci repack"
umoci unpack --rootless --image "$L:next" "$T/b2" >/dev/null 2>&1 || fail "umoci unpack of the repacked image"
vrun_ok "$T/o" "$T/e" --lower "$T/b2/rootfs" --lower / -- stat -c '%u:%g' /srv/by-umoci
assert_eq "1234:5678" "$(cat "$T/o")" "a file umoci unpacked rootless shows the image's owner"
