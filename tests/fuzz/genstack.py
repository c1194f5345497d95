#!/usr/bin/python3
"""genstack.py - a random layer stack for veneer's differential fuzzer.

usage: genstack.py --seed S --out DIR --probe VT-PROBE [--no-ovl]

Run it inside `unshare -r` (tests/fuzz/run-fuzz does): as root of a user
namespace it can make directories of any mode, copy them with owners and
chroot into the reference to pick its probe paths with the kernel's own
path resolution.

From the seed alone (the same seed gives the same stack) it makes in DIR:

  layers/u          an upper, pre-populated (about half of the seeds)
  layers/l1..l3     one to three lowers, topmost first
  layers/p          a lower holding only /vt-probe and a copy /vtp, right
                    below the upper
  ref/root          the reference merge of all of them (refmerge.py), with
                    empty dev/, proc/ and sys/ where veneer has its mounts;
                    run-fuzz chroots into it read-only
  ref/pad           extra hard links (see below), outside the chroot
  veneer-args       the layer options of `veneer run`, one per line
  native-probe-args   the probe's options natively (-C DIR or -a DIR)
  veneer-chdir-args   --chdir DIR for veneer run
  veneer-probe-args   the probe's options inside veneer
  paths             the probe paths, one per line
  layout.txt        every object of every layer, for a human

The layers are random trees of directories, regular files (small
content, various modes, user.* xattrs), symlinks (relative, absolute,
to directories and files, dangling, chains, loops, ".."-heavy targets,
trailing slashes), hard links, whiteouts (OCI ".wh.NAME" files and
overlay 0/0 character devices), opaque directories (".wh..wh..opq" and
the xattr user.overlay.opaque=y), a whiteout next to the name it would
hide in the same layer, and names that collide across layers with other
types.  The names come from a small pool so that they collide often.
The upper's root is never opaque and the names dev, proc, sys, vt-probe
and vtp are never used, so the probe's layer and veneer's mount points
always show.

Hard links: refmerge.py gives a hard-link group only part of which is
visible in the union a smaller st_nlink than the layer's file has; the
union (like overlayfs) shows the layer's.  The missing links are added
in ref/pad, so that the reference shows the layer's count too.

Probe paths (picked in a child chrooted into the reference, so that
"is a directory", "lists" and "resolves" are the kernel's answers): every
object of the union, absolute and relative to the chosen directory; the
same with ".", "..", "//", trailing slashes, ".." past the root; through
every symlink (the link, "link/", "link/.", "link/..", "link/CHILD");
names that exist in a layer but not in the union (whited out, hidden by
an opaque directory or a non-directory); reserved ".wh." names; missing
names under directories and under files.
"""

import argparse
import errno
import json
import os
import random
import shutil
import stat
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import refmerge  # noqa: E402  (the reference merge, tests/integration)

NAME_POOL = ["a", "b", "c", "d", "e", "x", "y", "a.b", "sp ace", "\u00fc",
             "dir", "f", "z9", "...", ".wh", "-dash", "t\tab", "co:lon",
             "back\\slash", "wh.x"]
# names of NAME_MAX bytes, and of the most that still has a ".wh." form
LONG_NAMES = ["L" * 251, "M" * 255]
MOUNTS = ("dev", "proc", "sys")
PROBE = "vt-probe"
# a copy of the probe in the probe layer that scripts and links name (the
# probe that runs is busy: opening it for writing would say ETXTBSY)
EXEC = "vtp"
MAX_DEPTH = 3
WH = ".wh."
OPQ = ".wh..wh..opq"


def join(parent, name):
    return name if parent == "" else parent + "/" + name


def dirname(rel):
    return rel.rsplit("/", 1)[0] if "/" in rel else ""


def basename(rel):
    return rel.rsplit("/", 1)[-1]


def depth_of(rel):
    return 0 if rel == "" else rel.count("/") + 1


def chain_inner(path):
    """A link of a long chain other than its head (see add_chain)."""
    name = basename(path)
    return name.startswith("chl") and not name.endswith("_0")


