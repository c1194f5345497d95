# shutil.copytree, copy2, move (across directories, of lower trees),
# rmtree and copystat on lower objects.
set -e
source "$DIFF_LIB"
python3 - <<'PY'
import os, shutil
shutil.copytree("tree/a", "copied-a", symlinks=True)
shutil.copy2("files/small.txt", "copied-small")
shutil.move("tree/b", "moved-b")
shutil.move("files/words.txt", "moved-b/x/")
shutil.rmtree("deep/l1/l2/l3/l4")
shutil.copystat("modes/d700", "tree/c")
os.makedirs("made/a/b", exist_ok=True)
os.makedirs("tree/c/x", exist_ok=True)
try:
    os.makedirs("tree/c/x")
except FileExistsError:
    print("makedirs: FileExistsError")
print(sorted(os.listdir(".")))
PY
tree_list copied-a moved-b tree deep
times copied-small tree/c
