# What a copy-up must keep: after a metadata change (chmod, xattr) the
# content, mtime and other xattrs are the lower's; after a content
# change the mode and xattrs are; hard-link partners and siblings are
# unaffected by another file's copy-up.
set -e
source "$DIFF_LIB"
chmod 0600 xattr/many
getfattr -d -m 'user\.' xattr/many
times xattr/many
echo "appended" >>xattr/one
getfattr -d -m 'user\.' xattr/one
stat -c '%n %a %s' xattr/one
chmod 4711 modes/m755
./modes/m755
times modes/m755 modes
setfattr -n user.x -v 1 files/sparse.img
sha256sum files/sparse.img
st files/sparse.img
times files/sparse.img