# ------------------------------------------------------------- generation

class Layer:
    """One layer: on-disk relative path -> spec (a dict with "kind")."""

    def __init__(self, name):
        self.name = name
        self.objs = {"": {"kind": "dir", "mode": 0o755, "opaque": None,
                          "xattrs": {}}}

    def dirs(self):
        return [p for p, s in self.objs.items() if s["kind"] == "dir"]

    def files(self):
        return [p for p, s in self.objs.items() if s["kind"] == "file"]

    def links(self):
        return [p for p, s in self.objs.items() if s["kind"] == "symlink"]


class Generator:
    def __init__(self, seed, ovl_ok, xattr_ok):
        self.rng = random.Random(seed)
        self.ovl_ok = ovl_ok
        self.xattr_ok = xattr_ok
        rng = self.rng
        self.pool = rng.sample(NAME_POOL, rng.randint(4, 7))
        if rng.random() < 0.15:
            self.pool.append(rng.choice(LONG_NAMES))
        self.p_dir = rng.uniform(0.25, 0.45)
        self.p_link = rng.uniform(0.1, 0.3)
        self.p_wh = rng.uniform(0.05, 0.2)
        self.p_opaque = rng.uniform(0.0, 0.25)

    def wh_format(self):
        if self.ovl_ok and self.rng.random() < 0.5:
            return "ovl"
        return "oci"

    def opq_format(self):
        if self.xattr_ok and self.rng.random() < 0.5:
            return "ovl"
        return "oci"

    def xattrs(self):
        rng = self.rng
        if not self.xattr_ok or rng.random() > 0.15:
            return {}
        return {"user.fz%d" % i: rng.choice([b"", b"v", b"value-%d" % i,
                                             bytes(rng.randrange(256) for _ in range(5))])
                for i in range(rng.randint(1, 2))}

    def file_mode(self):
        return self.rng.choice([0o644] * 8 + [0o755, 0o600, 0o444, 0o4755,
                                              0o2750, 0o000, 0o1644])

    def dir_mode(self):
        return self.rng.choice([0o755] * 10 + [0o700, 0o711, 0o555, 0o1777,
                                               0o2755, 0o000])

    def content(self, layer, rel):
        rng = self.rng
        r = rng.random()
        if r < 0.1:
            return b""
        data = ("%s:%s\n" % (layer.name, rel)).encode()
        if r < 0.4:
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))
        return data

    def oci_whiteout(self):
        """Whatever its type, a ".wh.NAME" entry is a whiteout."""
        r = self.rng.random()
        if r < 0.06:
            return {"kind": "ociwh", "as": "dir"}
        if r < 0.1:
            return {"kind": "ociwh", "as": "symlink"}
        return {"kind": "ociwh", "as": "file"}

    def opaque_value(self):
        """user.overlay.opaque: only "y" makes a directory opaque."""
        if self.rng.random() < 0.85:
            return b"y"
        return self.rng.choice([b"n", b"yy", b"Y", b"", b"y\0", b"x"])

    def gen_dir(self, layer, rel, depth):
        rng = self.rng
        count = rng.choice([0, 1, 2, 2, 3, 3, 4, 5])
        for name in rng.sample(self.pool, min(count, len(self.pool))):
            path = join(rel, name)
            r = rng.random()
            if r < self.p_wh:
                fmt = self.wh_format()
                if len(WH + name) > 255:
                    fmt = "ovl" if self.ovl_ok else None
                if fmt == "ovl":
                    layer.objs[path] = {"kind": "ovlwh"}
                elif fmt == "oci":
                    layer.objs[join(rel, WH + name)] = self.oci_whiteout()
                continue
            r = rng.random()
            if r < self.p_dir and depth < MAX_DEPTH:
                layer.objs[path] = {"kind": "dir", "mode": self.dir_mode(),
                                    "opaque": None, "xattrs": self.xattrs()}
                if rng.random() < self.p_opaque:
                    layer.objs[path]["opaque"] = self.opq_format()
                    layer.objs[path]["opaque_value"] = self.opaque_value()
                self.gen_dir(layer, path, depth + 1)
            elif r < self.p_dir + self.p_link:
                layer.objs[path] = {"kind": "symlink", "target": None}
            elif r < self.p_dir + self.p_link + 0.04:
                layer.objs[path] = {"kind": "fifo", "mode": rng.choice([0o644, 0o600, 0o666])}
            elif r < self.p_dir + self.p_link + 0.12:
                layer.objs[path] = {"kind": "file", "mode": rng.choice([0o755, 0o755, 0o644]),
                                    "data": None, "xattrs": {}}  # a "#!" script, later
            else:
                layer.objs[path] = {"kind": "file", "mode": self.file_mode(),
                                    "data": self.content(layer, path),
                                    "xattrs": self.xattrs()}
            if rng.random() < 0.05 and len(WH + name) <= 255:
                # a whiteout next to the name it would hide: it hides
                # only the layers below
                layer.objs[join(rel, WH + name)] = self.oci_whiteout()

    def add_hardlinks(self, layer):
        rng = self.rng
        files = layer.files() + (layer.links() if rng.random() < 0.3 else [])
        if not files:
            return
        for _ in range(rng.choice([0, 0, 1, 2, 3])):
            src = rng.choice(files)
            d = rng.choice(layer.dirs())
            name = rng.choice(self.pool)
            path = join(d, name)
            if path in layer.objs or join(d, WH + name) in layer.objs:
                continue
            layer.objs[path] = {"kind": "hardlink", "src": src}

    def symlink_target(self, link, everything, links):
        rng = self.rng
        ldir = dirname(link)
        t = rng.choice(everything) if everything else "nope"
        rel = os.path.relpath(t or ".", ldir or ".")
        r = rng.randrange(16)
        if r == 0:
            return "/" + t
        if r == 1:
            return "../" * rng.randint(depth_of(ldir), depth_of(ldir) + 3) + t
        if r == 2:
            return "/" + "/..".join([""] * rng.randint(1, 3)) + "/" + t
        if r == 3:
            return ("//" + t.replace("/", "//")) if t else "//"
        if r == 4:
            return "./" + rel + rng.choice(["", "/", "/.", "//"])
        if r == 5:
            return basename(link)  # a loop on itself
        if r == 6 and links:
            other = rng.choice(links)  # chains and loops of links
            return rng.choice([os.path.relpath(other, ldir or "."), "/" + other])
        if r == 7:
            return rng.choice(["nope", "/nope/deeper", t + "/nope", "../nope"])
        if r == 8:
            return rng.choice([".", "..", "/", "../..", "./", "../../../.."])
        if r == 9 and links:
            return "/" + rng.choice(links) + "/" + rng.choice(self.pool)
        if r == 12:
            return rng.choice(["/" + EXEC, "../" * depth_of(ldir) + EXEC])
        if r == 13:
            # the sandbox's own /proc: the union's root and cwd
            return rng.choice(["/proc/self/root/", "/proc/self/cwd/",
                               "/proc/thread-self/root/"]) + t
        if r == 10:
            return rel + "/"
        if r == 11:
            return rel + "/.."
        return rel

    def generate(self):
        rng = self.rng
        nlowers = rng.randint(1, 3)
        names = (["u"] if rng.random() < 0.5 else []) + \
            ["l%d" % (i + 1) for i in range(nlowers)]
        layers = []
        for name in names:
            layer = Layer(name)
            self.gen_dir(layer, "", 1)
            self.add_hardlinks(layer)
            if name != "u" and rng.random() < 0.1:
                # an opaque root hides the lowers below (not the probe's
                # layer, which is above them)
                layer.objs[""]["opaque"] = self.opq_format()
            layers.append(layer)
        if rng.random() < 0.2:
            # the top root's mode shows; an upper must stay writable (a
            # private 0700 one shows the mode of the root below instead:
            # veneer keeps uppers private on the host, docs/design.md)
            layers[0].objs[""]["mode"] = rng.choice([0o750, 0o711, 0o701])
        if rng.random() < 0.2:
            self.add_chain(rng.choice(layers))
        everything = sorted({p for layer in layers for p, s in layer.objs.items()
                             if p and not basename(p).startswith(WH) and not chain_inner(p)})
        links = sorted({p for layer in layers for p in layer.links() if not chain_inner(p)})
        for layer in layers:
            for path in sorted(layer.links()):
                if layer.objs[path]["target"] is None:
                    layer.objs[path]["target"] = self.symlink_target(path, everything, links)
        for layer in layers:
            for path, spec in sorted(layer.objs.items()):
                if spec["kind"] == "file" and spec["data"] is None:
                    spec["data"] = self.script(path, everything, links)
        return layers

    def add_chain(self, layer):
        """A chain of symlinks: short, or far past the kernel's limit of 40.

        Not around the limit: the kernel counts again the links of a walk
        it restarts (an RCU walk that bails out: ".." under
        RESOLVE_BENEATH, or any change of the mount table meanwhile), so
        whether 25 links are too many depends on the rest of the machine.
        A long chain is looked at from its head only: its other links are
        named "chlN_" + K and left out of probes and link targets."""
        rng = self.rng
        d = rng.choice(layer.dirs())
        if rng.random() < 0.4:
            prefix = "chl%d_" % rng.randrange(10)
            n = rng.choice([45, 60])
            end = rng.choice(["/" + EXEC, ".", "..", "nope", "/"])
        else:
            prefix = "ch%d_" % rng.randrange(10)
            n = rng.choice([2, 5, 12])
            end = rng.choice(["/" + EXEC, ".", "..", "nope", "/"])
        for i in range(n):
            target = prefix + str(i + 1) if i + 1 < n else end
            layer.objs[join(d, prefix + str(i))] = {"kind": "symlink", "target": target}

    def script(self, path, everything, links):
        """A "#!" line naming the probe copy, directly or not."""
        rng = self.rng
        r = rng.randrange(8)
        if r < 3:
            interp = "/" + EXEC
        elif r == 3 and links:
            interp = "/" + rng.choice(links)  # maybe a link to it, maybe not
        elif r == 4:
            interp = "/" + rng.choice(everything)  # a script, a dir, ...
        elif r == 5:
            interp = "/nope"
        elif r == 6:
            interp = "/.." * rng.randint(1, 3) + "/" + EXEC
        else:
            interp = os.path.relpath("/" + EXEC, "/" + dirname(path))
        arg = rng.choice(["", "", " -x", " arg two"])
        return ("#!%s%s\n" % (interp, arg)).encode()


