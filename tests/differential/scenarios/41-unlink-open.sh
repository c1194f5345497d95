# Deleting (or replacing) a file that is open and still using it: reads
# of the open lower file go on, its link count drops to 0, writes through
# an fd to a deleted new file still work; a renamed-over file stays
# readable through its fd.
set -e
source "$DIFF_LIB"
exec 3<files/small.txt
rm files/small.txt
head -n 2 <&3
exec 3<&-
python3 - <<'PY'
import os
f = open("files/words.txt", "rb")
os.unlink("files/words.txt")
print("after unlink:", f.read(), "nlink", os.fstat(f.fileno()).st_nlink)
f.close()

g = open("tree/a/x/f1", "rb")
with open("newer", "w") as n:
    n.write("replacement\n")
os.rename("newer", "tree/a/x/f1")
print("renamed over:", g.read(), "now:", open("tree/a/x/f1", "rb").read())
g.close()

h = open("scratch", "w+")
os.unlink("scratch")
h.write("written after unlink\n")
h.flush()
h.seek(0)
print("deleted new file:", h.read().strip(), "nlink", os.fstat(h.fileno()).st_nlink)
h.close()

d = os.open("tree/b", os.O_RDONLY | os.O_DIRECTORY)
os.rename("tree/b", "tree/b-moved")
print("dir fd after rename:", sorted(os.listdir(d)))
os.close(d)
PY
rc ls files/small.txt files/words.txt scratch
ls tree
