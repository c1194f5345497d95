# tar c of the merged tree after changes: the archive's listing (times
# of the run itself as "new"), its bytes with times fixed, and a round
# trip through it.
set -e
source "$DIFF_LIB"
echo "changed" >>tree/a/x/f1
rm -rf tree/b/y
mkdir tree/c/new && echo new >tree/c/new/file
ln tree/c/x/f1 tree/c/x/f1-link
mv tree/a/z tree/a/zz
# numeric owner 0: the caller is uid 0 inside veneer, not outside
tar --sort=name --owner=0 --group=0 --numeric-owner -cf merged.tar tree hard links
tar -tvf merged.tar | awk '{ if ($4 >= "2020") { $4 = "new"; $5 = "" } print }'
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - tree hard links |
	sha256sum
mkdir out && tar -xf merged.tar -C out
diff -r tree out/tree && echo "round trip agrees"
rm merged.tar
tree_list out
