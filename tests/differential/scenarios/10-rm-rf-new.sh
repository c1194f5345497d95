# rm -rf of trees created in the same run, beside and inside lower dirs.
set -e
source "$DIFF_LIB"
mkdir -p new/a/b/c/d
for i in 1 2 3; do echo "$i" >new/a/f$i; echo "$i" >new/a/b/c/d/g$i; done
ln -s ../f1 new/a/b/link
mkdir -p tree/a/newdir/sub
echo x >tree/a/newdir/sub/x
echo y >tree/a/newfile
rm -rf new tree/a/newdir tree/a/newfile
rc ls new
ls tree/a
tree_list tree/a
# create again under the same names
mkdir new && echo again >new/file
tree_list new
