# Creating, changing and removing entries through relative symlinks to
# lower directories: the changes land in the link's target.
set -e
source "$DIFF_LIB"
echo "via dirrel" >links/dirrel/new.txt
echo "appended via dirrel" >>links/dirrel/f.txt
mkdir links/dirrel/made-via-link
rm links/dirrel/l2/f.txt
mv links/dirrel/l2/l3 links/dirrel/l3-moved
cat deep/l1/new.txt deep/l1/f.txt
ls deep/l1 deep/l1/l2
readlink links/dirrel
tree_list deep/l1 links
