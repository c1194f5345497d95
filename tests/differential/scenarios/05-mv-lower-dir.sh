# mv of a lower directory: a rename that must not fail with EXDEV; the
# subtree shows under the new name only; changes inside it stick; moving
# it back restores the name.
set -e
source "$DIFF_LIB"
mv tree/a tree/a-moved
rc ls tree/a
echo "changed after the move" >>tree/a-moved/x/f1
rm tree/a-moved/y/f2
mkdir tree/a-moved/new
echo n >tree/a-moved/new/file
tree_list tree
mv tree/a-moved tree/a
mv deep/l1/l2 other/l2-moved         # to another parent, with depth
echo "deep change" >>other/l2-moved/l3/l4/f.txt
mv tree links/tree-in-links          # a whole tree under another
mv links/tree-in-links tree
tree_list tree other deep
cat tree/a/x/f1 other/l2-moved/l3/l4/f.txt
readlink tree/a/y/tox1 && cat tree/a/y/tox1
times tree/a/z tree/a/z/f1 other/l2-moved/l3
