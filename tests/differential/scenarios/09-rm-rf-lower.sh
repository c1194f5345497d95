# rm -rf of lower trees and files: gone from listings, lookups and find,
# nothing left behind in the tree.
set -e
source "$DIFF_LIB"
rm -rf tree/b
rm -rf deep/l1/l2/l3
rm -rf repo/.git
rm -f files/big.bin files/sparse.img
rm -rf links                          # symlinks, not their targets
rc ls tree/b
rc stat deep/l1/l2/l3/f.txt
ls tree deep/l1/l2 files repo
find . -name 'l3*' | sort
find deep tree -type f | sort
cat files/small.txt | head -n 1
tree_list tree
