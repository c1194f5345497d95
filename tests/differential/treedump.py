#!/usr/bin/python3
"""treedump.py - a comparable dump of the tree below ROOT.

usage: treedump.py [--old-before EPOCH] [--owners] ROOT

Prints one line per object below ROOT (ROOT itself is left out), sorted
by relative path (bytewise), fields separated by " | ":

    relpath | type | mode | [UID:GID] | [size=N | sha256=HEX | hl=GROUP]
            | [-> TARGET] | [xattrs] | mtime

  type    f d l p s c b  (from lstat: symlinks are never followed)
  mode    permission bits in octal, incl. setuid/setgid/sticky
  UID:GID with --owners only: the numeric owner and group (from lstat,
          so a symlink's own), for comparing two trees seen by the same
          identity (both root: a native run as root and a run inside
          veneer over a root-owned lower)
  size, sha256   regular files only
  hl      regular files with st_nlink > 1: the smallest relpath of the
          files below ROOT sharing its (st_dev, st_ino), so that the same
          grouping prints the same on two trees whatever the inodes
  ->      symlink target, as stored
  rdev    character and block devices: major:minor
  xattrs  the user.* extended attributes, sorted: name="text" or name=0xHEX
  mtime   seconds.nanoseconds when older than --old-before EPOCH, else
          "new" (so untouched and copied-up objects must keep their
          times, and the dump does not depend on when it was made)

Left out on purpose: owners unless --owners is given (in the plain
differential suite the caller is uid 0 inside veneer and itself
outside), inode numbers, atimes, ctimes, directory sizes and
block counts (file-system specific, not part of the union contract).
Nothing is skipped: a ".wh.*" name inside the union is a bug to show.

One file is normalised: a git index (".git/index" starting with "DIRC")
caches stat data (ctime, dev, ino, uid, and a size that git zeroes when
the file is "racily clean", which depends on timing), so it prints as
its entries (mode, object id, stage, path) and its extensions instead of
the sha256 of its bytes.

A per-object error prints as ERROR(ENAME) in place of the value.  Exits
2 when ROOT is not a directory, else 0.
"""

import argparse
import errno
import hashlib
import os
import stat
import struct
import sys

TYPES = (
    (stat.S_ISREG, "f"),
    (stat.S_ISDIR, "d"),
    (stat.S_ISLNK, "l"),
    (stat.S_ISFIFO, "p"),
    (stat.S_ISSOCK, "s"),
    (stat.S_ISCHR, "c"),
    (stat.S_ISBLK, "b"),
)


def ename(e):
    return "ERROR(%s)" % errno.errorcode.get(e.errno, str(e.errno))


def esc(b):
    """bytes -> printable text: UTF-8 kept, controls, '|' and '\\' escaped"""
    s = b.decode("utf-8", "surrogateescape")
    out = []
    for ch in s:
        o = ord(ch)
        if 0xDC80 <= o <= 0xDCFF:  # an undecodable byte
            out.append("\\x%02x" % (o - 0xDC00))
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "|":
            out.append("\\|")
        elif o < 0x20 or o == 0x7F:
            out.append("\\x%02x" % o)
        else:
            out.append(ch)
    return "".join(out)


def walk(root):
    """yield (relpath bytes, lstat result or OSError) for everything below
    root, never following symlinks; unreadable directories yield an error
    entry for their listing"""
    stack = [b""]
    while stack:
        rel = stack.pop()
        full = os.path.join(root, rel) if rel else root
        try:
            with os.scandir(full) as it:
                names = [e.name for e in it]
        except OSError as e:
            yield (rel + b"/" if rel else b"") + b"<listing>", e
            continue
        for name in names:
            r = os.path.join(rel, name) if rel else name
            try:
                st = os.lstat(os.path.join(root, r))
            except OSError as e:
                yield r, e
                continue
            yield r, st
            if stat.S_ISDIR(st.st_mode):
                stack.append(r)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            h.update(chunk)
    return h.hexdigest()


