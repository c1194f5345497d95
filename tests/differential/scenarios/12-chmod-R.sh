# chmod -R over lower trees: every file and dir copied up (or its mode
# recorded) with nothing else changed; chmod on symlinks' targets.
set -e
source "$DIFF_LIB"
chmod -R go-rwx tree/c
chmod -R u=rwX,g=rX,o= deep/l1/l2/l3
chmod 0600 files/1m.bin files/4k.bin
chmod a+x files/small.txt
chmod 4750 modes/m755
chmod 2755 modes/m640
chmod 1755 emptydir
chmod 0444 modes/m600
chmod 0755 modes/d700
chmod g+s tree/b
chmod 0640 links/rel                  # follows the link: files/small.txt
tree_list tree/c deep/l1/l2/l3 modes emptydir tree/b
st files/small.txt links/rel
# mode changes do not touch contents or mtimes
sums tree/c
times tree/c tree/c/x/f1 files/1m.bin deep/l1/l2/l3
