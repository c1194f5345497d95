# File operations through fds on lower files: O_APPEND, O_TRUNC, pwrite
# past the end, ftruncate, a shared writable mmap, posix_fallocate, and
# fchmod/futimens/fsetxattr on an fd opened read-only before the change.
set -e
source "$DIFF_LIB"
python3 - <<'PY'
import mmap, os

fd = os.open("files/small.txt", os.O_WRONLY | os.O_APPEND)
os.write(fd, b"appended with O_APPEND\n")
os.close(fd)

fd = os.open("files/words.txt", os.O_WRONLY | os.O_TRUNC)
os.write(fd, b"after O_TRUNC\n")
os.close(fd)

fd = os.open("files/4k.bin", os.O_RDWR)
os.pwrite(fd, b"PWRITE", 8192)
os.ftruncate(fd, 6000)
print("4k.bin size", os.fstat(fd).st_size)
os.close(fd)

with open("files/64k1.bin", "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    m[100:110] = b"MMAPPED!!!"
    m.flush()
    m.close()

fd = os.open("files/onebyte", os.O_RDWR)
os.posix_fallocate(fd, 0, 100000)
print("onebyte size", os.fstat(fd).st_size)
os.close(fd)

fd = os.open("tree/a/x/f1", os.O_RDONLY)
os.fchmod(fd, 0o600)
os.utime(fd, ns=(5, 1111111111222222222))
os.setxattr(fd, "user.via", b"fd")
st = os.fstat(fd)
print("via fd: mode %o mtime %d" % (st.st_mode, st.st_mtime_ns))
print("reads", os.read(fd, 100))
os.close(fd)
st = os.stat("tree/a/x/f1")
print("via path: mode %o mtime %d xattr %s" % (
    st.st_mode, st.st_mtime_ns, os.getxattr("tree/a/x/f1", "user.via")))
PY
st files/small.txt files/words.txt files/4k.bin files/64k1.bin files/onebyte
sums files tree/a/x
