#!/bin/bash
# Device nodes made inside (mknod as the sandbox's root), with presented
# ownership, as an unprivileged user: the character devices a container
# may make (null zero full random urandom tty console ptmx) are made,
# show as devices (stat, statx, lstat, getdents, ls), keep their number
# through chmod, chown, rename, link and a restart, and open as the host's
# node of their number (console and ptmx: ENXIO).  Any other number, a
# block device, an identity without CAP_MKNOD, or the kernel's ids: EPERM.
# On the host the upper holds empty regular files and nothing with a
# device number; `veneer diff` and `veneer export` show the devices; the
# lower (the host's /) is unchanged.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented), which mknod of devices needs"
[ "$MY_UID" != 0 ] || skip "presented ownership is for unprivileged users (root maps every id)"
require_cmd setpriv python3 tar od
require_prog vt-probe
D=/vtdev-$$
require_free_host_path "$D"

U=$T/upper
mkdir -p "$T/cwd"
cd "$T/cwd"

# ------------------------------------------------------------- making them
vrun_ok "$T/1.out" "$T/1.err" --ids presented --lower / --upper "$U" -- sh -c '
	set -e
	mkdir -p "$1/d" && cd "$1/d"
	mknod null c 1 3; mknod zero c 1 5; mknod full c 1 7; mknod random c 1 8
	mknod urandom c 1 9; mknod tty c 5 0; mknod console c 5 1; mknod -m 620 ptmx c 5 2
	chmod 666 null zero
	stat -c "%n %F %t %T %a %U %s" console full null ptmx random tty urandom zero
	ls -l | awk "NR > 1 { print \$1, \$5, \$6, \$NF }"
	python3 -c "
import os, stat, sys
for n in sys.argv[1:]:
    l, s = os.lstat(n), os.stat(n)
    assert stat.S_ISCHR(l.st_mode) and (l.st_mode, l.st_rdev) == (s.st_mode, s.st_rdev), n
    print(n, os.major(l.st_rdev), os.minor(l.st_rdev), oct(l.st_mode))
" null ptmx
	echo test >null && echo "wrote to null"
	head -c 4 zero | od -An -tx1
	cat urandom | head -c 16 | wc -c
	head -c 8 random | wc -c
	head -c 4 full | od -An -tx1
	if echo x >full 2>/dev/null; then echo "full took a write"; else echo "full: no space"; fi
	# what debootstrap checks before it makes /dev
	mknod ../test-dev-null c 1 3 && echo test >../test-dev-null && rm ../test-dev-null
	echo "debootstrap check passed"
' sh "$D"
cat >"$T/want" <<'EOF'
console character special file 5 1 644 root 0
full character special file 1 7 644 root 0
null character special file 1 3 666 root 0
ptmx character special file 5 2 620 root 0
random character special file 1 8 644 root 0
tty character special file 5 0 644 root 0
urandom character special file 1 9 644 root 0
zero character special file 1 5 666 root 0
crw-r--r-- 5, 1 console
crw-r--r-- 1, 7 full
crw-rw-rw- 1, 3 null
crw--w---- 5, 2 ptmx
crw-r--r-- 1, 8 random
crw-r--r-- 5, 0 tty
crw-r--r-- 1, 9 urandom
crw-rw-rw- 1, 5 zero
null 1 3 0o20666
ptmx 5 2 0o20620
wrote to null
 00 00 00 00
16
8
 00 00 00 00
full: no space
debootstrap check passed
EOF
assert_files_eq "$T/want" "$T/1.out" "mknod inside: stat, ls, lstat agree; the devices work"

# getdents64 says DT_CHR (vt-probe compares every entry's d_type with lstat)
vrun_ok "$T/probe" "$T/e" --ids presented --lower / --upper "$U" -- "$PROGS/vt-probe" "$D/d"
grep -q '^identity: OK' "$T/probe" || { show_file probe "$T/probe"; fail "vt-probe: d_type or identities disagree"; }
for n in console full null ptmx random tty urandom zero; do
	grep -Eq "^  $n c " "$T/probe" || { show_file probe "$T/probe"; fail "getdents64 does not list $n as a character device"; }
done

# ---------------------------------------------------- what opens, what not
vrun "$T/2.out" "$T/2.err" --ids presented --lower / --upper "$U" -- sh -c '
	cd "$1/d"
	for n in console ptmx; do cat $n 2>&1 | sed "s/^[^:]*: //"; done
	python3 -c "
