# install -m: new files and dirs with given modes, over lower files
# (replaced), -D with missing parents, -d of existing lower dirs.
set -e
source "$DIFF_LIB"
install -m 0750 modes/m755 tool
install -m 0600 files/words.txt files/small.txt
install -D -m 0644 files/words.txt deep/l1/new/dir/words
install -d -m 0700 tree/a/private newdir/a/b
install -d -m 0711 tree/b                     # an existing lower dir
install -m 0444 -t tree/c files/onebyte files/empty
install -C -m 0644 files/words.txt words-c   # -C: copy only if different
install -C -m 0644 files/words.txt words-c
./tool
st tool files/small.txt deep/l1/new/dir/words tree/a/private newdir/a/b \
	tree/b tree/c/onebyte tree/c/empty words-c
cat files/small.txt
