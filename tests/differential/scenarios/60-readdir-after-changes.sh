# Directory listings of a lower dir after many additions and removals:
# each name once, removed ones absent, in every listing interface.
set -e
source "$DIFF_LIB"
for i in $(seq 1 200); do : >"tree/a/x/n$i"; done
rm tree/a/x/f2 tree/a/x/n1*
mkdir tree/a/x/f2
python3 - <<'PY'
import os
names = os.listdir("tree/a/x")
print(len(names), len(set(names)), "f2" in names, "n10" in names)
with os.scandir("tree/a/x") as it:
    kinds = sorted((e.name, e.is_dir()) for e in it if e.name.startswith("f"))
print(kinds)
PY
ls -U tree/a/x | sort | sha256sum
ls tree/a/x | wc -l
ls -a tree/a/x | head -n 5
find tree/a/x -maxdepth 1 | wc -l
stat -c '%h' tree/a/x
