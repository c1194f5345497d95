# rm -rf a lower dir, then mkdir -p it again with other content: the old
# entries must stay hidden (an opaque directory), also deeper down; a
# removed lower file recreated with other content.
set -e
source "$DIFF_LIB"
rm -rf tree/a
mkdir -p tree/a/x/deeper
echo "new f9" >tree/a/x/f9
echo "new deeper" >tree/a/x/deeper/file
lsl tree/a/x
tree_list tree/a
rc cat tree/a/x/f1
rc cat tree/a/y/tox1
rm files/words.txt
echo "new words" >files/words.txt
cat files/words.txt
rm -rf deep
mkdir deep
rc ls deep/l1
ls -a deep
# a recreated file whose lower version had xattrs does not get them back
rm xattr/one
echo "recreated" >xattr/one
rc getfattr -n user.color xattr/one
