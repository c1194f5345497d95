# Four processes appending to the same lower file at once (racing for
# its copy-up) and four creating files in the same lower dir; every line
# must arrive once.  The file is sorted afterwards, as the interleaving
# is the scheduler's.
set -e
source "$DIFF_LIB"
for w in 1 2 3 4; do
	(
		for i in $(seq 1 50); do echo "writer $w line $i" >>files/small.txt; done
		for i in $(seq 1 25); do echo "$w" >"tree/b/x/w$w-$i"; done
	) &
done
wait
wc -l <files/small.txt
sort -o files/small.txt files/small.txt
sha256sum files/small.txt
ls tree/b/x | wc -l
sums tree/b/x | sha256sum
