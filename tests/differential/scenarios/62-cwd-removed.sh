# Working in a lower directory that is removed (and another that is
# renamed) under the shell's feet: the deleted cwd lists empty and takes
# no new entries; relative paths from a renamed cwd still work.
set -e
source "$DIFF_LIB"
cd tree/a/x
rm f1 f2 f3
rmdir ../x
ls -a
rc touch newfile
rc mkdir newdir
python3 -c 'import os; print(os.listdir("."))'
cd ../y
mv ../y ../y-renamed
cat f1
echo "written from the renamed cwd" >new-in-y
cd ../../..
tree_list tree/a
