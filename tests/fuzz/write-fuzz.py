#!/usr/bin/python3
"""write-fuzz.py - the differential fuzzer of veneer's write path.

usage: write-fuzz.py --veneer BIN [OPTIONS]
  --veneer BIN     the veneer binary under test
  --seconds N      run until N seconds have passed (default 300); at least
                   one seed is always run
  --seed S         the first random seed (default: a random one); the seeds
                   run are S, S+1, S+2, ...
  --seeds LIST     comma-separated seeds to run first, all of them whatever
                   the time, before --seed's
  --out DIR        where failures are saved (default $TMPDIR/veneer-fuzz)
  --keep           keep the stack, script and outputs of a failure (and of
                   the last seed when nothing failed) with a reproduce.sh
  --keep-going     do not stop at the first failure
  --selfcheck      check the fuzzer, not veneer: the "veneer" side runs
                   natively too, on a second reference copy; a difference
                   is then a generated operation whose result depends on
                   chance (a bug of this file)
  --avoid LIST     comma-separated classes of operations not to generate
                   (or "all"): veneer bugs this fuzzer found that are not
                   fixed yet (AVOID below: slash, ancestor, fifo, orphan,
                   enoent, setgid, dirlinks, xattr); the CI slice uses "all", tools/fuzz none
  --repro CMD      the command printed to reproduce a seed (default
                   "tools/fuzz --write"); "--seed S --seconds 1 --keep"
                   follows

For each seed, from the seed alone (random.Random(seed)):

 1. a layer stack in a scratch directory: one or two lowers (l1 topmost,
    l2) and, for half of the seeds, a pre-populated upper (u), each a
    small tree under vtdata/ (so that the host root can be the bottom
    lower and supply python3): directories up to three levels deep,
    regular files (small, empty, sparse with holes; user.* xattrs;
    modes that leave the owner rw), symlinks (relative, absolute into
    /vtdata, dangling, to directories), FIFOs, hard links inside the
    upper, OCI whiteouts ".wh.NAME" and opaque directories ".wh..wh..opq"
    in every layer above another of the stack (also a whiteout beside
    the name it would hide).  Names come from a pool of four ("a", "b",
    "c", "d e") so that operations collide often.  All times are set to
    2001-02-03.  Lower hard links live only in l1's vtdata/hl/, which the
    operations only read (see "Known differences" below).
 2. its reference merge (tests/integration/refmerge.py) in a plain
    directory R/vtdata, R being a root for chroot (the host's /usr bound
    in, the usual /bin, /lib... symlinks);
 3. a python3 script of 20 to 80 operations with relative paths from
    cwd /vtdata: open/create with O_WRONLY/O_RDWR/O_APPEND/O_TRUNC/
    O_CREAT/O_EXCL and a write (also at an offset past the end: holes),
    read (size and hash), mkdir, rmdir, unlink, rename (over files and
    directories, into its own subdirectory, RENAME_NOREPLACE,
    RENAME_EXCHANGE), os.replace, link, symlink, chmod, utime with fixed
    times (also of symlinks), truncate, set/get/list/removexattr
    (user.*), mkfifo, listdir (sorted), stat/lstat (type, mode, size and
    link count of non-directories, mtime when it is one of the stack's
    or one set by utime, else "new"), readlink, walk; and fds kept open
    across other operations: open a name, change the file through
    another name or fd (copy-up), then fread/fwrite/fstat/fchmod/
    futime/fsetxattr/ftruncate through the first fd.  Every operation
    prints one line: its arguments and "ok", a value, or the errno name.
 4. the script runs natively as root of a user namespace chrooted into R
    (`unshare -rm` + chroot; cwd /vtdata), and inside `veneer run
    --lower l1 [--lower l2] --lower / --upper U --chdir /vtdata` over a
    copy U of the upper; both as `env -i ... python3 -I -S -` with the
    script on stdin.  Compared: exit status, stdout, stderr; the trees
    (tests/differential/treedump.py: natively on R/vtdata, inside veneer
    in a second `veneer run` over the same layers and U); and the lowers
    must not have changed (names, types, modes, sizes, contents, link
    targets, mtimes, inode numbers, link counts, xattrs).

Known differences, documented limits (tests/differential/known/), kept
out of the generated operations: writing through one name of a lower
hard-link group splits the group (so lower hard links are only read);
link counts of lower hard-linked files after a name is removed; fstat of
an open lower file after its name is removed (fstat prints no link
count).  Not generated either: ".wh." names (reserved: EPERM inside
veneer), anything a uid decides (modes always leave the owner rw(x)),
times other than fixed ones, inode numbers.

Exit status 0 when time ran out with no failure (last line "write-fuzz:
N passed, 0 failed"), 1 when a seed failed (its seed, the first
differences, where it is saved and a one-line reproducer are printed), 2
when the fuzzer itself could not run.
"""

import argparse
import difflib
import errno
import hashlib
import os
import random
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import refmerge  # noqa: E402  (the reference merge, the oracle)