# ---------------------------------------------------------- materializing

def materialize(layer, root):
    os.mkdir(root, 0o755)
    objs = layer.objs
    order = sorted(objs, key=lambda p: (depth_of(p), p))
    for path in order:
        s = objs[path]
        full = os.path.join(root, path)
        if s["kind"] == "dir" and path:
            os.mkdir(full, 0o755)
    for path in order:
        s = objs[path]
        full = os.path.join(root, path)
        kind = s["kind"]
        if kind == "file":
            with open(full, "wb") as f:
                f.write(s["data"])
        elif kind == "symlink":
            os.symlink(s["target"], full)
        elif kind == "ociwh":
            if s.get("as") == "dir":
                os.mkdir(full, 0o755)
            elif s.get("as") == "symlink":
                os.symlink("nowhere", full)
            else:
                with open(full, "wb"):
                    pass
        elif kind == "fifo":
            os.mkfifo(full, s["mode"])
        elif kind == "ovlwh":
            os.mknod(full, stat.S_IFCHR | 0o600, os.makedev(0, 0))
    for path in order:
        s = objs[path]
        if s["kind"] == "hardlink":
            os.link(os.path.join(root, s["src"]), os.path.join(root, path),
                    follow_symlinks=False)
    for path in order:
        s = objs[path]
        full = os.path.join(root, path)
        for k, v in s.get("xattrs", {}).items():
            os.setxattr(full, k, v, follow_symlinks=False)
        if s["kind"] == "dir":
            if s["opaque"] == "oci":
                with open(os.path.join(full, OPQ), "wb"):
                    pass
            elif s["opaque"] == "ovl":
                os.setxattr(full, "user.overlay.opaque", s.get("opaque_value", b"y"))
    # modes last, deepest first, so that making a directory read-only
    # does not stop its own filling
    for path in sorted(order, key=lambda p: -depth_of(p)):
        s = objs[path]
        if s["kind"] in ("file", "dir", "fifo"):
            os.chmod(os.path.join(root, path), s["mode"])


