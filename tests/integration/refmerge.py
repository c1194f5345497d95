#!/usr/bin/python3
"""refmerge.py - the reference union merge (test oracle).

usage: refmerge.py DEST LAYER [LAYER...]

LAYERs are given upper first, then the lowers topmost first (the order
of veneer's --upper and --lower options).  DEST (which must not exist,
or be an empty directory) receives a plain copy of the union those
layers make, computed natively without veneer, so that the tree veneer
presents can be compared with it by ordinary tools.

Union rules (the veneer contract, architecture.md section 5, which is
the kernel overlayfs lookup plus the OCI layer format):

  * Lookup of a name in a merged directory walks the layers from the top
    and takes the first layer that has the name.
  * A whiteout hides the name in every layer below it.  Two formats:
      - OCI/AUFS: a file ".wh.NAME" next to where NAME would be;
      - overlayfs: NAME itself is a character device 0/0.
    An entry NAME present in the same layer as ".wh.NAME" wins (OCI:
    a whiteout only applies to the layers below its own).
  * A directory merges with the directories of the same path in the
    layers below it, until
      - a layer below has a non-directory or a whiteout there, or
      - the directory is opaque: it holds ".wh..wh..opq" (OCI), or has
        the xattr trusted.overlay.opaque or user.overlay.opaque = "y";
        its own entries count, the layers below do not.
    A non-directory on top of a directory hides it (and everything
    below); a directory on top of a non-directory hides it.
  * Names starting with ".wh." never appear in the union (that also
    hides veneer's state directory ".wh..wh..veneer" in the upper).
  * A merged directory has the metadata (mode, times) of its topmost
    layer's directory.

The copy keeps types, modes (including setuid/setgid/sticky), mtimes
(to the nanosecond), symlink targets as they are, FIFOs, holes in
sparse files (only data extents are written), user.* xattrs other than
user.overlay.*, and hard links among names of one layer (two names of
one layer that share an inode share one in DEST).  Owners are kept when
run as root.  Note: a hard-link group only part of which is visible in
the union gets a smaller st_nlink in DEST than the layer file has; the
tests build stacks where each group is visible whole.

Exit status 0 on success; 1 with a message on stderr otherwise.
"""

import errno
import os
import stat
import sys

WH_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
OPAQUE_XATTRS = ("trusted.overlay.opaque", "user.overlay.opaque")


class MergeError(Exception):
    pass


def is_overlay_whiteout(st):
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == os.makedev(0, 0)


def has_opaque_xattr(path):
    for name in OPAQUE_XATTRS:
        try:
            if os.getxattr(path, name, follow_symlinks=False) == b"y":
                return True
        except OSError as e:
            if e.errno not in (errno.ENODATA, errno.ENOTSUP, errno.EPERM,
                               errno.EACCES):
                raise
    return False


class Dir:
    """One layer's directory taking part in a merged directory."""

    def __init__(self, layer, path, st):
        self.layer = layer
        self.path = path
        self.st = st
        self.names = set(os.listdir(path))

    def is_opaque(self):
        return OPAQUE_MARKER in self.names or has_opaque_xattr(self.path)


