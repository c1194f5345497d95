# os.rename/replace/link/symlink/truncate/utime/chmod/mkdir/rmdir/stat
# from Python on lower and new objects, printing each result or error.
set -e
python3 - <<'PY'
import errno, os, stat


def do(what, fn, *args, **kw):
    try:
        r = fn(*args, **kw)
        print("%-44s ok%s" % (what, "" if r is None else " " + repr(r)))
    except OSError as e:
        print("%-44s %s" % (what, errno.errorcode[e.errno]))


def show(p):
    st = os.lstat(p)
    print("  %s mode=%o size=%s nlink=%d mtime=%s" % (
        p, st.st_mode, st.st_size if not stat.S_ISDIR(st.st_mode) else "-",
        st.st_nlink, st.st_mtime_ns if st.st_mtime < 1577836800 else "new"))


do("rename file", os.rename, "files/words.txt", "files/w2")
do("rename onto dir", os.rename, "files/small.txt", "tree")
do("rename dir onto file", os.rename, "tree/a", "files/empty")
do("rename dir into itself", os.rename, "tree/b", "tree/b/x/b")
do("rename dir onto non-empty dir", os.rename, "tree/b", "tree/c")
do("rename missing", os.rename, "no-such", "x")
do("replace file over lower", os.replace, "files/w2", "files/onebyte")
do("replace dir over empty lower dir", os.replace, "tree/a/z", "emptydir")
do("link lower file", os.link, "files/4k.bin", "tree/4k-link")
do("link onto existing", os.link, "files/4k.bin", "files/1m.bin")
do("link a directory", os.link, "tree", "tree-link")
do("symlink", os.symlink, "../files/4k.bin", "tree/4k-sym")
do("symlink onto existing", os.symlink, "x", "files/empty")
do("truncate lower", os.truncate, "files/1m.bin", 1000)
do("truncate via link name", os.truncate, "tree/4k-link", 10)
do("truncate dir", os.truncate, "tree", 0)
do("utime lower", os.utime, "files/small.txt", ns=(1, 1234567890123456789))
do("utime symlink itself", os.utime, "links/rel", ns=(2, 1000000000000000001),
   follow_symlinks=False)
do("chmod lower", os.chmod, "files/small.txt", 0o640)
do("chmod dir", os.chmod, "tree/c", 0o750)
do("mkdir existing", os.mkdir, "tree/a")
do("mkdir new", os.mkdir, "tree/new", 0o705)
do("rmdir non-empty lower", os.rmdir, "tree/b")
do("rmdir file", os.rmdir, "files/empty")
do("unlink dir", os.unlink, "tree/c")
do("listdir emptydir", lambda: sorted(os.listdir("emptydir")))
do("readlink", os.readlink, "tree/4k-sym")
do("stat through symlink size", lambda: os.stat("tree/4k-sym").st_size)
for p in ("files/onebyte", "files/1m.bin", "tree/4k-link", "files/4k.bin",
          "files/small.txt", "tree/c", "tree/new", "emptydir", "links/rel"):
    show(p)
PY