def describe(layers_dir, names):
    """A line per object of every layer."""
    out = []
    for name in names:
        root = os.path.join(layers_dir, name)
        out.append("=== layer %s" % name)
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            for entry in [""] + sorted(dirnames + filenames):
                full = os.path.join(dirpath, entry) if entry else dirpath
                if not entry and dirpath != root:
                    continue
                rel = os.path.relpath(full, root)
                st = os.lstat(full)
                line = "%s %s %04o nlink=%d" % (
                    rel, stat.filemode(st.st_mode)[0], stat.S_IMODE(st.st_mode),
                    st.st_nlink)
                if stat.S_ISLNK(st.st_mode):
                    line += " -> %r" % os.readlink(full)
                elif stat.S_ISCHR(st.st_mode):
                    line += " rdev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev))
                elif stat.S_ISREG(st.st_mode):
                    if st.st_nlink > 1:
                        line += " ino=%d" % st.st_ino
                    with open(full, "rb") as f:
                        line += " %r" % f.read(300)
                try:
                    for k in sorted(os.listxattr(full, follow_symlinks=False)):
                        line += " [%s=%r]" % (k, os.getxattr(full, k, follow_symlinks=False))
                except OSError:
                    pass
                out.append(line)
    return "\n".join(out) + "\n"


