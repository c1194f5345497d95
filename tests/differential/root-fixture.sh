#!/bin/bash
# tests/differential/root-fixture.sh - the lower tree of the differential
# suite, owned by root and a few other ids (run as root).
#
# usage: root-fixture.sh LOWERDIR
#
# Builds LOWERDIR/vtdata with fixture.sh, makes it root's (chown -R 0:0),
# then gives a few objects other owners, so that the scenarios meet the
# kinds of owner an unprivileged user finds in a system tree.  Any user
# can read all of it: veneer, run by an unprivileged user, can read (and
# so copy up) only what that user can read on the host, while root reads
# everything.  So the three objects of fixture.sh that others cannot read
# are opened to them here (their names keep the plain fixture's), and no
# object is the user's own: veneer shows the caller's own ids as 0 inside
# (as the kernel does; docs/design.md), which a native root never sees.
# The result is deterministic (same dump with owners for any build).
#
# Owners and modes (everything else 0:0, fixture.sh's modes):
#   files/words.txt        42:42   (sed -i, tar x, install over it)
#   tree/c/...             1:1     (the whole subtree; chmod -R, rm -rf, mv)
#   tree/c/x/f1            42:42
#   modes/m600             0:0     0604 (fixture.sh: 0600)
#   modes/m640             0:42    0644 (fixture.sh: 0640)
#   modes/d700             0:0     0705 (fixture.sh: 0700)
#   modes/d2755            0:42    setgid: new entries inherit group 42
#   owners/                0:0     0755, objects for the owner scenarios:
#     u42                  42:42   0644
#     g42                  0:42    0644
#     big                  3000000:3000000  0644 (an id far from any map)
#     nobody               65534:65534      0644 (the overflow id: what
#                                  the kernel shows for unmapped ids)
#     link -> u42          42:42   (a symlink's own owner)
#     suid42               42:42   4755 (setuid of another user)
#     sgid42               0:42    2755 (setgid file)
#     d1/                  1:1     0755, with d1/f 1:1 0644, d1/sub/ 1:1
#     sgid/                0:42    2775 (setgid dir), with sgid/f 0:42 0664
#     sticky/              0:0     1777, with sticky/of42 42:42 0644
set -euo pipefail
export LC_ALL=C TZ=UTC
umask 022

if [ $# -ne 1 ]; then
	echo "usage: $0 LOWERDIR" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "root-fixture: must run as root (it gives files to other ids)" >&2
	exit 2
fi
top=$1
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/fixture.sh" "$top"
D=$top/vtdata

# own IDS PATH...: chown -h, keeping the mode (a chown clears setuid and
# setgid bits of files, even root's)
own() {
	local ids=$1 p m
	shift
	for p in "$@"; do
		m=$(stat -c %a -- "$p")
		chown -h "$ids" -- "$p"
		[ -L "$p" ] || chmod "$m" -- "$p"
	done
}

# root's, all of it (files keep their setuid/setgid bits)
mapfile -t special < <(find "$D" -type f -perm /6000 -printf '%m %p\n')
chown -R -h 0:0 "$D"
for e in "${special[@]}"; do
	chmod "${e%% *}" -- "${e#* }"
done

own 42:42 "$D/files/words.txt"
chown -R -h 1:1 "$D/tree/c"
own 42:42 "$D/tree/c/x/f1"
chmod 0604 "$D/modes/m600"
chmod 0644 "$D/modes/m640"
own 0:42 "$D/modes/m640"
chmod 0705 "$D/modes/d700"
own 0:42 "$D/modes/d2755"

O=$D/owners
mkdir -m 0755 "$O"
# obj PATH MODE IDS [CONTENT]: a file
obj() {
	printf '%s\n' "${4:-$(basename "$1") of $3}" >"$1"
	chmod "$2" "$1"
	own "$3" "$1"
}
obj "$O/u42" 0644 42:42
obj "$O/g42" 0644 0:42
obj "$O/big" 0644 3000000:3000000
obj "$O/nobody" 0644 65534:65534
ln -s u42 "$O/link"
own 42:42 "$O/link"
obj "$O/suid42" 4755 42:42 '#!/bin/sh
echo "suid42 runs"'
obj "$O/sgid42" 2755 0:42 '#!/bin/sh
echo "sgid42 runs"'
mkdir -m 0755 "$O/d1" "$O/d1/sub"
obj "$O/d1/f" 0644 1:1
own 1:1 "$O/d1/sub" "$O/d1"
mkdir "$O/sgid"
chmod 2775 "$O/sgid"
own 0:42 "$O/sgid"
obj "$O/sgid/f" 0664 0:42
mkdir "$O/sticky"
chmod 1777 "$O/sticky"
obj "$O/sticky/of42" 0644 42:42

# nothing only root can read
if [ -n "$(find "$D" ! -type l ! -perm -o=r -print -quit)" ] ||
	[ -n "$(find "$D" -type d ! -perm -o=x -print -quit)" ]; then
	echo "root-fixture: others cannot read all of $D" >&2
	exit 1
fi

# the fixture's times again, for what was added (deepest first)
find "$D" -depth -exec touch -h -d '2001-02-03 04:05:06' {} +
