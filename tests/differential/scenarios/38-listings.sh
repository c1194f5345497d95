# ls -la, du and stat listings after changes: merged entries, link
# counts of files and directories, sizes, removed entries gone.
set -e
source "$DIFF_LIB"
rm -rf tree/b/x
mkdir tree/b/new tree/new
echo "grown" >>files/small.txt
ln files/words.txt tree/words-link
rm hard/pair2
echo n >tree/b/new/file
lsl tree tree/b files hard
lsl -R deep | head -n 40
du -s --inodes tree deep files hard
find tree files hard ! -type d -print0 | du -cb --apparent-size --files0-from=- | tail -n 1
du -ab --apparent-size files | sort -k2 | awk '{ if ($2 != "files") print }'
stat -c '%n %F %a %h' tree tree/b tree/a tree/b/new deep hard/pair1
