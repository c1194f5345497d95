#!/bin/bash
# Calls on an fd made from a thread other than the process's first one:
# the supervisor takes a copy of the target's fd with pidfd_getfd, and a
# pidfd of a non-leader thread needs PIDFD_THREAD (Linux 6.9) or the
# thread group's leader.  Before the fix, a directory listed from a
# thread said ESRCH ("No such process"): Go, Java and Rust walkers
# (ripgrep, fd, cargo) list directories from worker threads.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3

mkdir -p "$T/L/d/sub"
for f in a b c; do echo "$f" >"$T/L/d/$f"; done
chmod 0644 "$T/L/d/a"
vrun_ok "$T/o" "$T/e" --lower "$T/L" --lower / --upper "$T/U" -- python3 -c '
import os, stat, threading

out = []
def work():
    try:
        out.append("listdir: " + " ".join(sorted(os.listdir("/d"))))
        out.append("scandir: " + " ".join(sorted(e.name for e in os.scandir("/d") if e.is_file())))
        dfd = os.open("/d", os.O_RDONLY | os.O_DIRECTORY)
        out.append("fd listdir: " + " ".join(sorted(os.listdir(dfd))))
        out.append("fstat dir: %o" % stat.S_IMODE(os.fstat(dfd).st_mode))
        os.close(dfd)
        fd = os.open("/d/a", os.O_RDONLY)
        os.fchmod(fd, 0o600)  # a copy-up, and the fd pointed at the copy
        out.append("fchmod: %o" % stat.S_IMODE(os.fstat(fd).st_mode))
        out.append("read: " + os.read(fd, 10).decode().strip())
        os.close(fd)
    except Exception as e:
        out.append("error: %r" % e)

t = threading.Thread(target=work)
t.start()
t.join()
print("\n".join(out))
'
assert_eq "listdir: a b c sub
scandir: a b c
fd listdir: a b c sub
fstat dir: 755
fchmod: 600
read: a" "$(cat "$T/o")" "fd calls from a second thread"
[ "$(stat -c %a "$T/U/d/a")" = 600 ] || fail "fchmod from a thread did not reach the upper"
[ "$(stat -c %a "$T/L/d/a")" = 644 ] || fail "fchmod from a thread changed the lower"
echo "ok: fd calls from a non-leader thread"
