# Read-only baseline: reading, listing and following links change
# nothing.  If this fails, the harness or the read path is at fault,
# not the write path.
set -e
source "$DIFF_LIB"
cat files/small.txt links/rel links/chain
readlink links/abs links/dirabs
head -c 64 files/big.bin | sha256sum
sha256sum files/sparse.img
lsl files modes links
tree_list tree deep
cat links/dangling || echo "rc=$?"
git -C repo log --oneline --all
python3 -c 'import os; print(sorted(os.listdir("names")))'
