# setfattr/getfattr of user.* on lower files and dirs (a metadata-only
# copy-up keeping the other xattrs), removal, replacement, on new files;
# xattrs survive a later content change and a rename.
set -e
source "$DIFF_LIB"
setfattr -n user.added -v "on a lower file" files/small.txt
setfattr -n user.color -v red xattr/one
setfattr -x user.b xattr/many
setfattr -n user.new -v 0x0102ff xattr/many
setfattr -n user.tag -v "lower dir" tree/a
setfattr -x user.dirattr xattr/dir
echo new >newfile
setfattr -n user.fresh -v yes newfile
rc setfattr -x user.nothere files/words.txt
rc getfattr -n user.nothere files/words.txt
echo "content change" >>xattr/one
mv xattr/many xattr/many-moved
getfattr -d -m 'user\.' files/small.txt xattr/one xattr/many-moved tree/a \
	newfile xattr/dir 2>&1
getfattr -n user.color --only-values xattr/one; echo
cat xattr/one
times files/small.txt xattr/one tree/a
