# find -delete over lower trees (files by pattern, then emptied dirs
# depth-first) and find -exec rm on new files.
set -e
source "$DIFF_LIB"
find tree -name f2 -delete
find tree -type f -name 'f*' -path '*/y/*' -delete
find tree -type d -empty -delete
find deep -name f.txt -newer files/small.txt -delete   # nothing: all old
find deep -mindepth 3 -delete
mkdir -p new/a/b && touch new/a/x new/a/b/y new/z
find new -type f -exec rm {} +
find . -path ./repo -prune -o -type d -empty -print | sort
tree_list tree deep new