# ------------------------------------------------------------- reference

class PaddingMerger(refmerge.Merger):
    """refmerge's merge, remembering each hard-link group's layer count."""

    def __init__(self, layers):
        super().__init__(layers)
        self.group_nlink = {}

    def copy_nondir(self, layer, src, st, dst):
        if st.st_nlink > 1:
            self.group_nlink.setdefault((layer, st.st_dev, st.st_ino), st.st_nlink)
        super().copy_nondir(layer, src, st, dst)

    def pad(self, pad_dir):
        n = 0
        for key, first in sorted(self.links.items(), key=lambda kv: kv[1]):
            want = self.group_nlink.get(key, 0)
            have = os.lstat(first).st_nlink
            for _ in range(want - have):
                os.link(first, os.path.join(pad_dir, "%d" % n), follow_symlinks=False)
                n += 1
        return n


# ----------------------------------------------------------- probe paths

def pick_paths(rng, hidden):
    """In a process chrooted into the reference: (chdir, mode, paths)."""
    objs, dirs, links = [], [], []
    for dirpath, dirnames, filenames in os.walk("/"):
        if dirpath == "/":
            dirnames[:] = [d for d in dirnames if d not in MOUNTS]
            filenames = [f for f in filenames if f != PROBE]
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = os.path.join(dirpath, name)
            if chain_inner(p):
                continue
            objs.append(p)
            if os.path.islink(p):
                links.append(p)
            elif os.path.isdir(p):
                dirs.append(p)
    dirlinks = [p for p in links if os.path.isdir(p)]

    # the working directory (or the -a directory), sometimes via a link
    r = rng.random()
    if r < 0.15 and dirlinks:
        start = rng.choice(dirlinks)
    elif r < 0.3 or not dirs:
        start = "/"
    else:
        start = rng.choice(dirs)
    phys = os.path.realpath(start)
    mode = "dirfd" if rng.random() < 0.35 else "cwd"

    paths = ["/", ".", "..", "", "/..", "/.", "//", "/../../..",
             "/nope", "/nope/", "/" + OPQ, "/" + WH + "x"]
    for p in objs:
        paths.append(p)
        r = rng.random()
        rel = os.path.relpath(p, phys)
        if r < 0.5:
            paths.append(rel)
        if r < 0.15:
            paths.append(rng.choice([p + "/", p + "/.", p + "//", p + "/..",
                                     "/.." * rng.randint(1, 3) + p,
                                     p.replace("/", "//"), p.replace("/", "/./"),
                                     rel + "/", "./" + rel, rel + "/..",
                                     p + "/nope", p + "/../" + os.path.basename(p)]))
    for p in links:
        paths += [p + "/", p + "/.", p + "/..", p + "//", p + "/nope"]
        if os.path.isdir(p):
            try:
                kids = sorted(os.listdir(p))
            except OSError:
                kids = []
            if os.path.realpath(p) == "/":
                # not the probe (ETXTBSY natively) nor veneer's mounts
                kids = [k for k in kids if k != PROBE and k not in MOUNTS]
            kids = [k for k in kids if not chain_inner(k)]
            for k in rng.sample(kids, min(2, len(kids))):
                paths.append(p + "/" + k)
                paths.append(p + "/" + k + "/..")
    for d in dirs:
        if rng.random() < 0.3:
            paths.append(d + "/" + rng.choice(["nope", WH + "nope", OPQ,
                                               "nope/..", "../nope"]))
    for h in hidden:
        paths.append("/" + h)
        if rng.random() < 0.3:
            paths.append("/" + h + "/")
    # the sandbox's /proc (mounted natively too): its links to the root,
    # the cwd and the -a directory lead back into the union
    for p in rng.sample(objs, min(6, len(objs))):
        rel = os.path.relpath(p, phys)
        paths.append(rng.choice(["/proc/self/root", "/proc/thread-self/root",
                                 "/proc/self/root/.."]) + p)
        paths.append(rng.choice(["/proc/self/cwd/", "/proc/self/cwd/./"]) + rel)
        if mode == "dirfd":
            paths.append("/proc/self/fd/@FD@/" + rel)
    paths += ["/proc/self/cwd", "/proc/self/cwd/", "/proc/self/cwd/..",
              "/proc/self/root", "/proc/self/root/", "/proc/self/root/../.."]
    if mode == "dirfd":
        paths += ["/proc/self/fd/@FD@", "/proc/self/fd/@FD@/", "/proc/self/fd/@FD@/.."]
    # component length limits, the upper's hidden state directory
    paths += ["/" + "N" * 255, "/" + "N" * 256, "/" + "N" * 300 + "/x",
              "/nope/" + "N" * 300, phys + "/" + "N" * 256 + "/..",
              "/.wh..wh..veneer", "/.wh..wh..veneer/lock", "/" + EXEC]
    # keep the order random but every path once
    seen, out = set(), []
    for p in paths:
        if p not in seen and "\n" not in p:
            seen.add(p)
            out.append(p)
    rng.shuffle(out)
    return start, mode, out


