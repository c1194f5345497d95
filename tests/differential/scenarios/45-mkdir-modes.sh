# mkdir with modes and the umask, in lower dirs with setgid (inherited
# by new subdirs) and sticky bits, mkdir -p through existing lower dirs.
set -e
source "$DIFF_LIB"
mkdir -m 0700 tree/private
mkdir -m 1777 tree/sticky
mkdir modes/d2755/sub
mkdir -p modes/d2755/sub/a/b
echo f >modes/d2755/sub/file
mkdir modes/d1777/sub
mkdir -p deep/l1/l2/new/one/two
mkdir -p -m 0750 tree/a/x/p/q           # -m: the last one only (p: umask)
umask 077
mkdir tree/masked
echo m >tree/masked/file
umask 022
st tree/private tree/sticky modes/d2755/sub modes/d2755/sub/a/b \
	modes/d2755/sub/file modes/d1777/sub deep/l1/l2/new/one/two \
	tree/a/x/p tree/a/x/p/q tree/masked tree/masked/file
times deep/l1 deep/l1/l2 modes/d2755
