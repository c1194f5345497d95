# Renames onto names whose lower version was removed: the moved object
# must not let the removed lower content through (a dir moved onto a
# removed lower dir's name must show only its own entries).
set -e
source "$DIFF_LIB"
rm files/words.txt
echo "the new words" >tmpname
mv tmpname files/words.txt
cat files/words.txt
rm -rf tree/c
mv tree/b tree/c
tree_list tree
mkdir fresh && echo f >fresh/only
rm -rf tree/a
mv fresh tree/a
ls -a tree/a
rc cat tree/a/x/f1
mv tree/a tree/a2 && mv tree/a2 tree/a
ls -a tree/a
rm -rf deep/l1/l2
mv deep/l1/l2 deep/l1/l2x 2>/dev/null || echo "nothing to move"
mv tree/c/x deep/l1/l2
tree_list deep
