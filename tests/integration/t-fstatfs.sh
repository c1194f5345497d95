#!/bin/bash
# fstatfs of an fd says what statfs of its path says.  A lower file's fd
# is the layer's own file, whose mount is read-only to the supervisor, so
# the kernel's answer said ST_RDONLY where the union is writable; and a
# directory's fd is a view directory, whose file system is the view's.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3

mkdir -p "$T/L/d"
echo low >"$T/L/d/low"
vrun_ok "$T/o" "$T/e" --lower "$T/L" --lower / --upper "$T/U" -- python3 -c '
import os
open("/d/up", "w").write("up\n")
for path, flags in (("/d/low", os.O_RDONLY), ("/d/up", os.O_RDONLY), ("/d/up", os.O_WRONLY),
                    ("/d", os.O_RDONLY | os.O_DIRECTORY), ("/proc/self/stat", os.O_RDONLY)):
    fd = os.open(path, flags)
    by_fd, by_path = os.fstatvfs(fd), os.statvfs(path)
    os.close(fd)
    same = (by_fd.f_flag & os.ST_RDONLY, by_fd.f_bsize, by_fd.f_namemax) == \
           (by_path.f_flag & os.ST_RDONLY, by_path.f_bsize, by_path.f_namemax)
    print("%s: %s ro=%d" % (path, "same" if same else "DIFFERENT", by_fd.f_flag & os.ST_RDONLY))
'
assert_eq "/d/low: same ro=0
/d/up: same ro=0
/d/up: same ro=0
/d: same ro=0
/proc/self/stat: same ro=0" "$(cat "$T/o")" "fstatvfs of an fd against statvfs of its path"
echo "ok: fstatfs of an fd is its path's statfs"
