# mv of files: renames in place, across directories, over existing lower
# and new names, of new files, of symlinks, and back again.
set -e
source "$DIFF_LIB"
mv files/small.txt files/renamed.txt
mv files/words.txt tree/a/words.txt
mv tree/b/x/f1 tree/b/x/f2          # over a lower name
echo "new" >newfile
mv newfile tree/c/newfile
mv tree/c/newfile tree/c/x/f3        # a new file over a lower name
mv links/rel links/rel-moved         # a symlink keeps its (relative) target
mv files/big.bin deep/l1/l2/l3/l4/l5/l6/l7/
mv tree/a/z/f1 tree/a/z/tmp && mv tree/a/z/tmp tree/a/z/f1
mv files/renamed.txt files/small.txt
ls files tree/a tree/b/x tree/c/x deep/l1/l2/l3/l4/l5/l6/l7
cat tree/a/words.txt tree/b/x/f2 tree/c/x/f3
readlink links/rel-moved
cat links/rel-moved || echo "rc=$?"
sha256sum deep/l1/l2/l3/l4/l5/l6/l7/big.bin
times files/small.txt tree/a/z/f1
