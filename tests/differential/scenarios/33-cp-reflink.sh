# cp --reflink=auto from lower files (a clone where the file system can,
# else a copy) to new names and over lower names; cp of a sparse file.
set -e
source "$DIFF_LIB"
cp --reflink=auto files/big.bin big2
cp --reflink=auto files/sparse.img sparse2
cp --reflink=auto files/1m.bin files/small.txt    # over a lower file
cp --reflink=auto --preserve=all xattr/many xattr/many-copy
cp --sparse=always files/sparse.img sparse3
cmp files/big.bin big2 && echo "big2 agrees"
cmp files/sparse.img sparse3 && echo "sparse3 agrees"
echo "tail" >>big2
cmp files/big.bin big2 || true
st big2 sparse2 sparse3 files/small.txt xattr/many-copy
getfattr -d -m 'user\.' xattr/many-copy
sums files big2 sparse2 sparse3