class Merger:
    def __init__(self, layers):
        self.layers = layers
        # (layer index, st_dev, st_ino) -> first DEST path of that inode
        self.links = {}
        self.is_root = os.geteuid() == 0

    # -- lookup ---------------------------------------------------------

    def resolve(self, parents, name):
        """Resolve NAME in the merged directory made of PARENTS.

        Returns None (not in the union), ("dir", [Dir, ...]) topmost
        first, or ("file", layer, path, stat_result).
        """
        dirs = []
        for parent in parents:
            path = os.path.join(parent.path, name)
            if name in parent.names:
                st = os.lstat(path)
                if is_overlay_whiteout(st):
                    break
                if stat.S_ISDIR(st.st_mode):
                    d = Dir(parent.layer, path, st)
                    dirs.append(d)
                    if d.is_opaque() or WH_PREFIX + name in parent.names:
                        break
                    continue
                if dirs:
                    break  # a non-directory below a directory: hidden
                return ("file", parent.layer, path, st)
            if WH_PREFIX + name in parent.names:
                break
        if dirs:
            return ("dir", dirs)
        return None

    # -- copying --------------------------------------------------------

    def copy_xattrs(self, src, dst):
        try:
            names = os.listxattr(src, follow_symlinks=False)
        except OSError:
            return
        for name in names:
            if not name.startswith("user.") or \
                    name.startswith("user.overlay."):
                continue
            value = os.getxattr(src, name, follow_symlinks=False)
            os.setxattr(dst, name, value, follow_symlinks=False)

    def set_meta(self, dst, st, is_link=False):
        if self.is_root:
            os.lchown(dst, st.st_uid, st.st_gid)
        if not is_link:
            os.chmod(dst, stat.S_IMODE(st.st_mode))
        os.utime(dst, ns=(st.st_atime_ns, st.st_mtime_ns),
                 follow_symlinks=False)

    @staticmethod
    def copy_data(src, dst, size):
        """Copy the data extents of SRC into DST, leaving holes."""
        fd_in = os.open(src, os.O_RDONLY | os.O_CLOEXEC)
        try:
            fd_out = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                             os.O_CLOEXEC, 0o600)
            try:
                offset = 0
                while offset < size:
                    try:
                        data = os.lseek(fd_in, offset, os.SEEK_DATA)
                    except OSError as e:
                        if e.errno == errno.ENXIO:
                            break  # only a hole is left
                        raise
                    hole = os.lseek(fd_in, data, os.SEEK_HOLE)
                    pos = data
                    while pos < hole:
                        chunk = os.pread(fd_in, min(1 << 20, hole - pos),
                                         pos)
                        if not chunk:
                            break
                        os.pwrite(fd_out, chunk, pos)
                        pos += len(chunk)
                    offset = hole
                os.ftruncate(fd_out, size)
            finally:
                os.close(fd_out)
        finally:
            os.close(fd_in)

    def copy_nondir(self, layer, src, st, dst):
        mode = st.st_mode
        if st.st_nlink > 1:
            key = (layer, st.st_dev, st.st_ino)
            first = self.links.get(key)
            if first is not None:
                os.link(first, dst)
                return
            self.links[key] = dst
        if stat.S_ISREG(mode):
            self.copy_data(src, dst, st.st_size)
        elif stat.S_ISLNK(mode):
            os.symlink(os.readlink(src), dst)
            self.set_meta(dst, st, is_link=True)
            return
        elif stat.S_ISFIFO(mode):
            os.mkfifo(dst, 0o600)
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            # needs CAP_MKNOD; the test stacks hold no devices
            os.mknod(dst, mode, st.st_rdev)
        else:
            raise MergeError("%s: cannot copy this file type (mode %o)"
                             % (src, mode))
        self.copy_xattrs(src, dst)
        self.set_meta(dst, st)

    def merge_dir(self, dirs, dst):
        """Fill the existing directory DST with the merge of DIRS."""
        names = set()
        for d in dirs:
            names.update(n for n in d.names if not n.startswith(WH_PREFIX))
        for name in sorted(names):
            found = self.resolve(dirs, name)
            if found is None:
                continue
            target = os.path.join(dst, name)
            if found[0] == "dir":
                os.mkdir(target, 0o700)
                self.merge_dir(found[1], target)
            else:
                _, layer, path, st = found
                self.copy_nondir(layer, path, st, target)
        top = dirs[0]
        self.copy_xattrs(top.path, dst)
        self.set_meta(dst, top.st)

    def run(self, dest):
        roots = []
        for index, layer in enumerate(self.layers):
            st = os.stat(layer)
            if not stat.S_ISDIR(st.st_mode):
                raise MergeError("%s: not a directory" % layer)
            d = Dir(index, layer, st)
            roots.append(d)
            if d.is_opaque():
                break
        if os.path.lexists(dest):
            if not os.path.isdir(dest) or os.listdir(dest):
                raise MergeError("%s: exists and is not an empty directory"
                                 % dest)
        else:
            os.mkdir(dest, 0o700)
        self.merge_dir(roots, dest)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        sys.stderr.write("usage: refmerge.py DEST LAYER [LAYER...]\n"
                         "  (upper first, then lowers topmost first)\n")
        return 2
    try:
        Merger(argv[2:]).run(argv[1])
    except (OSError, MergeError) as e:
        sys.stderr.write("refmerge.py: %s\n" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
