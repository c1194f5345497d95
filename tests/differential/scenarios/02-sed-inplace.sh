# sed -i writes a temporary file beside the original and renames it over
# it: a create and a rename in a lower directory, over a lower name.
set -e
source "$DIFF_LIB"
sed -i 's/beta/BETA/' files/words.txt
sed -i -e '1,5d' -e 's/line/LINE/' files/small.txt
sed -i.orig '$a appended by sed' tree/a/x/f1
sed -i 's/level/LEVEL/' deep/l1/l2/l3/l4/l5/l6/f.txt
# through a relative symlink: without --follow-symlinks sed replaces the
# link by a regular file, the target stays
sed -i 's/line 1 /first /' links/rel
cat files/words.txt tree/a/x/f1 tree/a/x/f1.orig deep/l1/l2/l3/l4/l5/l6/f.txt
head -n 3 files/small.txt links/rel
st links/rel files/small.txt
lsl tree/a/x