def git_index(path):
    """the stat-independent part of a git index (versions 2 and 3), or
    None when the file is not one we can read"""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 32 or data[:4] != b"DIRC":
        return None
    version, count = struct.unpack(">II", data[4:12])
    if version not in (2, 3):
        return None
    pos = 12
    parts = ["v%d" % version]
    body_end = len(data) - 20  # trailing checksum of everything before
    for _ in range(count):
        start = pos
        mode = struct.unpack(">I", data[pos + 24:pos + 28])[0]
        oid = data[pos + 40:pos + 60].hex()
        flags = struct.unpack(">H", data[pos + 60:pos + 62])[0]
        pos += 62
        if version == 3 and flags & 0x4000:
            pos += 2
        end = data.index(b"\0", pos)
        name = data[pos:end]
        # entries are NUL padded to a multiple of 8 bytes
        pos = start + ((end - start) // 8 + 1) * 8
        parts.append("%o:%s:%d:%s" % (mode, oid, (flags >> 12) & 3, esc(name)))
    while pos + 8 <= body_end:
        sig = data[pos:pos + 4]
        size = struct.unpack(">I", data[pos + 4:pos + 8])[0]
        ext = data[pos + 8:pos + 8 + size]
        parts.append("ext:%s:%s" % (esc(sig), hashlib.sha256(ext).hexdigest()[:16]))
        pos += 8 + size
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), count


def fmt_value(v):
    try:
        t = v.decode("ascii")
        if all(0x20 <= ord(c) < 0x7F for c in t):
            return '"%s"' % t.replace("\\", "\\\\").replace('"', '\\"')
    except UnicodeDecodeError:
        pass
    return "0x" + v.hex()


def xattrs(path):
    try:
        names = sorted(n for n in os.listxattr(path, follow_symlinks=False)
                       if n.startswith("user."))
    except OSError as e:
        if e.errno in (errno.ENOTSUP, errno.EPERM):
            return ""
        return "xattrs=" + ename(e)
    items = []
    for n in names:
        try:
            v = os.getxattr(path, n, follow_symlinks=False)
            items.append("%s=%s" % (n, fmt_value(v)))
        except OSError as e:
            items.append("%s=%s" % (n, ename(e)))
    return " ".join(items)


def main():
    ap = argparse.ArgumentParser(description="dump a tree for comparison")
    ap.add_argument("--old-before", type=int, default=None, metavar="EPOCH",
                    help="print mtimes only when older than EPOCH")
    ap.add_argument("--owners", action="store_true",
                    help="print every object's UID:GID after its mode")
    ap.add_argument("root")
    args = ap.parse_args()
    root = os.fsencode(args.root)
    if not os.path.isdir(root):
        print("treedump: %s is not a directory" % args.root, file=sys.stderr)
        return 2
    cutoff_ns = None if args.old_before is None else args.old_before * 10**9

    entries = sorted(walk(root), key=lambda e: e[0])
    # hard-link groups among regular files with several links
    groups = {}
    for rel, st in entries:
        if isinstance(st, os.stat_result) and stat.S_ISREG(st.st_mode) \
                and st.st_nlink > 1:
            key = (st.st_dev, st.st_ino)
            if key not in groups or rel < groups[key]:
                groups[key] = rel

    out = sys.stdout.buffer
    for rel, st in entries:
        if isinstance(st, OSError):
            out.write(("%s | %s\n" % (esc(rel), ename(st))).encode())
            continue
        path = os.path.join(root, rel)
        t = next(c for test, c in TYPES if test(st.st_mode))
        fields = [esc(rel), t, "%04o" % stat.S_IMODE(st.st_mode)]
        if args.owners:
            fields.append("%d:%d" % (st.st_uid, st.st_gid))
        if t == "f":
            fields.append("size=%d" % st.st_size)
            digest = None
            try:
                if os.path.basename(rel) == b"index" and \
                        os.path.basename(os.path.dirname(rel)) == b".git":
                    gi = git_index(path)
                    if gi is not None:
                        # the size too depends on racy-git smudging
                        fields[-1] = "git-index-entries=%d" % gi[1]
                        digest = "git-index=" + gi[0]
                if digest is None:
                    digest = "sha256=" + sha256_file(path)
            except OSError as e:
                digest = "sha256=" + ename(e)
            fields.append(digest)
            if st.st_nlink > 1:
                fields.append("hl=" + esc(groups[(st.st_dev, st.st_ino)]))
        elif t == "l":
            try:
                fields.append("-> " + esc(os.readlink(path)))
            except OSError as e:
                fields.append("-> " + ename(e))
        elif t in "cb":
            fields.append("rdev=%d:%d" % (os.major(st.st_rdev), os.minor(st.st_rdev)))
        xa = xattrs(path)
        if xa:
            fields.append(xa)
        ns = st.st_mtime_ns
        if cutoff_ns is None or ns < cutoff_ns:
            fields.append("mtime=%d.%09d" % (ns // 10**9, ns % 10**9))
        else:
            fields.append("mtime=new")
        out.write((" | ".join(fields) + "\n").encode("utf-8", "surrogateescape"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
