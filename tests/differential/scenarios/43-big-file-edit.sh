# Writes inside large lower files: a block in the middle of the 8 MiB
# file, data into a hole of the sparse file, an append past the end
# leaving a hole; the untouched parts must be the lower's.
set -e
source "$DIFF_LIB"
printf 'MIDDLE' | dd of=files/big.bin bs=1 seek=4194304 conv=notrunc status=none
printf 'IN THE HOLE' | dd of=files/sparse.img bs=1 seek=10000000 conv=notrunc status=none
printf 'PAST THE END' | dd of=files/1m.bin bs=1 seek=2000000 conv=notrunc status=none
dd if=files/big.bin bs=1 skip=4194300 count=16 status=none | od -c
dd if=files/sparse.img bs=1 skip=9999996 count=20 status=none | od -c
st files/big.bin files/sparse.img files/1m.bin
sums files
head -c 4194304 files/big.bin | sha256sum
tail -c 4194298 files/big.bin | sha256sum
