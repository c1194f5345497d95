#!/bin/bash
# The write path, call by call, where shell tools cannot reach: flags and
# errors of every mutation (RENAME_NOREPLACE/EXCHANGE/WHITEOUT, O_EXCL,
# O_TMPFILE + linkat, device nodes, reserved ".wh." names), fd calls on a
# lower file (fchmod, fchown, futimens, fsetxattr, fremovexattr: a later
# fstat on the same fd shows the change), the upper's on-disk format
# (OCI whiteouts, opaque directories), --bind and /dev/shm still the
# kernel's, and the lower untouched.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

L=$T/L U=$T/U
mkdir -p "$L/vtdata/dir/sub" "$L/vtdata/emptydir" "$L/vtdata/gone" "$T/out"
put "$L/vtdata/file" "lower file"
put "$L/vtdata/other" "other file"
put "$L/vtdata/dir/inner" "inner"
put "$L/vtdata/gone/x" "x"
setfattr -n user.keep -v kept "$L/vtdata/file" 2>/dev/null || true
touch -d '2001-02-03 04:05:06' "$L/vtdata/file" "$L/vtdata/dir"
lower_before=$(snapshot "$L")

cat >"$T/w.py" <<'PY'
import ctypes, errno, os, stat, sys

libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD = -100

def renameat2(a, b, flags):
    if libc.syscall(316, AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), flags) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def linkat(olddirfd, old, new, flags):
    if libc.linkat(olddirfd, old.encode(), AT_FDCWD, new.encode(), flags) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))

def attempt(what, fn):
    try:
        r = fn()
        print(what, "ok" if r is None else r)
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, e.errno))

os.chdir("/vtdata")
# fd calls on a lower file: the fd shows the change at once
fd = os.open("file", os.O_RDONLY)
ino_before = os.fstat(fd).st_ino
os.fchmod(fd, 0o600)
attempt("fchmod-fstat", lambda: oct(os.fstat(fd).st_mode & 0o7777))
os.utime(fd, (1000000000, 1000000000))
attempt("futimens-fstat", lambda: int(os.fstat(fd).st_mtime))
os.setxattr(fd, "user.added", b"yes")
attempt("fsetxattr-fgetxattr", lambda: os.getxattr(fd, "user.added"))
attempt("copied-xattr", lambda: os.getxattr("file", "user.keep"))
os.removexattr(fd, "user.added")
attempt("fremovexattr", lambda: sorted(os.listxattr(fd)))
os.fchown(fd, os.getuid(), os.getgid())
attempt("fstat-is-stat", lambda: os.fstat(fd).st_ino == os.stat("file").st_ino)
attempt("read-after-swap", lambda: os.read(fd, 100))
os.close(fd)
attempt("stat-mode", lambda: oct(os.stat("file").st_mode & 0o7777))

