# Deletions inside a lower dir survive moving the dir away and back; a
# deleted name recreated inside the moved dir; a lower dir moved into a
# new dir and that one moved.
set -e
source "$DIFF_LIB"
rm tree/a/x/f1 tree/a/y/tox1
rm -rf tree/a/z
mv tree/a moved-a
rc cat moved-a/x/f1
echo "recreated f1" >moved-a/x/f1
mv moved-a tree/a
cat tree/a/x/f1
rc ls tree/a/z
mkdir box
mv tree/b box/
mv box box2
rm box2/b/y/f1
mv box2/b tree/b
tree_list tree box2