PY = "/usr/bin/python3"
OLD = 981173106            # 2001-02-03: every time of the stack
NAMES = ["a", "b", "c", "d e"]
NEW_NAMES = ["x", "y"]     # never in a stack: made by the operations only
HL = "hl"                  # l1's lower hard links, read only
FILE_MODES = [0o644, 0o644, 0o600, 0o640, 0o755, 0o700, 0o666, 0o604]
DIR_MODES = [0o755, 0o755, 0o700, 0o775, 0o1777, 0o2755]
# chmod may meet a directory: always rwx for the owner (the supervisor
# works as the user, inside the command is root; see the docstring)
CHMOD_MODES = [0o755, 0o700, 0o775, 0o777, 0o1777, 0o2755, 0o711, 0o750, 0o4755, 0o744]
XNAMES = ["user.a", "user.b", "user.c"]
TIMEOUT = 60
# --avoid CLASS: veneer bugs found by this fuzzer and not fixed yet, which
# the generator can steer clear of (so that a short CI run finds what is
# new); remove a class here once veneer is fixed
AVOID = {
    "fifo": "no FIFOs (writing into a FIFO of a lower leaves its mtime: the data goes "
            "through the sandbox's own FIFO in the view, not the layer's)",
    "orphan": "no fchmod/futime/fsetxattr/ftruncate through an fd whose name was removed "
              "(an unlinked lower file: EROFS)",
}
ENV = ["PATH=/usr/bin:/bin", "LC_ALL=C", "TZ=UTC", "PYTHONHASHSEED=0",
       "PYTHONDONTWRITEBYTECODE=1", "HOME=/nonexistent"]


# ------------------------------------------------------------ the stack

def dir_modes(avoid, modes=DIR_MODES):
    return [m for m in modes if not (m & 0o2000 and "setgid" in avoid)]


class Stack:
    def __init__(self, rng, w, avoid=()):
        self.rng = rng
        self.avoid = avoid
        self.w = w
        self.layers = os.path.join(w, "layers")
        self.upper0 = os.path.join(self.layers, "u")
        nl = rng.choice([1, 2, 2])
        self.lowers = [os.path.join(self.layers, "l%d" % (i + 1)) for i in range(nl)]
        self.prepop = rng.random() < 0.5

    def content(self):
        r = self.rng
        k = r.random()
        if k < 0.15:
            return b""
        if k < 0.6:
            return b"".join(b"%s line %d\n" % (r.choice([b"al", b"be", b"ga"]), i)
                            for i in range(r.randint(1, 4)))
        if k < 0.9:
            return bytes(r.getrandbits(8) for _ in range(r.randint(1, 300)))
        return bytes(r.getrandbits(8) for _ in range(r.randint(4000, 9000)))

    def make_file(self, path):
        r = self.rng
        with open(path, "wb") as f:
            if r.random() < 0.2:  # sparse: data, a hole, data, maybe a hole
                f.write(b"head of a sparse file\n")
                f.seek(4096 * r.randint(2, 6))
                f.write(b"middle\n")
                f.truncate(4096 * r.randint(8, 12))
            else:
                f.write(self.content())
        if r.random() < 0.3:
            for n in r.sample(XNAMES, r.randint(1, 2)):
                os.setxattr(path, n, r.choice([b"1", b"value", b"\x00\xff", b""]))
        os.chmod(path, r.choice(FILE_MODES))

    def target(self, depth):
        r = self.rng
        n = r.choice(NAMES)
        m = r.choice(NAMES)
        opts = [n, n + "/" + m, "/vtdata/" + n, "/vtdata/" + n + "/" + m,
                "nope", "/vtdata/nope", "."] + ([] if "slash" in self.avoid else [n + "/"])
        if depth > 0:
            opts += ["../" + n, "..", "../" + n + "/" + m]
        return r.choice(opts)

    def fill(self, d, depth, above):
        """fill directory D (a depth of DEPTH below vtdata); ABOVE: this
        layer has others of the stack below it (whiteouts mean something)"""
        r = self.rng
        files = []
        for name in r.sample(NAMES, r.randint(0 if depth else 1, len(NAMES))):
            p = os.path.join(d, name)
            kinds = ["file"] * 6 + ["link"] * 3 + ([] if "fifo" in self.avoid else ["fifo"])
            if depth < 3:
                kinds += ["dir"] * 6
            if above:
                kinds += ["wh"] * 3 + ["whbeside"]
            k = r.choice(kinds)
            if k == "dir":
                os.mkdir(p)
                files += self.fill(p, depth + 1, above)
                if r.random() < 0.2:
                    os.setxattr(p, r.choice(XNAMES), b"dir")
                os.chmod(p, r.choice(dir_modes(self.avoid)))
            elif k == "file":
                self.make_file(p)
                files.append(p)
            elif k == "link":
                os.symlink(self.target(depth), p)
            elif k == "fifo":
                os.mkfifo(p, r.choice([0o644, 0o600]))
            elif k == "wh":
                open(os.path.join(d, ".wh." + name), "wb").close()
            else:  # a whiteout beside the name: the name wins
                open(os.path.join(d, ".wh." + name), "wb").close()
                self.make_file(p)
                files.append(p)
        if above and r.random() < (0.2 if depth else 0.05):
            open(os.path.join(d, ".wh..wh..opq"), "wb").close()
        return files

    def build(self):
        r = self.rng
        os.makedirs(self.upper0)
        layers = ([self.upper0] if self.prepop else []) + self.lowers
        for i, layer in enumerate(layers):
            above = i < len(layers) - 1
            v = os.path.join(layer, "vtdata")
            os.makedirs(v)
            files = self.fill(v, 0, above)
            if layer == self.upper0 and files and r.random() < 0.6:
                # hard links inside the upper: fully writable
                for _ in range(r.randint(1, 2)):
                    src = r.choice(files)
                    dst = os.path.join(os.path.dirname(r.choice(files)), r.choice(NEW_NAMES))
                    if not os.path.lexists(dst):
                        os.link(src, dst)
            if layer == self.lowers[0] and r.random() < 0.6:
                # lower hard links: only ever read by the operations
                h = os.path.join(v, HL)
                os.makedirs(os.path.join(h, "sub"))
                self.make_file(os.path.join(h, "one"))
                os.link(os.path.join(h, "one"), os.path.join(h, "two"))
                if r.random() < 0.5:
                    os.link(os.path.join(h, "one"), os.path.join(h, "sub", "three"))
            if r.random() < 0.1:
                os.chmod(v, r.choice(dir_modes(self.avoid)))
        for layer in [self.upper0] + self.lowers:
            for dirpath, dirnames, filenames in os.walk(layer, topdown=False):
                for n in filenames + dirnames:
                    os.utime(os.path.join(dirpath, n), (OLD, OLD), follow_symlinks=False)
                os.utime(dirpath, (OLD, OLD))

    def layout(self):
        """every object of every layer, for a human"""
        out = []
        for layer in [self.upper0] + self.lowers:
            out.append("== %s%s" % (os.path.basename(layer),
                                    "" if layer != self.upper0 or self.prepop
                                    else " (empty upper)"))
            if os.path.isdir(os.path.join(layer, "vtdata")):
                out += dump(os.path.join(layer, "vtdata"), OLD + 1).splitlines()
        return "\n".join(out) + "\n"


