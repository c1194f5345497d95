# tar x over existing lower files: each replaced (new content, the
# archive's mode and time), a new file added; then a full tree restore.
set -e
source "$DIFF_LIB"
tar --no-same-owner --no-same-permissions -xvf archives/overlay.tar
cat tree/a/x/f1 tree/b/y/f2 files/words.txt tree/new/added
st tree/b/y/f2
times tree/a/x/f1 tree/a/x tree/new
# the whole tree from tree.tar, over the modified one, with -p
echo "changed" >tree/c/z/f3
rm tree/a/y/f1
tar --no-same-owner -xpf archives/tree.tar
cat tree/c/z/f3 tree/a/y/f1
tree_list tree
mkdir unpacked && tar -xzf archives/tree.tar.gz -C unpacked
diff -r tree unpacked/tree || true
