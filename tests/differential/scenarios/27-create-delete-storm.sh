# A create/delete storm: 10,000 files created (half in a lower dir, half
# in a new one), most deleted again, every 10th kept; then 1,000 cycles
# of delete/recreate of lower names (whiteout, then a file over it).
set -e
source "$DIFF_LIB"
mkdir storm
for ((i = 0; i < 5000; i++)); do
	echo "storm $i" >"tree/a/x/s$i"
	echo "new $i" >"storm/n$i"
done
ls tree/a/x | wc -l
ls storm | wc -l
rm -f tree/a/x/s*[1-9]
find storm -name 'n*[1-9]' -delete
ls tree/a/x | wc -l
ls storm | wc -l
python3 - <<'PY'
import os
names = ["tree/b/%s/f%d" % (d, n) for d in "xyz" for n in (1, 2, 3)]
for i in range(1000):
    p = names[i % len(names)]
    os.unlink(p)
    with open(p, "w") as f:
        f.write("cycle %d\n" % i)
print(sorted(os.listdir("tree/b/x")))
PY
cat tree/b/x/f1 tree/b/z/f3
sums tree/a/x storm | sha256sum
tree_list tree/b