def dump(root, cutoff):
    """treedump.py as root of a user namespace: it may read directories
    whose mode lets their owner in no more (as inside veneer)"""
    p = subprocess.run(["unshare", "-r", PY, os.path.join(BIN, "treedump.py"), "--old-before",
                        str(cutoff), root], capture_output=True, text=True)
    return p.stdout + p.stderr


def snapshot(layer):
    """everything of a lower that nothing may change"""
    out = []
    for dirpath, dirnames, filenames in os.walk(layer):
        dirnames.sort()
        for n in sorted(dirnames + filenames) + ([] if dirpath != layer else ["."]):
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            line = "%s|%o|%d|%d|%d|%d" % (os.path.relpath(p, layer), st.st_mode, st.st_size,
                                          st.st_mtime_ns, st.st_ino, st.st_nlink)
            if stat.S_ISLNK(st.st_mode):
                line += "|->" + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                with open(p, "rb") as f:
                    line += "|" + hashlib.sha256(f.read()).hexdigest()
            if not stat.S_ISLNK(st.st_mode):
                for x in sorted(os.listxattr(p)):
                    line += "|%s=%r" % (x, os.getxattr(p, x))
            out.append(line)
    return "\n".join(out)


# --------------------------------------------------------- the script

PRELUDE = r'''
import ctypes, errno, hashlib, os, stat, sys
os.umask(0o022)
CUT = %(cut)d
GUARD = %(guard)r  # --avoid classes the script itself checks (read only)
def guarded(k, a):
    if "enoent" in GUARD and not os.path.lexists(a[0]):
        return True
    if k == "link":
        return False
    def res(p):
        p = p.rstrip("/") or "."
        return os.path.join(os.path.realpath(os.path.dirname(p) or "."), os.path.basename(p))
    if "ancestor" in GUARD and res(a[0]).startswith(res(a[1]) + "/"):
        return True
    if "dirlinks" in GUARD:
        for p in a[:2]:
            if os.path.isdir(p) and not os.path.islink(p):
                for d, dirs, files in os.walk(p):
                    for f in files:
                        if os.lstat(os.path.join(d, f)).st_nlink > 1:
                            return True
    return False
libc = ctypes.CDLL(None, use_errno=True)
def renameat2(a, b, flags):
    if libc.renameat2(-100, os.fsencode(a), -100, os.fsencode(b), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))
def h(b):
    return "len=%%d sha=%%s" %% (len(b), hashlib.sha256(b).hexdigest()[:12])
def tm(ns):
    return "new" if ns >= CUT * 10**9 else "%%d.%%09d" %% divmod(ns, 10**9)
def desc(st, nlink=True):
    m = st.st_mode
    t = "d" if stat.S_ISDIR(m) else "f" if stat.S_ISREG(m) else "l" if stat.S_ISLNK(m) \
        else "p" if stat.S_ISFIFO(m) else "?%%o" %% stat.S_IFMT(m)
    s = "%%s %%04o" %% (t, stat.S_IMODE(m))
    if t != "d":
        s += " size=%%d" %% st.st_size
        if nlink:
            s += " nlink=%%d" %% st.st_nlink
    return s + " mtime=" + tm(st.st_mtime_ns)
def preadall(fd):
    out, off = [], 0
    while True:
        b = os.pread(fd, 65536, off)
        if not b:
            return b"".join(out)
        out.append(b)
        off += len(b)
def outside(p):
    # a directory out of the tree under test ("d -> .." at its top) is the
    # environment, which differs between the sides by design
    rp, top = os.path.realpath(p), os.path.realpath(".")
    return rp != top and not rp.startswith(top + "/")
def walk(p):
    if outside(p):
        return "outside the tree"
    out = []
    def rec(d, rel):
        for e in sorted(os.scandir(d), key=lambda e: e.name):
            st = e.stat(follow_symlinks=False)
            r = rel + e.name
            out.append("%%s:%%s" %% (r, desc(st, False)[:6]))
            if e.is_dir(follow_symlinks=False):
                rec(os.path.join(d, e.name), r + "/")
    rec(p, "")
    return "%%d %%s" %% (len(out), hashlib.sha256("\n".join(out).encode()).hexdigest()[:12])
def xl(names):
    return ",".join(sorted(n for n in names if n.startswith("user.")))
fds = {}
F = os.O_NONBLOCK | os.O_CLOEXEC
def do(op):
    k, a = op[0], op[1:]
    if k == "write":
        p, flags, mode, data, off = a
        fd = os.open(p, flags | F, mode)
        try:
            n = os.write(fd, data) if off is None else os.pwrite(fd, data, off)
        finally:
            os.close(fd)
        return "wrote %%d" %% n
    if k == "read":
        fd = os.open(a[0], os.O_RDONLY | F)
        try:
            return h(preadall(fd))
        finally:
            os.close(fd)
    if k == "mkdir": os.mkdir(a[0], a[1]); return "ok"
    if k == "rmdir": os.rmdir(a[0]); return "ok"
    if k == "unlink": os.unlink(a[0]); return "ok"
    if k in ("rename", "replace", "rename2", "link") and guarded(k, a):
        return "skip"
    if k == "rename": os.rename(a[0], a[1]); return "ok"
    if k == "replace": os.replace(a[0], a[1]); return "ok"
    if k == "rename2": renameat2(a[0], a[1], a[2]); return "ok"
    if k == "link": os.link(a[0], a[1], follow_symlinks=False); return "ok"
    if k == "symlink": os.symlink(a[0], a[1]); return "ok"
    if k == "chmod": os.chmod(a[0], a[1]); return "ok"
    if k == "utime": os.utime(a[0], (a[1], a[2]), follow_symlinks=a[3]); return "ok"
    if k == "truncate": os.truncate(a[0], a[1]); return "ok"
    if k == "setxattr": os.setxattr(a[0], a[1], a[2], a[3], follow_symlinks=a[4]); return "ok"
    if k == "removexattr": os.removexattr(a[0], a[1], follow_symlinks=a[2]); return "ok"
    if k == "getxattr": return repr(os.getxattr(a[0], a[1], follow_symlinks=a[2]))
    if k == "listxattr": return xl(os.listxattr(a[0], follow_symlinks=a[1]))
    if k == "mkfifo": os.mkfifo(a[0], a[1]); return "ok"
    if k == "listdir":
        return "outside the tree" if outside(a[0]) else " ".join(sorted(os.listdir(a[0])))
    if k == "stat": return desc(os.stat(a[0]))
    if k == "lstat": return desc(os.lstat(a[0]))
    if k == "readlink": return os.readlink(a[0])
    if k == "walk": return walk(a[0])
    if k == "open":
        if a[0] in fds:
            os.close(fds.pop(a[0]))
        fds[a[0]] = os.open(a[1], a[2] | F, 0o644)
        return "ok"
    fd = fds.get(a[0])
    if fd is None:
        return "nofd"
    if k == "close": os.close(fds.pop(a[0])); return "ok"
    if k == "fread": return h(preadall(fd))
    if k == "fwrite": return "wrote %%d" %% os.write(fd, a[1])
    if k == "fstat": return desc(os.fstat(fd), False)
    if k == "fchmod": os.fchmod(fd, a[1]); return "ok"
    if k == "futime": os.utime(fd, (a[1], a[2])); return "ok"
    if k == "fsetxattr": os.setxattr(fd, a[1], a[2]); return "ok"
    if k == "fgetxattr": return xl(os.listxattr(fd)) + " " + repr(os.getxattr(fd, a[1]))
    if k == "ftruncate": os.ftruncate(fd, a[1]); return "ok"
    if k == "lseek": return str(os.lseek(fd, 0, os.SEEK_CUR))
    raise ValueError(k)
for i, op in enumerate(OPS):
    try:
        r = do(op)
    except OSError as e:
        r = errno.errorcode.get(e.errno, str(e.errno))
    except Exception as e:
        r = "EXC " + type(e).__name__
    shown = tuple("<%%d bytes %%s>" %% (len(x), hashlib.sha256(x).hexdigest()[:8])
                  if isinstance(x, bytes) and len(x) > 40 else x for x in op)
    print("%%02d %%r: %%s" %% (i, shown, r), flush=True)
for fd in fds.values():
    os.close(fd)
print("end")
'''

