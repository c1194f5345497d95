# ln -s: new links (relative, absolute, dangling, to directories), writes
# through links, and creating a dangling link's target through the link.
set -e
source "$DIFF_LIB"
ln -s files/small.txt s-rel
ln -s /vtdata/files/words.txt s-abs
ln -s nowhere s-dangling
ln -s tree/a s-dir
ln -s ../../files/small.txt tree/a/s-up
readlink s-rel s-abs s-dangling s-dir tree/a/s-up
head -n 2 s-rel tree/a/s-up
ls s-dir/
echo "through a dir link" >s-dir/x/via-link
cat tree/a/x/via-link
# writing through a dangling link creates its target
echo "created through links/dangling" >links/dangling
cat files/no-such-file
# ln -s onto an existing name fails; ln -sf replaces
rc ln -s files/empty s-rel
ln -sf files/empty s-rel
readlink s-rel
ln -s s-loop2 s-loop1 && ln -s s-loop1 s-loop2
rc cat s-loop1
lsl . | grep ' s-' || true
tree_list links
