# cp -r into existing lower directories (merging, overwriting lower
# files), cp -rT, cp -u (update only), cp -n (no clobber).
set -e
source "$DIFF_LIB"
cp -r tree/a/. tree/b/
cp -rT tree/c deep/l1
echo "newer" >newer && touch -d '2010-01-01' newer
cp -u newer files/small.txt          # newer than the lower file: copied
touch -d '1990-01-01' older && echo older >older
cp -u older files/words.txt          # older: not copied
cp -n files/onebyte files/empty      # exists: not copied
cat files/small.txt files/words.txt files/empty
tree_list tree/b deep/l1
sums tree/b deep/l1
