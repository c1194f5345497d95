# git init of new repositories: one in a new dir, one over a lower dir
# (tree/, so .git is created inside a lower directory), with commits.
set -e
git init -q newrepo
cp -a files/small.txt files/words.txt newrepo/
git -C newrepo add .
git -C newrepo commit -q -m "first"
git -C newrepo log --stat --oneline
git init -q tree
git -C tree add -A
git -C tree commit -q -m "the tree"
git -C tree ls-tree -r HEAD
rm tree/a/x/f1
echo "modified" >>tree/b/y/f2
git -C tree status --short
git -C tree diff --stat
git -C tree commit -q -a -m "second"
git -C tree log --oneline