O = os
OPEN_FLAGS = [
    O.O_WRONLY | O.O_CREAT, O.O_RDWR, O.O_WRONLY | O.O_APPEND, O.O_WRONLY | O.O_TRUNC,
    O.O_RDWR | O.O_CREAT | O.O_EXCL, O.O_WRONLY | O.O_CREAT | O.O_TRUNC,
    O.O_RDWR | O.O_APPEND | O.O_CREAT, O.O_WRONLY, O.O_RDWR | O.O_TRUNC,
    O.O_WRONLY | O.O_CREAT | O.O_APPEND,
]
FD_FLAGS = [O.O_RDONLY, O.O_RDONLY, O.O_RDWR, O.O_WRONLY | O.O_APPEND, O.O_RDWR | O.O_CREAT,
            O.O_RDONLY | O.O_DIRECTORY, O.O_RDWR | O.O_APPEND]
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2


class Ops:
    def __init__(self, rng, paths, ro_paths, avoid=()):
        self.rng = rng
        self.avoid = avoid
        self.pool = list(paths)     # names the union has (or had, or got)
        self.ro = list(ro_paths)    # l1's hard links: read only
        self.ops = []

    def path(self, new=False):
        r = self.rng
        if self.pool and not new and r.random() < 0.65:
            p = r.choice(self.pool)
        else:
            p = "/".join(r.choice(NAMES + NEW_NAMES) for _ in range(r.choice([1, 1, 2, 2, 3])))
        if r.random() < 0.05 and "slash" not in self.avoid:
            p += "/"
        elif r.random() < 0.03:
            p = "./" + p
        return p

    def rpath(self):
        if self.ro and self.rng.random() < 0.15:
            return self.rng.choice(self.ro)
        return self.path()

    def made(self, p):
        p = p.rstrip("/")
        if p and p not in self.pool:
            self.pool.append(p)

    def data(self):
        r = self.rng
        k = r.random()
        if k < 0.1:
            return b""
        if k < 0.8:
            return b"w%d:%s\n" % (len(self.ops), bytes(r.choice(b"xyz") for _ in range(r.randint(1, 30))))
        return bytes(r.getrandbits(8) for _ in range(r.randint(3000, 70000)))

    def t(self):
        return 1100000000 + self.rng.randint(0, 10**6)

    def one(self):
        r = self.rng
        k = r.choices(
            ["write", "read", "mkdir", "rmdir", "unlink", "rename", "replace", "rename2",
             "link", "symlink", "chmod", "utime", "truncate", "setxattr", "removexattr",
             "getxattr", "listxattr", "mkfifo", "listdir", "stat", "lstat", "readlink",
             "walk", "fdblock"],
            [12, 8, 5, 3, 5, 7, 2, 3, 3, 3, 4, 3, 3, 3, 2, 2, 2, 1, 4, 7, 3, 2, 2, 8])[0]
        if k == "write":
            p = self.path()
            off = None if r.random() < 0.8 else r.choice([0, 3, 5000, 20000])
            self.add("write", p, r.choice(OPEN_FLAGS), r.choice([0o644, 0o600, 0o755]),
                     self.data(), off)
            self.made(p)
        elif k == "read":
            self.add("read", self.rpath())
        elif k == "mkdir":
            p = self.path()
            self.add("mkdir", p, r.choice(dir_modes(self.avoid)))
            self.made(p)
        elif k in ("rmdir", "unlink"):
            self.add(k, self.path())
        elif k in ("rename", "replace", "rename2"):
            a = self.path()
            x = r.random()
            if x < 0.15:
                b = a.rstrip("/") + "/" + r.choice(NAMES + NEW_NAMES)  # into itself
            elif x < 0.25:
                b = a  # onto itself
            else:
                b = self.path()
            if "ancestor" in self.avoid and a.lstrip("./").startswith(b.lstrip("./") + "/"):
                return
            if k == "rename2":
                self.add(k, a, b, r.choice([RENAME_NOREPLACE, RENAME_EXCHANGE]))
            else:
                self.add(k, a, b)
            self.made(b)
        elif k == "link":
            b = self.path()
            self.add("link", self.path(), b)
            self.made(b)
        elif k == "symlink":
            p = self.path()
            n = r.choice(NAMES + NEW_NAMES)
            tgt = r.choice([n, "../" + n, "/vtdata/" + n, "nope", ".", self.path(),
                            "/vtdata/" + self.path()])
            self.add("symlink", tgt, p)
            self.made(p)
        elif k == "chmod":
            self.add("chmod", self.path(), r.choice(dir_modes(self.avoid, CHMOD_MODES)))
        elif k == "utime":
            self.add("utime", self.path(), self.t(), self.t(), r.random() < 0.8)
        elif k == "truncate":
            self.add("truncate", self.path(), r.choice([0, 1, 7, 100, 9000]))
        elif k == "setxattr":
            self.add("setxattr", self.path(), r.choice(XNAMES), r.choice([b"v1", b"v2", b""]),
                     r.choice([0, 0, os.XATTR_CREATE, os.XATTR_REPLACE]), r.random() < 0.85)
        elif k == "removexattr":
            self.add("removexattr", self.path(), r.choice(XNAMES),
                     "xattr" in self.avoid or r.random() < 0.85)
        elif k == "getxattr":
            self.add("getxattr", self.rpath(), r.choice(XNAMES), r.random() < 0.85)
        elif k == "listxattr":
            self.add("listxattr", self.rpath(), r.random() < 0.85)
        elif k == "mkfifo":
            if "fifo" in self.avoid:
                return
            p = self.path()
            self.add("mkfifo", p, 0o644)
            self.made(p)
        elif k in ("listdir", "walk"):
            self.add(k, r.choice([".", self.rpath()]))
        elif k in ("stat", "lstat", "readlink"):
            self.add(k, self.rpath())
        else:
            self.fdblock()

    def fdblock(self):
        """open a name, change it through others, look through the fd"""
        r = self.rng
        slot = r.randint(0, 2)
        ro = self.ro and r.random() < 0.1
        p = r.choice(self.ro) if ro else self.path()
        flags = O.O_RDONLY if ro else r.choice(FD_FLAGS)
        self.add("open", slot, p, flags)
        if not ro:
            self.made(p)
        gone = False
        for _ in range(r.randint(1, 4)):
            x = r.random()
            if ro:  # never through the fd's name: the group would split
                k = r.choice(["read", "stat", "fread", "fstat"])
                self.add(k, slot if k[0] == "f" else p)
            elif x < 0.35:  # the same file through its name: copy-up
                k = r.choice(["write", "chmod", "truncate", "setxattr", "utime"])
                if k == "write":
                    self.add("write", p, r.choice([O.O_WRONLY | O.O_APPEND, O.O_WRONLY,
                                                   O.O_RDWR | O.O_TRUNC]), 0o644, self.data(), None)
                elif k == "chmod":
                    self.add("chmod", p, r.choice(CHMOD_MODES))
                elif k == "truncate":
                    self.add("truncate", p, r.choice([0, 2, 50]))
                elif k == "setxattr":
                    self.add("setxattr", p, r.choice(XNAMES), b"fd", 0, True)
                else:
                    self.add("utime", p, self.t(), self.t(), True)
            elif x < 0.5:  # its name goes away or is replaced
                k = r.choice(["unlink", "rename", "rename_over"])
                q = self.path()
                gone = True
                if k == "unlink":
                    self.add("unlink", p)
                elif k == "rename":
                    self.add("rename", p, q)
                    self.made(q)
                elif not ("ancestor" in self.avoid and q.startswith(p + "/")):
                    self.add("rename", q, p)
            elif x < 0.6:
                self.add("open", (slot + 1) % 3, p, r.choice([O.O_RDWR, O.O_WRONLY | O.O_APPEND]))
                self.add("fwrite", (slot + 1) % 3, self.data())
            else:
                self.one_fd(slot, gone)
        for _ in range(r.randint(1, 3)):
            if ro:
                self.add(r.choice(["fread", "fstat"]), slot)
            else:
                self.one_fd(slot, gone)
        if ro or r.random() < 0.5:
            self.add("close", slot)

    def one_fd(self, slot, gone=False):
        r = self.rng
        k = r.choices(["fread", "fwrite", "fstat", "fchmod", "futime", "fsetxattr",
                       "fgetxattr", "ftruncate", "lseek"], [6, 4, 5, 2, 2, 2, 2, 2, 1])[0]
        if gone and "orphan" in self.avoid and k in ("fchmod", "futime", "fsetxattr", "ftruncate"):
            k = "fstat"
        if k == "fwrite":
            self.add(k, slot, self.data())
        elif k == "fchmod":
            self.add(k, slot, r.choice(CHMOD_MODES))
        elif k == "futime":
            self.add(k, slot, self.t(), self.t())
        elif k == "fsetxattr":
            self.add(k, slot, r.choice(XNAMES), r.choice([b"f1", b"f2"]))
        elif k == "fgetxattr":
            self.add(k, slot, r.choice(XNAMES))
        elif k == "ftruncate":
            self.add(k, slot, r.choice([0, 4, 10000]))
        else:
            self.add(k, slot)

    def add(self, *op):
        if "ancestor" in self.avoid and op[0] in ("rename", "replace", "rename2") and \
                op[1].lstrip("./").startswith(op[2].lstrip("./").rstrip("/") + "/"):
            return
        self.ops.append(tuple(op))

    def generate(self):
        n = self.rng.randint(20, 80)
        while len(self.ops) < n:
            self.one()
        return self.ops


