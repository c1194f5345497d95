# cp -a of lower trees into new names (modes, times, symlinks, xattrs and
# hard links preserved), and of a lower tree into another lower dir.
set -e
source "$DIFF_LIB"
cp -a tree tree-copy
cp -a hard hard-copy
cp -a xattr xattr-copy
cp -a modes modes-copy
cp -a links links-copy
cp -a files/sparse.img files/big.bin deep/l1/l2/
cp -a tree/a tree/b/a-inside-b
diff -r tree tree-copy && echo "tree and tree-copy agree"
tree_list tree-copy hard-copy modes-copy links-copy
sums deep/l1/l2
getfattr -R -d -m 'user\.' xattr-copy | sed '/^$/d'
times tree-copy tree-copy/a/x/f1 deep/l1/l2/big.bin