# opens
attempt("excl-existing", lambda: os.open("file", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
fd = os.open("created", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
os.write(fd, b"new\n"); os.close(fd)
attempt("created-mode", lambda: oct(os.stat("created").st_mode & 0o777))
attempt("create-reserved", lambda: os.open(".wh.file", os.O_WRONLY | os.O_CREAT, 0o644))
attempt("mkdir-reserved", lambda: os.mkdir(".wh.dir"))
attempt("create-under-file", lambda: os.open("file/x", os.O_WRONLY | os.O_CREAT, 0o644))
attempt("open-dir-write", lambda: os.open("dir", os.O_WRONLY))
fd = os.open("dir", os.O_WRONLY | os.O_TMPFILE, 0o600)
os.write(fd, b"anonymous\n")
# link(2) does not follow: the magic link itself cannot be linked
attempt("tmpfile-link-nofollow", lambda: os.link("/proc/self/fd/%d" % fd, "dir/nope"))
linkat(AT_FDCWD, "/proc/self/fd/%d" % fd, "dir/tmpfile-linked", 0x400)  # AT_SYMLINK_FOLLOW
os.close(fd)
attempt("tmpfile-linked", lambda: open("dir/tmpfile-linked").read().strip())
fd = os.open(".", os.O_RDWR | os.O_TMPFILE, 0o644)
os.write(fd, b"second\n")
attempt("tmpfile-empty-path", lambda: linkat(fd, "", "tmp2", 0x1000))  # AT_EMPTY_PATH
os.close(fd)
attempt("tmp2", lambda: open("tmp2").read().strip())
fd = os.open("other", os.O_WRONLY | os.O_TRUNC)
os.close(fd)
attempt("trunc-size", lambda: os.stat("other").st_size)

# names
# a disk (null, zero... may be made with presented ownership: t-devices)
attempt("mknod-char", lambda: os.mknod("dev", 0o600 | stat.S_IFCHR, os.makedev(8, 0)))
attempt("mknod-reg", lambda: os.mknod("regnode", 0o600 | stat.S_IFREG))
attempt("mkfifo", lambda: os.mkfifo("fifo", 0o600))
attempt("fifo-type", lambda: stat.S_ISFIFO(os.lstat("fifo").st_mode))
attempt("mkdir-exists", lambda: os.mkdir("dir"))
attempt("rmdir-nonempty", lambda: os.rmdir("dir"))
attempt("rmdir-dot", lambda: os.rmdir("emptydir/."))
attempt("unlink-dir", lambda: os.unlink("emptydir"))
attempt("rmdir-file", lambda: os.rmdir("file"))
attempt("rmdir-lower", lambda: os.rmdir("emptydir"))
attempt("rmdir-gone", lambda: os.stat("emptydir"))
attempt("mkdir-over-whiteout", lambda: os.mkdir("emptydir"))
attempt("link-dir", lambda: os.link("dir", "dirlink"))
attempt("link-exists", lambda: os.link("file", "other"))
attempt("link", lambda: os.link("other", "other-link"))
attempt("link-count", lambda: os.stat("other").st_nlink)
attempt("symlink-exists", lambda: os.symlink("x", "file"))
attempt("symlink", lambda: os.symlink("file", "sl"))
def fchmodat2(path, mode, flags):
    if libc.syscall(452, AT_FDCWD, path.encode(), mode, flags) < 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
attempt("chmod-symlink-nofollow", lambda: fchmodat2("sl", 0o600, 0x100))
attempt("noreplace", lambda: renameat2("other", "file", 1))
attempt("whiteout-flag", lambda: renameat2("other", "nothere", 4))
attempt("exchange-missing", lambda: renameat2("other", "nothere", 2))
attempt("exchange", lambda: renameat2("other", "created", 2))
attempt("exchanged", lambda: (open("other").read(), open("created").read()))
attempt("exchange-dirs", lambda: renameat2("dir", "gone", 2))
attempt("exchanged-dirs", lambda: (sorted(os.listdir("dir")), sorted(os.listdir("gone"))))
attempt("rename-into-self", lambda: os.rename("gone", "gone/sub/x"))
attempt("rename-over-nonempty", lambda: os.rename("emptydir", "gone"))
attempt("rename-file-over-dir", lambda: os.rename("file", "dir"))
attempt("rename-dir-over-file", lambda: os.rename("dir", "file"))
attempt("rename-dir", lambda: os.rename("gone", "moved"))
attempt("moved", lambda: sorted(os.listdir("moved")) + sorted(os.listdir("moved/sub")))
attempt("old-name", lambda: os.stat("gone"))
attempt("rename-to-reserved", lambda: os.rename("other", ".wh.other"))
attempt("truncate-dir", lambda: os.truncate("dir", 0))
attempt("setxattr-trusted", lambda: os.setxattr("file", "trusted.x", b"1"))
attempt("setxattr-format", lambda: os.setxattr("file", "user.overlay.opaque", b"y"))
attempt("listing", lambda: sorted(os.listdir(".")))

# a bind and a /dev/shm of the sandbox's own: not on notify-hostroot
if sys.argv[1:] == ["bind"]:
    with open("/out/written", "w") as f:
        f.write("through the bind\n")
    with open("/dev/shm/veneer-w-test", "w") as f:
        f.write("x")
    os.unlink("/dev/shm/veneer-w-test")
    attempt("rename-across-bind", lambda: os.rename("/out/written", "/vtdata/from-bind"))
PY

bind=(--bind "$T/out:/out")
! on_hostroot || bind=()
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / "${bind[@]}" -- \
	/usr/bin/python3 "$T/w.py" ${bind[0]:+bind}
cat >"$T/want" <<'EOF2'
fchmod-fstat 0o600
futimens-fstat 1000000000
fsetxattr-fgetxattr b'yes'
copied-xattr b'kept'
fremovexattr ['user.keep']
fstat-is-stat True
read-after-swap b'lower file\n'
stat-mode 0o600
excl-existing EEXIST
created-mode 0o640
create-reserved EPERM
mkdir-reserved EPERM
create-under-file ENOTDIR
open-dir-write EISDIR
tmpfile-link-nofollow EXDEV
tmpfile-linked anonymous
tmpfile-empty-path ok
tmp2 second
trunc-size 0
mknod-char EPERM
mknod-reg ok
mkfifo ok
fifo-type True
mkdir-exists EEXIST
rmdir-nonempty ENOTEMPTY
rmdir-dot EINVAL
unlink-dir EISDIR
rmdir-file ENOTDIR
rmdir-lower ok
rmdir-gone ENOENT
mkdir-over-whiteout ok
link-dir EPERM
link-exists EEXIST
link ok
link-count 2
symlink-exists EEXIST
symlink ok
chmod-symlink-nofollow ENOTSUP
noreplace EEXIST
whiteout-flag EINVAL
exchange-missing ENOENT
exchange ok
exchanged ('new\n', '')
exchange-dirs ok
exchanged-dirs (['x'], ['inner', 'sub', 'tmpfile-linked'])
rename-into-self EINVAL
rename-over-nonempty ENOTEMPTY
rename-file-over-dir EISDIR
rename-dir-over-file ENOTDIR
rename-dir ok
moved ['inner', 'sub', 'tmpfile-linked']
old-name ENOENT
rename-to-reserved EPERM
truncate-dir EISDIR
setxattr-trusted EPERM
setxattr-format EPERM
listing ['created', 'dir', 'emptydir', 'fifo', 'file', 'moved', 'other', 'other-link', 'regnode', 'sl', 'tmp2']
EOF2
if [ ${#bind[@]} -gt 0 ]; then
	echo "rename-across-bind EXDEV" >>"$T/want"
	assert_eq "through the bind" "$(cat "$T/out/written")" "a --bind directory is writable"
fi
assert_files_eq "$T/want" "$T/o" "results of the write calls"

# the upper, in the OCI format: whiteouts for what went, an opaque marker
# in the directory made over one
[ -e "$U/vtdata/.wh.gone" ] || fail "no whiteout for the renamed directory"
[ -e "$U/vtdata/emptydir/.wh..wh..opq" ] || fail "the directory made over a whiteout is not opaque"
[ ! -e "$U/vtdata/.wh.emptydir" ] || fail "a whiteout remains beside the new directory"
[ -z "$(ls -A "$U/.wh..wh..veneer/work")" ] || fail "the work area is not empty after the run"
[ ! -e "$U/.wh..wh..veneer/journal" ] || fail "a journal remains after the run"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"

# a second run sees the same union
vrun_ok "$T/o2" "$T/e2" --upper "$U" --lower "$L" --lower / -- \
	sh -c 'cd /vtdata && ls -A && cat moved/inner && stat -c %a file'
assert_eq "created
dir
emptydir
fifo
file
moved
other
other-link
regnode
sl
tmp2
inner
600" "$(cat "$T/o2")" "the union after a restart"
# rm -rf of a lower tree leaves the minimum: one whiteout for its top
mkdir -p "$T/L2/vtdata/t/a/b" "$T/L2/vtdata/t/c"
touch "$T/L2/vtdata/t/a/b/f" "$T/L2/vtdata/t/c/g" "$T/L2/vtdata/t/h" "$T/L2/vtdata/keep"
vrun_ok "$T/o3" "$T/e3" --upper "$T/U2" --lower "$T/L2" --lower / -- sh -c 'rm -rf /vtdata/t; ls -A /vtdata'
assert_eq keep "$(cat "$T/o3")" "the union after rm -rf"
assert_eq "vtdata
vtdata/.wh.t" "$(cd "$T/U2" && find . -mindepth 1 -path ./.wh..wh..veneer -prune -o -printf '%P\n' | sort)" \
	"the upper after rm -rf of a lower tree"
echo "write calls: as on a real file system"
