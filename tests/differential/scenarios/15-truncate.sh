# truncate: grow and shrink lower files (small, 1 MiB, 8 MiB, sparse)
# and new ones; the kept part must be the lower content.
set -e
source "$DIFF_LIB"
truncate -s +100 files/small.txt
truncate -s 10 files/words.txt
truncate -s 0 files/1m.bin
truncate -s 3M files/big.bin
truncate -s 20M files/sparse.img
truncate -s 5000 files/4k.bin
truncate -s 1M new-empty
truncate -s 10K new-shrunk && truncate -s 7 new-shrunk
truncate -s -1 files/64k1.bin
rc truncate -s 10 tree                # a directory
st files/small.txt files/words.txt files/1m.bin files/big.bin \
	files/sparse.img files/4k.bin new-empty new-shrunk files/64k1.bin
sums files new-empty new-shrunk
od -c files/words.txt
tail -c 200 files/sparse.img | od -c | tail -n 4