def script(ops, cut, guard):
    return ("OPS = [\n" + "".join("    %r,\n" % (op,) for op in ops) + "]\n"
            + PRELUDE % {"cut": cut, "guard": guard})


# ---------------------------------------------------------- running

def wipe(path):
    if not os.path.lexists(path):
        return
    subprocess.run(["unshare", "-r", "rm", "-rf", "--", path],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if os.path.lexists(path):
        subprocess.run(["chmod", "-R", "u+rwx", path], stderr=subprocess.DEVNULL)
        shutil.rmtree(path, ignore_errors=True)


def run(cmd, stdin_path):
    with open(stdin_path, "rb") as f:
        try:
            p = subprocess.run(cmd, stdin=f, capture_output=True, timeout=TIMEOUT)
            return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            return "timeout", (e.stdout or b"").decode("utf-8", "replace"), \
                (e.stderr or b"").decode("utf-8", "replace")


def make_root(stack, rdir):
    """the reference merge as a root to chroot into"""
    layers = [stack.upper0] + stack.lowers
    refmerge.Merger(layers).run(rdir)
    for n in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        h = "/" + n
        if os.path.islink(h):
            os.symlink(os.readlink(h), os.path.join(rdir, n))
        elif os.path.isdir(h):
            os.mkdir(os.path.join(rdir, n))
    os.mkdir(os.path.join(rdir, "usr"))


def native(rdir, script_path, cut):
    bind = "mount --rbind /usr \"$r/usr\" || exit 3\n"
    for n in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if not os.path.islink("/" + n) and os.path.isdir("/" + n):
            bind += "mount --rbind /%s \"$r/%s\" || exit 3\n" % (n, n)
    sh = "r=$1; shift\n" + bind + "exec chroot \"$r\" \"$@\""
    # the rungs without a view (notify-hostroot, ptrace) run the target as
    # the caller: the reference then
    # drops its capabilities (root of the user namespace, owner of the
    # caller's files, with only an owner's permissions)
    as_caller = ["/usr/bin/setpriv", "--bounding-set=-all", "--inh-caps=-all"] \
        if os.environ.get("VENEER_BACKEND") in ("notify-hostroot", "ptrace") else []
    cmd = ["unshare", "-rm", "sh", "-c", sh, "sh", rdir] + as_caller \
        + ["/usr/bin/env", "-i", "-C", "/vtdata"] + ENV + [PY, "-I", "-S", "-"]
    return run(cmd, script_path)


def without_shared_upper_warning(text):
    return "".join(l for l in text.splitlines(True)
                   if not re.match(r"veneer: warning: upper .* can be entered by other users", l))


def veneer_args(stack, upper, ids):
    a = ["--ids", ids]
    for low in stack.lowers:
        a += ["--lower", low]
    return a + ["--lower", "/", "--upper", upper]


def without_setid(modes):
    """--ids presented: the root inside holds CAP_FSETID, so the union's
    own truncations keep setuid/setgid bits that the reference (root of a
    user namespace, which the kernel denies CAP_FSETID) loses: no such
    modes on files, and the rest is the same contract."""
    return [m for m in modes if not m & 0o6000]


class Fuzzer:
    def __init__(self, args):
        self.a = args
        self.passed = self.failed = self.ops = 0
        self.last_kept = None

    def repro(self, s):
        return "%s --seed %d --seconds 1 --keep" % (self.a.repro, s)

    def one_seed(self, s):
        a = self.a
        rng = random.Random(s)
        w = os.path.join(SCRATCH, "seed-%d" % s)
        wipe(w)
        os.makedirs(w)
        cut = int(time.time()) - 1
        stack = Stack(rng, w, a.avoid)
        stack.build()
        snaps = [snapshot(low) for low in stack.lowers]
        rdir = os.path.join(w, "R")
        make_root(stack, rdir)
        vt = os.path.join(rdir, "vtdata")
        paths, ro = [], []
        for dirpath, dirnames, filenames in os.walk(vt):
            dirnames.sort()
            for n in sorted(dirnames + filenames):
                rel = os.path.relpath(os.path.join(dirpath, n), vt)
                (ro if rel == HL or rel.startswith(HL + "/") else paths).append(rel)
        ops = Ops(rng, paths, ro, a.avoid).generate()
        self.ops += len(ops)
        sp = os.path.join(w, "script.py")
        with open(sp, "w") as f:
            f.write(script(ops, cut, sorted(a.avoid & {"enoent", "ancestor", "dirlinks"})))
        upper = os.path.join(w, "U")
        subprocess.run(["cp", "-a", stack.upper0, upper], check=True)

        nrc, nout, nerr = native(rdir, sp, cut)
        ndump = dump(vt, cut)
        if a.selfcheck:
            r2 = os.path.join(w, "R2-second-copy")
            make_root(stack, r2)
            time.sleep(1)
            vrc, vout, verr = native(r2, sp, cut)
            vdump = dump(os.path.join(r2, "vtdata"), cut)
        else:
            env = ["/usr/bin/env", "-i"] + ENV
            vrc, vout, verr = run([a.veneer, "run"] + veneer_args(stack, upper, a.ids)
                                  + ["--chdir", "/vtdata", "--"] + env + [PY, "-I", "-S", "-"], sp)
            drc, vdump, derr = run([a.veneer, "run"] + veneer_args(stack, upper, a.ids) + ["--"] + env
                                   + [PY, "-I", "-S", os.path.join(BIN, "treedump.py"),
                                      "--old-before", str(cut), "/vtdata"], "/dev/null")
            # the upper is a copy of a layer (mode 0755, as its root must
            # show): veneer's one-line warning that others can enter it
            # is expected, not a difference
            verr, derr = without_shared_upper_warning(verr), without_shared_upper_warning(derr)
            if drc != 0 or derr:
                vdump += "!! dump run exited %s: %s" % (drc, derr)

        for n, text in (("native.out", nout), ("veneer.out", vout), ("native.dump", ndump),
                        ("veneer.dump", vdump)):
            with open(os.path.join(w, n), "w") as f:
                f.write(text)
        why = []
        if nrc != 0 or nerr:
            why.append("the native run exited %s (a fuzzer problem): %s" % (nrc, nerr[-300:]))
        if nrc != vrc:
            why.append("exit %s native, %s veneer" % (nrc, vrc))
        if nout != vout:
            why.append("outputs differ")
        if nerr != verr:
            why.append("stderr differs")
        if ndump != vdump:
            why.append("trees differ")
        for low, before in zip(stack.lowers, snaps):
            if snapshot(low) != before:
                why.append("THE LOWER %s CHANGED" % os.path.basename(low))
        if not why:
            if a.keep:
                if self.last_kept:
                    wipe(self.last_kept)
                self.last_kept = w
            else:
                wipe(w)
            return True

        d = os.path.join(a.out, "seed-%d" % s)
        wipe(d)
        os.makedirs(d)
        files = {"seed": "%d\n" % s, "why": "\n".join(why) + "\n", "layout.txt": stack.layout(),
                 "native.out": nout, "native.err": nerr, "veneer.out": vout, "veneer.err": verr,
                 "native.dump": ndump, "veneer.dump": vdump,
                 "reproduce": self.repro(s) + "\n"}
        diffs = []
        for label, x, y in (("stdout", nout, vout), ("stderr", nerr, verr), ("tree", ndump, vdump)):
            if x != y:
                diffs += list(difflib.unified_diff(x.splitlines(), y.splitlines(), "native " + label,
                                                   "veneer " + label, lineterm="", n=1))
        files["diff"] = "\n".join(diffs) + "\n"
        for n, text in files.items():
            with open(os.path.join(d, n), "w") as f:
                f.write(text)
        shutil.copy(sp, os.path.join(d, "script.py"))
        print("write-fuzz: FAILED seed %d: %s" % (s, "; ".join(why)))
        print("write-fuzz: first differences (native vs veneer):")
        for line in [x for x in diffs if x[:1] in "-+@" and x[:3] not in ("---", "+++")][:14]:
            print("    " + line[:200])
        if a.keep:
            # the stack as it was before the run (the upper's pristine copy)
            shutil.move(stack.layers, os.path.join(d, "layers"))
            lows = " ".join("--lower \"$d/layers/%s\"" % os.path.basename(x) for x in stack.lowers)
            with open(os.path.join(d, "reproduce.sh"), "w") as f:
                f.write("#!/bin/sh\n# usage: reproduce.sh VENEER: the script inside veneer over a fresh copy"
                        " of the saved upper\nd=$(cd \"$(dirname \"$0\")\" && pwd)\nU=$(mktemp -d)\n"
                        "cp -a \"$d/layers/u/.\" \"$U/\"\n"
                        "\"${1:?usage: $0 VENEER}\" run %s --lower / --upper \"$U\" --chdir /vtdata -- "
                        "/usr/bin/env -i %s %s -I -S - <\"$d/script.py\"\necho \"upper: $U\"\n"
                        % (lows, " ".join(ENV), PY))
            os.chmod(os.path.join(d, "reproduce.sh"), 0o755)
        print("write-fuzz: saved in %s" % d)
        print("write-fuzz: reproduce with: %s" % self.repro(s))
        wipe(w)
        return False

    def loop(self):
        a = self.a
        start = time.time()
        deadline = start + a.seconds
        next_report = start + 5
        queue = [int(x) for x in a.seeds.split(",")] if a.seeds else []
        s = a.seed
        print("write-fuzz: veneer %s, %ds, seeds %s%d..." % (
            "(selfcheck: native twice)" if a.selfcheck else a.veneer, a.seconds,
            a.seeds + " then " if a.seeds else "", s), flush=True)
        cur = s
        while True:
            if queue:
                cur = queue.pop(0)
            else:
                cur, s = s, s + 1
            if self.one_seed(cur):
                self.passed += 1
            else:
                self.failed += 1
                if not a.keep_going:
                    break
            now = time.time()
            if now >= next_report:
                print("write-fuzz: %d seeds done (%d failed), %d operations, %ds left" % (
                    self.passed + self.failed, self.failed, self.ops, max(0, deadline - now)),
                    flush=True)
                next_report = now + 5
            if not queue and now >= deadline:
                break
        if a.keep and self.last_kept and not self.failed:
            kept = os.path.join(a.out, "last-seed-%d" % cur)
            wipe(kept)
            shutil.move(self.last_kept, kept)
            print("write-fuzz: the last seed's stack, script and trees are kept in %s" % kept)
        print("write-fuzz: %d seeds, %d operations in %ds" % (
            self.passed + self.failed, self.ops, time.time() - start))
        print("write-fuzz: %d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 0 if not self.failed else 1


def main():
    global SCRATCH, BIN
    ap = argparse.ArgumentParser(description="differential fuzzer of veneer's write path")
    ap.add_argument("--veneer")
    ap.add_argument("--seconds", type=int, default=300)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--seeds", default="")
    ap.add_argument("--out", default=os.path.join(os.environ.get("TMPDIR", "/tmp"), "veneer-fuzz"))
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--keep-going", action="store_true")
    ap.add_argument("--selfcheck", action="store_true")
    ap.add_argument("--repro", default="tools/fuzz --write")
    ap.add_argument("--avoid", default="")
    ap.add_argument("--ids", choices=("kernel", "presented"), default="kernel",
                    help="veneer's --ids: kernel (the reference's own: root of a user "
                    "namespace) or presented (no setuid/setgid modes on files)")
    a = ap.parse_args()
    if a.ids == "presented":
        FILE_MODES[:] = without_setid(FILE_MODES)
        CHMOD_MODES[:] = without_setid(CHMOD_MODES)
        a.repro += " --ids presented"
    a.avoid = set(AVOID) if a.avoid == "all" else set(x for x in a.avoid.split(",") if x)
    if a.avoid - set(AVOID):
        ap.error("--avoid wants a comma-separated list of: all, " + ", ".join(AVOID))
    if a.avoid:
        a.repro += " --avoid " + ",".join(sorted(a.avoid))
    if a.seed is None:
        a.seed = int.from_bytes(os.urandom(3), "little")
    if a.seeds and not all(x.isdigit() for x in a.seeds.split(",")):
        ap.error("--seeds wants numbers separated by commas")
    if not a.selfcheck:
        if not a.veneer:
            ap.error("--veneer BIN is required")
        a.veneer = os.path.abspath(a.veneer)
        if not os.access(a.veneer, os.X_OK) or os.path.isdir(a.veneer):
            print("write-fuzz: %s is not an executable file" % a.veneer, file=sys.stderr)
            return 2
    if os.path.lexists("/vtdata"):
        print("write-fuzz: /vtdata exists on the host; the fuzzer needs it free", file=sys.stderr)
        return 2
    if subprocess.run(["unshare", "-rm", "true"], stderr=subprocess.DEVNULL).returncode != 0:
        print("write-fuzz: unshare -rm fails: unprivileged user namespaces are needed",
              file=sys.stderr)
        return 2
    a.out = os.path.abspath(a.out)
    os.makedirs(a.out, exist_ok=True)
    SCRATCH = tempfile.mkdtemp(prefix="veneer-wfuzz.", dir=os.environ.get("TMPDIR", "/tmp"))
    os.chmod(SCRATCH, 0o755)
    BIN = os.path.join(SCRATCH, "bin")
    os.mkdir(BIN)
    shutil.copy(os.path.join(TOP, "tests", "differential", "treedump.py"), BIN)
    os.chmod(BIN, 0o755)
    try:
        return Fuzzer(a).loop()
    except KeyboardInterrupt:
        return 130
    finally:
        wipe(SCRATCH)


SCRATCH = BIN = None
if __name__ == "__main__":
    sys.exit(main())
