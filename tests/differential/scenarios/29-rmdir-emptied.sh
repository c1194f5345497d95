# rmdir of lower dirs that became empty after rm of their files, of a
# lower dir that is still non-empty (fails), and of a chain of them.
set -e
source "$DIFF_LIB"
rm tree/a/x/f1 tree/a/x/f2 tree/a/x/f3
rmdir tree/a/x
rc rmdir tree/a/y
rm tree/a/y/*
rmdir tree/a/y
rm -f tree/a/z/*
rmdir tree/a/z tree/a
ls tree
rmdir emptydir
rc rmdir emptydir
for i in 7 6 5 4 3 2 1; do
	p=deep
	for j in $(seq 1 "$i"); do p=$p/l$j; done
	rm "$p/f.txt"
	rmdir "$p"
done
ls -a deep
rc rmdir deep
rm deep/f.txt && rmdir deep
rc ls deep
# recreate one: empty, no old entries
mkdir tree/a
ls -a tree/a
