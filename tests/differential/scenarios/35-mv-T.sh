# mv -T: a dir onto a missing name, onto an empty lower dir (replaces
# it), onto a non-empty one (fails), a file onto a file, a file onto a
# dir (fails), a dir onto a file (fails).
set -e
source "$DIFF_LIB"
mv -T tree/a tree/a-renamed
mv -T tree/b emptydir
ls emptydir
rc mv -T tree/c deep
rc mv -T files/words.txt tree/c
rc mv -T tree/c files/small.txt
mv -T files/words.txt files/onebyte
cat files/onebyte
mkdir newempty
mv -T tree/c newempty
tree_list tree emptydir newempty files