import errno, os
for n in (\"console\", \"ptmx\"):
    for fl in (os.O_RDWR, os.O_RDONLY | os.O_NOCTTY):
        try:
            os.close(os.open(n, fl)); print(n, \"opened\")
        except OSError as e:
            print(n, errno.errorcode[e.errno])
"
	mknod sda c 8 0 2>&1 | sed "s/^[^:]*: //"
	mknod mem c 1 1 2>&1 | sed "s/^[^:]*: //"
	mknod blk b 1 3 2>&1 | sed "s/^[^:]*: //"
	python3 -c "
import os, errno
try:
    os.mknod(\"sda1\", 0o660 | 0o060000, os.makedev(8, 1)); print(\"made sda1\")
except OSError as e:
    print(\"mknod b 8:1\", errno.errorcode[e.errno])
"
	setpriv --reuid=65534 --regid=65534 --clear-groups mknod /tmp/vtdev-nobody-$$ c 1 3 2>&1 |
		sed "s/^[^:]*: //"
	ls sda mem blk sda1 /tmp/vtdev-nobody-$$ 2>&1 | sed "s/^[^:]*: //"
' sh "$D"
cat >"$T/want" <<'EOF'
console: No such device or address
ptmx: No such device or address
console ENXIO
console ENXIO
ptmx ENXIO
ptmx ENXIO
sda: Operation not permitted
mem: Operation not permitted
blk: Operation not permitted
mknod b 8:1 EPERM
/tmp/vtdev-nobody-PID: Operation not permitted
cannot access 'sda': No such file or directory
cannot access 'mem': No such file or directory
cannot access 'blk': No such file or directory
cannot access 'sda1': No such file or directory
cannot access '/tmp/vtdev-nobody-PID': No such file or directory
EOF
sed -E 's/vtdev-nobody-[0-9]+/vtdev-nobody-PID/' "$T/2.out" >"$T/2.norm"
assert_files_eq "$T/want" "$T/2.norm" "console/ptmx ENXIO; other numbers, block devices, a non-root: EPERM"

# --------------------------------------- kept through changes and a restart
vrun_ok "$T/3.out" "$T/3.err" --ids presented --lower / --upper "$U" -- sh -c '
	set -e
	cd "$1/d"
	chown 5:6 zero && chmod 640 zero
	mv zero zero2 && ln zero2 zero3 && ln null null2 && rm null2
	stat -c "%n %F %t %T %a %u:%g %h" null zero2 zero3
' sh "$D"
vrun_ok "$T/4.out" "$T/4.err" --ids presented --lower / --upper "$U" -- sh -c '
	cd "$1/d" && stat -c "%n %F %t %T %a %u:%g %h" null zero2 zero3 && head -c 2 zero3 | od -An -tx1
' sh "$D"
cat >"$T/want" <<'EOF'
null character special file 1 3 666 0:0 1
zero2 character special file 1 5 640 5:6 2
zero3 character special file 1 5 640 5:6 2
EOF
assert_files_eq "$T/want" "$T/3.out" "chown, chmod, rename and link keep a device"
echo " 00 00" >>"$T/want"
assert_files_eq "$T/want" "$T/4.out" "a restart keeps the devices"

# ------------------------------------------------ with the kernel's ids
vrun "$T/5.out" "$T/5.err" --ids kernel --lower / --upper "$T/upper-kernel" -- \
	sh -c 'mkdir -p "$1" && mknod "$1/null" c 1 3 2>&1 | sed "s/^[^:]*: //"' sh "$D"
assert_eq "$D/null: Operation not permitted" "$(cat "$T/5.out")" "mknod with the kernel's ids: EPERM, as before"

# ------------------------------------------- mknod -m (chmod through an fd)
# coreutils' mknod -m chmods through /proc/self/fd/N of an O_PATH fd on the
# new node (glibc 2.36's fchmodat): that fd is on the host node's
# read-only bind, and the chmod must reach the union's node
vrun_ok "$T/6.out" "$T/6.err" --ids presented --lower / --upper "$T/upper-m" -- sh -c '
	mkdir -p "$1" && cd "$1" &&
	mknod -m 640 null c 1 3 && mknod -m 604 zero c 1 5 && mknod -m 600 tty c 5 0 &&
	stat -c "%n %F %t:%T %a" null zero tty && echo discarded >null' _ "$D/m"
assert_eq "null character special file 1:3 640
zero character special file 1:5 604
tty character special file 5:0 600" "$(cat "$T/6.out")" "mknod -m gives the modes asked for"

# ------------------------------------------------------------- the host
[ ! -e "$D" ] && [ ! -L "$D" ] || fail "the lower (the host's /) changed: $D exists"
odd=$(find "$U" "$T/upper-kernel" "$T/upper-m" ! -type f ! -type d -printf '%y %p\n')
assert_eq "" "$odd" "the uppers hold only regular files and directories"
for n in console full null ptmx random tty urandom zero2; do
	[ -f "$U$D/d/$n" ] && [ ! -s "$U$D/d/$n" ] || fail "$U$D/d/$n is not an empty regular file"
done

# ---------------------------------------------------- the layer tools
"$VENEER" diff "$U" >"$T/diff" 2>"$T/diff.err" || { show_file err "$T/diff.err"; fail "veneer diff failed"; }
grep "^A c" "$T/diff" >"$T/diff.dev" || true
cat >"$T/want" <<EOF
A c5,1 0644 0:0 $D/d/console
A c1,7 0644 0:0 $D/d/full
A c1,3 0666 0:0 $D/d/null
A c5,2 0620 0:0 $D/d/ptmx
A c1,8 0644 0:0 $D/d/random
A c5,0 0644 0:0 $D/d/tty
A c1,9 0644 0:0 $D/d/urandom
A c1,5 0640 5:6 $D/d/zero2
A c1,5 0640 5:6 $D/d/zero3
EOF
assert_files_eq "$T/want" "$T/diff.dev" "veneer diff lists the devices with their numbers"
"$VENEER" export -o "$T/layer.tar" "$U" 2>"$T/export.err" || { show_file err "$T/export.err"; fail "veneer export failed"; }
tar -tvf "$T/layer.tar" --numeric-owner | awk '$1 ~ /^[ch]/ { print $1, $2, $3, $NF }' >"$T/tar.dev"
grep -q "^crw-rw-rw- 0/0 1,3 ${D#/}/d/null\$" "$T/tar.dev" ||
	{ show_file tar "$T/tar.dev"; fail "veneer export does not hold null as a character device 1,3"; }
grep -q "^crw-r----- 5/6 1,5 ${D#/}/d/zero2\$" "$T/tar.dev" ||
	{ show_file tar "$T/tar.dev"; fail "veneer export does not hold zero2 as a character device 1,5"; }
[ "$(grep -c '^c' "$T/tar.dev")" = 8 ] || { show_file tar "$T/tar.dev"; fail "export: 8 device entries expected (zero3 a hard link)"; }
exit 0
