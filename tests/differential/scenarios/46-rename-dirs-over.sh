# Directory renames over directories: a new dir over an empty lower dir,
# a lower dir over an emptied lower dir, a lower dir over a new empty
# dir; swapping two lower dirs through a temporary name.
set -e
source "$DIFF_LIB"
mkdir newdir && echo n >newdir/n
mv -T newdir emptydir
rm tree/a/x/*
mv -T tree/b/x tree/a/x
mkdir newempty
mv -T tree/c/y newempty
mv tree/a tree/tmp && mv tree/c tree/a && mv tree/tmp tree/c
tree_list tree emptydir newempty
