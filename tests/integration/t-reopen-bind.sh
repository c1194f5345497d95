#!/bin/bash
# Files read again and again: from its second read-only open a file is
# bound read-only in the view and the open is continued (the kernel opens
# the bind; no ADDFD).  The view is a cache of the union, so every later
# change must show through it: a write that copies the file up, an
# unlink, a rename, a file renamed over it; an fd from such an open is
# the union's file for the calls that follow (fstat, fchmod, the copy-up
# of a write by the same process); the presented permission check still
# comes first; and the lower never changes.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3 setpriv sha256sum

mkdir -p "$T/L/d"
echo one >"$T/L/d/f"
echo gee >"$T/L/d/g"
echo other >"$T/L/d/other"
echo secret >"$T/L/d/private"
chmod 0644 "$T/L/d/f" "$T/L/d/g" "$T/L/d/other"
chmod 0600 "$T/L/d/private"
before=$(cd "$T/L" && find . -type f -exec sha256sum {} + | sort)

vrun_ok "$T/o" "$T/e" --lower "$T/L" --lower / --upper "$T/U" -- python3 -c '
import os, stat, subprocess

def read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError as e:
        return os.strerror(e.errno)

def bound(path):
    with open("/proc/self/mountinfo") as m:
        return any(line.split()[4] == path for line in m)

out = []
for i in range(3):
    out.append("read %d: %s" % (i, read("/d/f")))
out.append("bound after reads: %s" % bound("/d/f"))

# an fd from a continued open is the union file
fd = os.open("/d/f", os.O_RDONLY)
st = os.fstat(fd)
out.append("fstat size: %d" % st.st_size)
out.append("fd link: %s" % os.readlink("/proc/self/fd/%d" % fd))
# this process copies the file up by writing it: its reader follows
with open("/d/f", "a") as w:
    w.write("two\n")
out.append("held fd reads: %s" % os.pread(fd, 100, 0).decode().split())
os.close(fd)
out.append("after append: %s" % read("/d/f").split())

# renamed and removed names go from the view too
for i in range(2):
    read("/d/g")
os.rename("/d/g", "/d/h")
out.append("old name: %s" % read("/d/g"))
out.append("new name: %s" % read("/d/h"))
for i in range(2):
    read("/d/h")
os.unlink("/d/h")
out.append("unlinked: %s" % read("/d/h"))

# a file renamed over a bound one
for i in range(2):
    read("/d/other")
with open("/d/new", "w") as w:
    w.write("replaced\n")
os.rename("/d/new", "/d/other")
out.append("renamed over: %s" % read("/d/other"))

# the presented permission check comes before any continue
for i in range(3):
    read("/d/private")
r = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                    "cat", "/d/private"], capture_output=True, text=True)
out.append("nobody reads private: exit %d" % r.returncode)
print("\n".join(out))
'
assert_eq "read 0: one
read 1: one
read 2: one
bound after reads: True
fstat size: 4
fd link: /d/f
held fd reads: ['one', 'two']
after append: ['one', 'two']
old name: No such file or directory
new name: gee
unlinked: No such file or directory
renamed over: replaced
nobody reads private: exit 1" "$(cat "$T/o")" "reopened files follow the union"

after=$(cd "$T/L" && find . -type f -exec sha256sum {} + | sort)
[ "$before" = "$after" ] || fail "the lower changed"
[ "$(cat "$T/U/d/f")" = "one
two" ] || fail "the append did not reach the upper"
[ "$(cat "$T/U/d/other")" = replaced ] || fail "the rename over did not reach the upper"
echo "ok: files read again and again are bound and follow the union"
