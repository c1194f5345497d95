# The same lower names removed and recreated many times, as files, as
# directories and switching between the two (each a whiteout, a file or
# an opaque directory over it); the lower content must never come back.
set -e
source "$DIFF_LIB"
python3 - <<'PY'
import os, shutil
for i in range(150):
    # a lower dir: removed, recreated as a dir, as a file, renamed away
    p = "tree/%s" % "abc"[i % 3]
    if os.path.isdir(p) and not os.path.islink(p):
        shutil.rmtree(p)
    elif os.path.lexists(p):
        os.unlink(p)
    if i % 4 == 0:
        with open(p, "w") as f:
            f.write("file %d\n" % i)
    elif i % 4 == 1:
        os.mkdir(p)
        with open(p + "/x", "w") as f:
            f.write("dir %d\n" % i)
    elif i % 4 == 2:
        os.mkdir(p)
        os.rename(p, p + "-gone%d" % i)
        shutil.rmtree(p + "-gone%d" % i)
    # a lower file: removed, recreated, moved onto, removed again
    q = "files/%s" % ("small.txt", "words.txt")[i % 2]
    if os.path.lexists(q):
        os.unlink(q)
    if i % 3:
        with open(q + ".new", "w") as f:
            f.write("cycle %d\n" % i)
        os.rename(q + ".new", q)
for n in ("a", "b", "c"):
    p = "tree/" + n
    if os.path.isdir(p):
        print(p, "dir", sorted(os.listdir(p)))
    elif os.path.exists(p):
        print(p, "file", open(p).read().strip())
    else:
        print(p, "absent")
print(sorted(os.listdir("files")))
PY
tree_list tree files
