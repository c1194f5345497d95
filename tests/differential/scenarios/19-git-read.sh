# git on the lower repository: status (which refreshes the index), log,
# branches, show, diff between branches.
set -e
cd repo
git status
git log --oneline --all --graph
git branch -a -v
git show --stat feature
git diff main feature
git ls-files -s
git cat-file -p HEAD
git fsck --no-progress 2>&1
