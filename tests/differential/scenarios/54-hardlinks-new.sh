# Hard links among new and lower files: groups made, renamed, one name
# removed; rename of a name onto another name of the same file (a no-op).
set -e
source "$DIFF_LIB"
mkdir -p g/sub
echo "group" >g/a
ln g/a g/b
ln g/a g/sub/c
ln tree/a/x/f1 g/lower-link
ln g/lower-link g/lower-link2
mv g/b g/sub/b
st g/a g/sub/b g/sub/c g/lower-link tree/a/x/f1
rc mv g/a g/sub/c                  # mv refuses: the same file
python3 -c 'import os; os.rename("g/a", "g/sub/c")'   # rename(2): a no-op
ls g g/sub
python3 -c 'import os; os.rename("hard/pair1", "hard/pair2")'  # lower: both stay
ls hard
rm g/sub/c
echo "through lower-link2" >>g/lower-link2
cat tree/a/x/f1
st g/a g/sub/b g/lower-link g/lower-link2 tree/a/x/f1 hard/pair1
