# Editing files in deep lower dirs in place (append, a write in the
# middle): every parent is copied up, and none of their times changes.
set -e
source "$DIFF_LIB"
echo "appended deep" >>deep/l1/l2/l3/l4/l5/l6/l7/f.txt
python3 - <<'PY'
with open("deep/l1/l2/l3/f.txt", "r+b") as f:
    f.seek(5)
    f.write(b"LEVEL")
PY
cat deep/l1/l2/l3/l4/l5/l6/l7/f.txt deep/l1/l2/l3/f.txt
p=deep
times "$p"
for i in 1 2 3 4 5 6 7; do
	p=$p/l$i
	times "$p"
done
times deep/l1/l2/l3/l4/l5/l6/l7/f.txt deep/l1/l2/l3/f.txt deep/l1/l2/f.txt
