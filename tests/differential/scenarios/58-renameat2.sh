# renameat2 flags through libc: RENAME_NOREPLACE onto an existing lower
# name (EEXIST) and onto a removed one; RENAME_EXCHANGE of two lower
# files, of a lower file and a new one, and of two directories.
set -e
source "$DIFF_LIB"
python3 - <<'PY'
import ctypes, errno, os

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100
NOREPLACE, EXCHANGE = 1, 2


def r2(a, b, flags, what):
    res = libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), flags)
    err = ctypes.get_errno()
    print("%-36s %s" % (what, "ok" if res == 0 else errno.errorcode[err]))


r2("files/small.txt", "files/words.txt", NOREPLACE, "noreplace onto lower")
os.unlink("files/onebyte")
r2("files/small.txt", "files/onebyte", NOREPLACE, "noreplace onto removed")
r2("tree/a/x/f1", "tree/a/x/f2", EXCHANGE, "exchange lower files")
with open("newfile", "w") as f:
    f.write("new\n")
r2("newfile", "files/words.txt", EXCHANGE, "exchange new and lower")
r2("tree/a", "tree/b", EXCHANGE, "exchange lower dirs")
r2("tree/c", "no-such", EXCHANGE, "exchange with missing")
PY
cat tree/a/x/f1 tree/a/x/f2 newfile files/words.txt files/onebyte
tree_list tree files
