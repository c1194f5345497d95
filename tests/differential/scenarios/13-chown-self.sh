# chown to the caller's own numeric ids (permitted on both sides): a
# metadata-only copy-up; chown clears setuid on a regular file.
set -e
source "$DIFF_LIB"
me="$(id -u):$(id -g)"
chown "$me" files/small.txt
chown -R "$me" tree/a
chown -h "$me" links/rel
chown "$me" modes/m4755
chown "$(id -u)" modes/d2755
chown ":$(id -g)" modes/m640
st files/small.txt modes/m4755 modes/d2755 modes/m640 links/rel
tree_list tree/a
sums tree/a
times files/small.txt tree/a tree/a/x/f1 links/rel modes/m4755
