# A rename storm: 1,000 renames in a loop (a fixed pseudo-random
# sequence) of lower and new files and directories: to fresh names,
# into other directories, over existing files and over empty
# directories.  Every file's content must follow it.
set -e
source "$DIFF_LIB"
mkdir storm
for d in 0 1 2 3 4; do
	mkdir storm/d$d
	for i in 0 1 2 3 4 5 6 7 8 9; do echo "new $d/$i" >storm/d$d/n$i; done
done
python3 - <<'PY'
import os

state = 12345


def rnd():
    # a fixed LCG: the same sequence on both sides
    global state
    state = (state * 1103515245 + 12345) % 2**31
    return state >> 8


files, dirs = [], []
for top in ("tree", "storm"):
    for d, sub, names in os.walk(top):
        sub.sort()
        dirs.append(d)
        files += [os.path.join(d, n) for n in sorted(names)
                  if not os.path.islink(os.path.join(d, n))]
dirs = [d for d in dirs if d not in ("tree", "storm")]
files.sort()
dirs.sort()
done = {"file": 0, "over": 0, "dir": 0, "dir-over-empty": 0}


def moved(old, new):
    """paths below a renamed directory move with it"""
    pre = old + "/"
    for lst in (files, dirs):
        for k, p in enumerate(lst):
            if p == old:
                lst[k] = new
            elif p.startswith(pre):
                lst[k] = new + p[len(old):]


for i in range(1000):
    kind = i % 5
    if kind in (0, 1):  # a file to a fresh name in some directory
        k = rnd() % len(files)
        dst = "%s/r%d" % (dirs[rnd() % len(dirs)], i)
        os.rename(files[k], dst)
        files[k] = dst
        done["file"] += 1
    elif kind == 2:  # a file over another file, then a new one for it
        a = rnd() % len(files)
        b = rnd() % len(files)
        if a == b:
            b = (b + 1) % len(files)
        os.rename(files[a], files[b])
        files.pop(a)
        new = "%s/c%d" % (dirs[rnd() % len(dirs)], i)
        with open(new, "w") as f:
            f.write("created at step %d\n" % i)
        files.append(new)
        done["over"] += 1
    elif kind == 3:  # a directory to a fresh name beside it
        k = rnd() % len(dirs)
        old = dirs[k]
        new = "%s/D%d" % (os.path.dirname(old), i)
        os.rename(old, new)
        moved(old, new)
        done["dir"] += 1
    else:  # a directory over an empty directory
        k = rnd() % len(dirs)
        old = dirs[k]
        empty = "%s/E%d" % (os.path.dirname(old), i)
        os.mkdir(empty)
        os.rename(old, empty)
        moved(old, empty)
        done["dir-over-empty"] += 1
print("renames:", sum(done.values()), sorted(done.items()))
print("files:", len(files), "dirs:", len(dirs))
PY
find tree storm | sort | md5sum
find tree storm -type f | wc -l
sums tree storm | sha256sum
lsl tree | head -n 20
