# O_CREAT|O_EXCL on existing lower names (EEXIST, the lower untouched),
# on removed ones (succeeds), on dangling symlinks (EEXIST, no target
# created); bash noclobber.
set -e
source "$DIFF_LIB"
python3 - <<'PY'
import os


def excl(p):
    try:
        fd = os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.write(fd, b"created exclusively\n")
        os.close(fd)
        print(p, "created")
    except FileExistsError:
        print(p, "FileExistsError")


for p in ("files/small.txt", "tree", "links/rel", "links/dangling",
          "special/fifo", "newfile", "newfile"):
    excl(p)
os.unlink("files/words.txt")
excl("files/words.txt")
try:
    open("tree/a/x/f1", "x")
except FileExistsError:
    print("open(mode x) FileExistsError")
PY
rc ls files/no-such-file
set -o noclobber
rc bash -c 'set -o noclobber; echo clobber >files/small.txt'
echo ok >|files/onebyte
cat files/words.txt newfile files/onebyte
st files/words.txt newfile
head -n 1 files/small.txt
