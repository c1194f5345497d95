# sed -i over every file of a lower tree at once (find -exec ... +), and
# a second pass over the copies it made.
set -e
source "$DIFF_LIB"
find tree -type f -exec sed -i 's/tree/TREE/' {} +
find tree -type f -name f1 -exec sed -i '1i header' {} +
grep -r TREE tree | sort | head -n 5
sums tree
tree_list tree
times tree tree/a tree/a/x
