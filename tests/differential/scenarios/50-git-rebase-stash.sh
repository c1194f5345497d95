# git stash, rebase, reset --hard, clean -fdx on the lower repository.
set -e
cd repo
echo "uncommitted" >>notes.txt
echo "untracked" >untracked.txt
git stash -q
git status --short
git stash list
git checkout -q feature
git rebase -q main
git log --oneline --graph
git checkout -q main
git stash pop -q
git status --short
git reset -q --hard HEAD
git clean -fdx
git status
git log --oneline --all
cat notes.txt
