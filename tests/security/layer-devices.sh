#!/bin/bash
# finding: rendered binds (finding 3's class): device nodes of a layer
# invariant: a device node that a layer holds (a chroot's dev/ in lower /, a debootstrap'd base) never opens inside: rendered binds are nodev, so a sandbox run as root cannot reach the host's disks through one
# attack: over lower / and over a debootstrap'd base, open the base's dev/zero, dev/full and dev/urandom (character devices, 0666) by their layer paths for reading and writing
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
BASE=${VENEER_ROOT_FIXTURES:-/var/tmp/veneer-root-fixtures}/debian-base/root
[ -c "$BASE/dev/zero" ] || skip "no root fixture with device nodes at $BASE (tools/check makes it as root)"
sec_guard_start

PROBE='
import errno, os, sys
for p in sys.argv[1:]:
    for mode, flag in (("read", os.O_RDONLY), ("write", os.O_WRONLY)):
        try:
            os.close(os.open(p, flag)); print(p, mode, "opened")
        except OSError as e:
            print(p, mode, errno.errorcode.get(e.errno, e.errno))
'
# the base's nodes as a path of lower / ...
vrun_ok "$T/o" "$T/e" -- python3 -c "$PROBE" "$BASE/dev/zero" "$BASE/dev/full" "$BASE/dev/urandom"
# ... and as a second lower's, by a path outside the sandbox's own /dev
vrun_ok "$T/o2" "$T/e2" --lower "$BASE/dev" --lower / -- python3 -c "$PROBE" /zero /full /urandom
cat "$T/o" "$T/o2" | sed 's/^/  /'
if grep -q ' opened$' "$T/o" "$T/o2"; then
	fail "a device node of a layer opened inside"
fi
[ "$(grep -c ' EACCES$' "$T/o" "$T/o2" | awk -F: '{ s += $2 } END { print s }')" = 12 ] ||
	fail "every open of a layer's device node should be EACCES (nodev)"
sec_guard_check
echo "device nodes of the layers stay closed"
