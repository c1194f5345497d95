#!/bin/bash
# finding: rendered binds (finding 3's class): device nodes of a layer
# invariant: a device node that a layer holds (a chroot's dev/ in lower /, a debootstrap'd base) never opens as itself: rendered binds are nodev, so a sandbox run as root cannot reach the host's disks, consoles or terminals through one; only a node numbered like one of the sandbox's own /dev (null, zero, full, random, urandom, tty) opens, as the host's node of that number, so a chroot's dev/null works
# attack: over lower / and over a debootstrap'd base, open the base's dev/console and dev/ptmx (character devices, 0666, not the sandbox's) and dev/zero, dev/full, dev/urandom by their layer paths for reading and writing; the first must fail with EACCES, the others must be the very inodes of the sandbox's /dev
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
BASE=${VENEER_ROOT_FIXTURES:-/var/tmp/veneer-root-fixtures}/debian-base/root
[ -c "$BASE/dev/zero" ] && [ -c "$BASE/dev/ptmx" ] ||
	skip "no root fixture with device nodes at $BASE (tools/check makes it as root)"
sec_guard_start

# prints "PATH MODE opened same|other" (same: the sandbox's own /dev/NAME's
# inode) or "PATH MODE ERRNO"
PROBE='
import errno, os, sys
for p in sys.argv[1:]:
    for mode, flag in (("read", os.O_RDONLY), ("write", os.O_WRONLY)):
        try:
            fd = os.open(p, flag | os.O_NOCTTY)
        except OSError as e:
            print(p, mode, errno.errorcode.get(e.errno, e.errno)); continue
        st = os.fstat(fd); os.close(fd)
        own = os.stat("/dev/" + os.path.basename(p))
        same = (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)
        print(p, mode, "opened", "same" if same else "other")
'
# the base's nodes as a path of lower / ...
vrun_ok "$T/o" "$T/e" -- python3 -c "$PROBE" "$BASE/dev/console" "$BASE/dev/ptmx" \
	"$BASE/dev/zero" "$BASE/dev/full" "$BASE/dev/urandom"
# ... and as a second lower's, by a path outside the sandbox's own /dev
vrun_ok "$T/o2" "$T/e2" --lower "$BASE/dev" --lower / -- python3 -c "$PROBE" /console /ptmx \
	/zero /full /urandom
cat "$T/o" "$T/o2" | sed 's/^/  /'
if grep -E '/(console|ptmx) .* opened' "$T/o" "$T/o2"; then
	fail "a layer's console or ptmx node opened inside"
fi
if grep ' other$' "$T/o" "$T/o2"; then
	fail "a layer's device node opened as itself, not as the sandbox's own node"
fi
if on_hostroot; then
	# without a view no device node of the union opens at all: the
	# supervisor would open the layer's node outside Landlock
	[ "$(grep -Ec ' (EOPNOTSUPP|ENOTSUP)$' "$T/o" "$T/o2" | awk -F: '{ s += $2 } END { print s }')" = 20 ] ||
		fail "every open of a layer's device node should be EOPNOTSUPP on notify-hostroot"
	sec_guard_check
	exit 0
fi
[ "$(grep -Ec '/(console|ptmx) .* EACCES$' "$T/o" "$T/o2" | awk -F: '{ s += $2 } END { print s }')" = 8 ] ||
	fail "every open of a layer's console or ptmx should be EACCES (nodev)"
[ "$(grep -c ' opened same$' "$T/o" "$T/o2" | awk -F: '{ s += $2 } END { print s }')" = 12 ] ||
	fail "the base's zero, full and urandom should open as the sandbox's own nodes"
sec_guard_check
echo "device nodes of the layers open only as the sandbox's own null, zero, full, random, urandom, tty"