def in_chroot(root, fn):
    """Run fn() in a child chrooted into root; return its JSON result."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(rfd)
        try:
            os.chroot(root)
            os.chdir("/")
            data = json.dumps(fn()).encode()
            with os.fdopen(wfd, "wb") as f:
                f.write(data)
            os._exit(0)
        except BaseException as e:  # report, never return into the parent
            sys.stderr.write("genstack.py (chrooted child): %r\n" % (e,))
            os._exit(1)
    os.close(wfd)
    with os.fdopen(rfd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise SystemExit("genstack.py: picking probe paths failed")
    return json.loads(data)


# ------------------------------------------------------------------ main

def can_mknod_whiteout(d):
    p = os.path.join(d, ".probe-wh")
    try:
        os.mknod(p, stat.S_IFCHR | 0o600, os.makedev(0, 0))
    except OSError:
        return False
    os.unlink(p)
    return True


def can_user_xattr(d):
    try:
        os.setxattr(d, "user.fz-probe", b"y")
        os.removexattr(d, "user.fz-probe")
        return True
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser(description="a random layer stack")
    ap.add_argument("--seed", required=True, type=int)
    ap.add_argument("--out", required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--no-ovl", action="store_true",
                    help="OCI whiteouts and markers only")
    args = ap.parse_args()

    out = args.out
    os.makedirs(out, exist_ok=True)
    ovl_ok = not args.no_ovl and can_mknod_whiteout(out)
    xattr_ok = can_user_xattr(out)
    gen = Generator(args.seed, ovl_ok, xattr_ok)
    layers = gen.generate()

    layers_dir = os.path.join(out, "layers")
    os.mkdir(layers_dir, 0o755)
    for layer in layers:
        materialize(layer, os.path.join(layers_dir, layer.name))
    # the probe's layer: right below the upper (which is never opaque at
    # its root), so that whiteouts and opaque roots of the lowers cannot
    # hide it; without an upper its root is the union's (and its mode)
    pdir = os.path.join(layers_dir, "p")
    os.mkdir(pdir, 0o755)
    for name in (PROBE, EXEC):
        shutil.copy(args.probe, os.path.join(pdir, name))
        os.chmod(os.path.join(pdir, name), 0o755)
    upper = [layer.name for layer in layers if layer.name == "u"]
    if not upper:
        os.chmod(pdir, layers[0].objs[""]["mode"])
    names = upper + ["p"] + [layer.name for layer in layers if layer.name != "u"]
    roots = [os.path.join(layers_dir, n) for n in names]

    ref = os.path.join(out, "ref")
    os.mkdir(ref, 0o755)
    os.mkdir(os.path.join(ref, "pad"), 0o755)
    merger = PaddingMerger(roots)
    merger.run(os.path.join(ref, "root"))
    merger.pad(os.path.join(ref, "pad"))
    for m in MOUNTS:
        os.mkdir(os.path.join(ref, "root", m), 0o755)

    # names a layer has that the union may hide
    hidden = sorted({p for layer in layers for p in layer.objs if p and not chain_inner(p)}
                    | {join(dirname(p), basename(p)[len(WH):])
                       for layer in layers for p in layer.objs
                       if basename(p).startswith(WH) and basename(p) != OPQ})
    rng = random.Random(args.seed * 7919 + 1)
    start, mode, paths = in_chroot(os.path.join(ref, "root"),
                                   lambda: pick_paths(rng, hidden))

    with open(os.path.join(out, "veneer-args"), "w") as f:
        for n, root in zip(names, roots):
            f.write("--upper\n" if n == "u" else "--lower\n")
            f.write(root + "\n")
    # natively chroot starts in "/"; veneer gets --chdir (and, for half
    # of the seeds, the probe's own chdir as well)
    if mode == "dirfd":
        native, run_args, inside = ["-a", start], ["--chdir", "/"], ["-a", start]
    else:
        native, run_args = ["-C", start], ["--chdir", start]
        inside = ["-C", start] if rng.random() < 0.5 else []
    for name, words in (("native-probe-args", native), ("veneer-chdir-args", run_args),
                        ("veneer-probe-args", inside)):
        with open(os.path.join(out, name), "w") as f:
            f.write("".join(w + "\n" for w in words))
    with open(os.path.join(out, "paths"), "w") as f:
        f.write("".join(p + "\n" for p in paths))
    with open(os.path.join(out, "layout.txt"), "w") as f:
        f.write("seed %d; whiteout formats: %s; xattrs: %s; probe %s %s\n"
                % (args.seed, "oci+ovl" if ovl_ok else "oci", xattr_ok,
                   mode, start))
        f.write(describe(layers_dir, [n for n in names if n != "p"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
