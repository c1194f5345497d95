# Opens with O_CREAT of directories, the overlayfs corpus's
# dir-weird-open: an existing directory (lower, upper, merged, through a
# symlink, NAME/) is EISDIR whatever the access mode, EEXIST with
# O_EXCL; O_CREAT|O_DIRECTORY is EINVAL before any lookup (Linux 6.4);
# O_PATH drops O_CREAT in open(2) and is EINVAL with it in openat2(2).
# Nothing is made but the plain creates of missing names.
set -e
source "$DIFF_LIB"
mkdir newdir
echo x >tree/a/added
python3 - <<'PY'
import ctypes
import errno
import os
import stat
import struct

libc = ctypes.CDLL(None, use_errno=True)
NR_OPENAT2 = 437  # the same number on every architecture


def openat2(path, flags, mode):
    how = struct.pack("QQQ", flags, mode, 0)
    fd = libc.syscall(NR_OPENAT2, -100, path.encode(), how, len(how))
    if fd < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
    return fd


def show(what, call):
    try:
        fd = call()
    except OSError as e:
        print(what, errno.errorcode[e.errno])
        return
    st = os.fstat(fd)
    os.close(fd)
    print(what, "ok", "dir" if stat.S_ISDIR(st.st_mode) else "file" if stat.S_ISREG(st.st_mode) else "other")


C, X, D, P = os.O_CREAT, os.O_EXCL, os.O_DIRECTORY, os.O_PATH
FLAGS = [
    ("rdonly|creat", os.O_RDONLY | C),
    ("wronly|creat", os.O_WRONLY | C),
    ("rdwr|creat", os.O_RDWR | C),
    ("creat|excl", os.O_RDONLY | C | X),
    ("creat|directory", os.O_RDONLY | C | D),
    ("creat|excl|directory", os.O_WRONLY | C | X | D),
    ("creat|trunc", os.O_RDONLY | C | os.O_TRUNC),
    ("creat|nofollow", os.O_RDONLY | C | os.O_NOFOLLOW),
    ("path|creat", P | C),
    ("path|creat|directory", P | C | D),
]
TARGETS = ["tree", "emptydir", "tree/a", "newdir", "links/dirrel", "tree/",
           "newdir/", "new", "new/", "no/such/new"]
for target in TARGETS:
    for i, (name, flags) in enumerate(FLAGS):
        # a missing name gets its own, so that each call meets it missing
        path = f"{target}{i}" if target == "new" else target
        show(f"open {path} {name}", lambda: os.open(path, flags, 0o644))
        path = path + "-2" if path != target else path
        show(f"openat2 {path} {name}", lambda: openat2(path, flags, 0o644 if flags & C and not flags & P else 0))
PY
ls -A . newdir emptydir tree tree/a | sed 's/^/  /'
tree_list tree emptydir newdir links | sha256sum
