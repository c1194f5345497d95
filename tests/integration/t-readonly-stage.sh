#!/bin/bash
# The current stage is read-only (no copy-up yet): every call that would
# change the union fails with EROFS, whether the object comes from the
# upper or a lower, while --bind directories, /dev/null and /dev/shm are
# writable.  Nothing in the layers changes.
# (When copy-up lands, this test is replaced by write tests.)
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata

L=$T/L U=$T/U
mkdir -p "$L/vtdata/dir" "$L/vtdata/emptydir" "$U/vtdata/udir" "$T/out"
put "$L/vtdata/file" "lower file"
put "$U/vtdata/ufile" "upper file"
lower_before=$(snapshot "$L")
upper_before=$(snapshot "$U" .wh..wh..veneer)

cat >"$T/ro.py" <<'PY'
import errno, os

def attempt(what, fn):
    try:
        fn()
        print(what, "succeeded")
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, e.errno))

for f in ("/vtdata/file", "/vtdata/ufile"):
    attempt("open-w " + f, lambda: os.close(os.open(f, os.O_WRONLY)))
    attempt("open-rw " + f, lambda: os.close(os.open(f, os.O_RDWR)))
    attempt("open-trunc " + f, lambda: os.close(os.open(f, os.O_RDONLY | os.O_TRUNC)))
    attempt("open-append " + f, lambda: os.close(os.open(f, os.O_WRONLY | os.O_APPEND)))
    attempt("chmod " + f, lambda: os.chmod(f, 0o600))
    attempt("chown " + f, lambda: os.chown(f, 0, 0))
    attempt("utime " + f, lambda: os.utime(f, (0, 0)))
    attempt("truncate " + f, lambda: os.truncate(f, 0))
    attempt("setxattr " + f, lambda: os.setxattr(f, "user.t", b"x"))
    attempt("unlink " + f, lambda: os.unlink(f))
    attempt("rename " + f, lambda: os.rename(f, "/vtdata/renamed"))
    attempt("link " + f, lambda: os.link(f, "/vtdata/hardlink"))
attempt("create", lambda: os.close(os.open("/vtdata/new", os.O_WRONLY | os.O_CREAT, 0o644)))
attempt("mkdir", lambda: os.mkdir("/vtdata/newdir"))
attempt("mkdir-nested", lambda: os.mkdir("/vtdata/dir/newdir"))
attempt("symlink", lambda: os.symlink("file", "/vtdata/newlink"))
attempt("mkfifo", lambda: os.mkfifo("/vtdata/newfifo"))
attempt("rmdir", lambda: os.rmdir("/vtdata/emptydir"))
attempt("rmdir-upper", lambda: os.rmdir("/vtdata/udir"))
attempt("rename-dir", lambda: os.rename("/vtdata/dir", "/vtdata/dir2"))
attempt("whiteout-name", lambda: os.close(os.open("/vtdata/.wh.file", os.O_WRONLY | os.O_CREAT, 0o644)))
with open("/dev/null", "w") as f:
    f.write("x")
print("devnull ok")
with open("/dev/shm/veneer-ro-test", "w") as f:
    f.write("x")
os.unlink("/dev/shm/veneer-ro-test")
print("devshm ok")
with open("/out/written", "w") as f:
    f.write("through the bind\n")
print("bind ok")
PY

vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / --bind "$T/out:/out" -- \
	/usr/bin/python3 "$T/ro.py"
{
	for f in /vtdata/file /vtdata/ufile; do
		for op in open-w open-rw open-trunc open-append chmod chown utime \
			truncate setxattr unlink rename link; do
			echo "$op $f EROFS"
		done
	done
	for op in create mkdir mkdir-nested symlink mkfifo rmdir rmdir-upper \
		rename-dir; do
		echo "$op EROFS"
	done
	echo "devnull ok"
	echo "devshm ok"
	echo "bind ok"
} >"$T/want"
# ".wh." names are reserved: creating one may be refused for that reason
grep -Eq '^whiteout-name (EROFS|EPERM|EINVAL|EACCES)$' "$T/o" ||
	fail "creating a .wh. name: $(grep '^whiteout-name' "$T/o")"
grep -v '^whiteout-name ' "$T/o" >"$T/got"
assert_files_eq "$T/want" "$T/got" "modifying calls at the read-only stage"
assert_eq "through the bind" "$(cat "$T/out/written")" "a write through --bind"

# the shell tools say it the usual way
vrun "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- sh -c \
	'touch /vtdata/newfile 2>&1; mkdir /vtdata/d2 2>&1; rm -f /vtdata/file 2>&1; echo end'
assert_eq 0 "$VRC" "the shell itself keeps going"
assert_eq "touch: cannot touch '/vtdata/newfile': Read-only file system
mkdir: cannot create directory '/vtdata/d2': Read-only file system
rm: cannot remove '/vtdata/file': Read-only file system
end" "$(cat "$T/o")" "tool messages"

assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
assert_eq "$upper_before" "$(snapshot "$U" .wh..wh..veneer)" "the upper changed"
echo "read-only stage: every modification refused with EROFS"
