# A lower dir replaced by a file, a lower file by a dir, a symlink by a
# dir and a dir by a symlink; what was below stays hidden.
set -e
source "$DIFF_LIB"
rm -rf tree/c
echo "now a file" >tree/c
rm files/small.txt
mkdir files/small.txt
echo inner >files/small.txt/inner
rm links/dirrel
mkdir links/dirrel
echo "not the link target" >links/dirrel/file
rm -rf tree/b
ln -s a tree/b
st tree/c files/small.txt links/dirrel tree/b
cat tree/c files/small.txt/inner links/dirrel/file
ls tree/b/ deep/l1
rc cat links/rel
tree_list tree files links
