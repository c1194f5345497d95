# git commit, branch, checkout and merge on the lower repository.
set -e
cd repo
echo "a line from the scenario" >>README.md
git add README.md
git commit -q -m "edit the README"
git checkout -q -b topic
echo "topic work" >topic.txt
git add topic.txt
git commit -q -m "topic work"
git checkout -q main
git merge --no-edit feature
git merge --no-edit topic
git status
git log --oneline --graph --all
ls
cat notes.txt
git checkout -q feature
ls
git checkout -q main
git branch -d topic
git branch
git rev-parse HEAD
