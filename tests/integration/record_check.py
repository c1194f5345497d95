#!/usr/bin/python3
"""t-record's judge: a record of `veneer run --record` against strace.

usage: record_check.py RECORD STRACE-PREFIX LOWER BUILD-DIR

RECORD is the JSON lines veneer wrote for a build run over --lower LOWER
--lower /; STRACE-PREFIX names the files `strace -f -ff -y -e trace=%file
-o STRACE-PREFIX` wrote for the same build run natively, in BUILD-DIR,
over a copy of LOWER at the same paths.  Every line must be valid JSON,
sorted by path, each path once; the paths read must be the ones the
native build read, and the paths changed the ones it left written.
Prints what differs and exits 1, else exits 0.

What strace sees and the record does not (or the other way round), and
is left out of the comparison:
  - /proc, /dev and /sys: the kernel answers for them, not the union;
  - a program's ELF interpreter: the kernel opens it in execve, with no
    call of its own natively; the sandbox resolves it in the union (it
    is read), so it is added to what strace says was read;
  - gcc's temporary files (/tmp/ccXXXXXX.*): random names, which differ
    between the two runs; written and removed, never a change;
  - calls on an fd ("" with AT_EMPTY_PATH): no path is looked up.
A readlink that fails with EINVAL read an object (one that is not a
symlink); a lookup that failed with ENOENT is judged against the tree as
the build left it, so a name made later is missing as itself.
"""
import json
import os
import re
import stat
import sys

EXCLUDED = ("/proc", "/dev", "/sys")
TEMP = re.compile(r"^/tmp/cc[A-Za-z0-9]{6}")

# calls whose first path argument (after a dirfd for the *at forms) is
# only looked at, and whether they follow a trailing symlink
READERS = {
    "stat": True, "lstat": False, "access": True, "faccessat": True,
    "faccessat2": True, "readlink": False, "readlinkat": False,
    "execve": True, "execveat": True, "chdir": True, "statfs": True,
    "getxattr": True, "lgetxattr": False, "listxattr": True,
    "llistxattr": False,
}
WRITERS = {"mkdir", "mkdirat", "unlink", "unlinkat", "rename", "renameat",
           "renameat2", "link", "linkat", "symlink", "symlinkat", "chmod",
           "fchmodat", "chown", "lchown", "fchownat", "utimensat", "truncate",
           "creat", "mknod", "mknodat", "rmdir"}
AT_CALLS = {"openat", "openat2", "newfstatat", "statx", "faccessat",
            "faccessat2", "readlinkat", "execveat", "mkdirat", "unlinkat",
            "renameat", "renameat2", "linkat", "fchownat", "fchmodat",
            "utimensat", "mknodat"}

LINE = re.compile(r'^(\w+)\((.*)\) += (-?\d+|0x[0-9a-f]+|\?)(?: (\w+))?')
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')
FD = re.compile(r'^(-?\d+|AT_FDCWD)(?:<([^>]*)>)?')


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1").decode(
        "utf-8", "surrogateescape")


def walk(path, follow_last, links):
    """The path as the kernel resolves it on this host, each symlink met
    added to links; (resolved, first missing component or None)."""
    parts = [p for p in path.split("/") if p]
    cur = "/"
    depth = 0
    while parts:
        name = parts.pop(0)
        if name == ".":
            continue
        if name == "..":
            cur = os.path.dirname(cur) or "/"
            continue
        nxt = os.path.join(cur, name)
        try:
            st = os.lstat(nxt)
        except OSError:
            return nxt, nxt
        if stat.S_ISLNK(st.st_mode) and (parts or follow_last):
            depth += 1
            if depth > 40:
                return nxt, None
            links.add(nxt)
            target = os.readlink(nxt)
            parts = [p for p in target.split("/") if p] + parts
            if target.startswith("/"):
                cur = "/"
            continue
        cur = nxt
    return cur, None


def elf_interpreter(path):
    """PT_INTERP of the ELF file at path, or None."""
    try:
        with open(path, "rb") as f:
            data = f.read(1 << 16)
    except OSError:
        return None
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    phoff = int.from_bytes(data[32:40], "little")
    phentsize = int.from_bytes(data[54:56], "little")
    phnum = int.from_bytes(data[56:58], "little")
    for i in range(phnum):
        ph = data[phoff + i * phentsize: phoff + (i + 1) * phentsize]
        if int.from_bytes(ph[0:4], "little") == 3:
            off = int.from_bytes(ph[8:16], "little")
            size = int.from_bytes(ph[32:40], "little")
            return data[off:off + size].rstrip(b"\0").decode()
    return None


def excluded(path):
    return any(path == e or path.startswith(e + "/") for e in EXCLUDED)


def normal(path):
    return TEMP.sub("/tmp/ccXXXXXX", path)


def native(prefix, build_dir):
    """What the native build read, looked up missing, and wrote."""
    read, missing, written = set(), set(), set()
    d = os.path.dirname(prefix) or "."
    base = os.path.basename(prefix)
    for name in sorted(os.listdir(d)):
        if not name.startswith(base + "."):
            continue
        for raw in open(os.path.join(d, name), encoding="latin-1"):
            m = LINE.match(raw.strip())
            if not m:
                continue
            call, args, ret, err = m.groups()
            s = STRING.search(args)
            if not s:
                continue
            path = unescape(s.group(1))
            start = build_dir
            if call in AT_CALLS:
                fd = FD.match(args)
                if fd and fd.group(2):
                    start = fd.group(2)
            if path == "":
                continue  # an fd's own object
            if not path.startswith("/"):
                path = os.path.join(start, path)
            flags = args[s.end():]
            nofollow = "AT_SYMLINK_NOFOLLOW" in flags or "O_NOFOLLOW" in flags
            ok = not ret.startswith("-")
            if call in ("open", "openat", "openat2", "creat"):
                writes = call == "creat" or any(
                    f in flags for f in ("O_WRONLY", "O_CREAT", "O_TRUNC"))
                links = set()
                final, gone = walk(path, not nofollow, links)
                if writes:
                    if ok:
                        written.add(final)
                    continue
                read.update(links)
                if ok:
                    read.add(final)
                elif err == "ENOENT":
                    missing.add(gone or final)  # made later: there now
            elif call in READERS or call in ("newfstatat", "statx"):
                follow = READERS.get(call, True) and not nofollow
                links = set()
                final, gone = walk(path, follow, links)
                read.update(links)
                if ok:
                    read.add(final)
                    interp = elf_interpreter(final) if call.startswith("execve") else None
                    if interp:
                        ilinks = set()
                        ifinal, _ = walk(interp, True, ilinks)
                        read.update(ilinks)
                        read.add(ifinal)
                elif err == "ENOENT":
                    missing.add(gone or final)
                elif err == "EINVAL" and call.startswith("readlink"):
                    read.add(final)  # there, and not a symlink
            elif call in WRITERS and ok:
                links = set()
                final, _ = walk(path, False, links)
                written.add(final)
    keep = lambda s: {normal(p) for p in s if not excluded(p)}
    return keep(read), keep(missing), keep(written)


def main():
    record, prefix, lower, build_dir = sys.argv[1:5]
    bad = []
    entries = []
    for n, line in enumerate(open(record, encoding="utf-8"), 1):
        try:
            entries.append(json.loads(line))
        except ValueError as e:
            bad.append(f"line {n} is not JSON: {e}: {line!r}")
    paths = [e["path"] for e in entries]
    if paths != sorted(paths, key=lambda p: p.encode("utf-8", "surrogateescape")):
        bad.append("the record is not sorted by path")
    if len(paths) != len(set(paths)):
        bad.append("a path has more than one line")
    rec_read = {normal(e["path"]) for e in entries if e.get("read")}
    rec_missing = {normal(e["path"]) for e in entries if e.get("missing")}
    rec_changed = {normal(e["path"]) for e in entries if "changed" in e}
    n_read, n_missing, n_written = native(prefix, build_dir)
    # what the native build wrote and left: the changes
    n_changed = {p for p in n_written if os.path.lexists(p) and not TEMP.match(p)}
    for what, rec, nat in (("read", rec_read, n_read), ("changed", rec_changed, n_changed),
                           ("missing", rec_missing, n_missing)):
        for p in sorted(rec - nat):
            bad.append(f"{what}: in the record, not natively: {p}")
        for p in sorted(nat - rec):
            bad.append(f"{what}: natively, not in the record: {p}")
    for line in bad:
        print(line)
    print(f"compared: {len(rec_read)} read, {len(rec_missing)} missing, "
          f"{len(rec_changed)} changed", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
