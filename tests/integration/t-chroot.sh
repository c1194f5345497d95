#!/bin/bash
# chroot(2) inside veneer behaves as the kernel's, the union keeps taking
# the writes, and nothing leads out of the sandbox's root.  A small chroot
# (busybox, its libraries, markers: make_jail) on the host, reached over
# --lower /:
#   1. `chroot JAIL cmd` runs the jail's own binaries and "#!"
#      interpreters and reads its files; writes, mkdir and an absolute
#      symlink made inside land in the upper under JAIL; the symlink
#      resolves inside the jail; `..` stops at its root; the host's JAIL
#      is untouched;
#   2. from outside the jail (a process at the sandbox's root):
#      /proc/PID/root of a chrooted shell's child (fork and exec keep the
#      root) is JAIL, lists it, and `..` from it climbs to JAIL's parent;
#      a rename of JAIL from outside keeps the chrooted process in it;
#      mount stays denied inside the jail;
#   3. a chroot inside a chroot is relative to the first;
#   4. the classic escape by a kept directory fd (tests/progs/
#      vt-chroot-escape) prints what it prints natively under
#      `unshare -rm` with a pivoted root of the same tree: it reaches the
#      sandbox's root (the union's), never the host's;
#   5. who may: `--policy lab` (no capabilities) and a presented non-root
#      user (`--ids presented`, setpriv) get EPERM (EACCES first where the
#      user may not search the path, as natively); `--policy build` may;
#   6. a non-directory is ENOTDIR, a missing path ENOENT;
# and, where user namespaces are allowed, the same scripts run natively
# (`unshare -r chroot` on a copy) print the same.
#   7. over the root fixtures' Debian base (skipped without them): its
#      /bin/sh and /etc/debian_version in a chroot of it, its own dev/null
#      and dev/zero (device nodes of the lower) work there; with the base
#      as the lower and --ids presented, root may chroot and a presented
#      non-root user (setpriv, su) may not.
# After each run: the upper holds what was written, nothing else, and the
# host's tree and the lowers are unchanged.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "root inside (chroot needs CAP_SYS_CHROOT of a user namespace)"
require_prog vt-chroot-escape
require_cmd busybox setpriv ldd

# make_jail DIR: a chroot of busybox with its libraries, a few markers
# (etc/hostname "JAIL-HOST", etc/debian_version "jail-1.0"), a "#!"
# script whose interpreter exists only in the jail, and an inner jail
# (inner/, etc/hostname "INNER-HOST") for nested chroots
make_jail() {
	local d=$1 lib c
	mkdir -p "$d/bin" "$d/etc" "$d/proc" "$d/tmp"
	cp /usr/bin/busybox "$d/bin/busybox"
	for lib in $(ldd /usr/bin/busybox | grep -o '/[^ ]*'); do
		mkdir -p "$d$(dirname "$lib")"
		cp -L "$lib" "$d$lib"
	done
	for c in sh cat ls pwd echo mkdir readlink head ln mv rm sleep chroot mount od tr wc; do
		ln -s busybox "$d/bin/$c"
	done
	put "$d/etc/hostname" "JAIL-HOST"
	put "$d/etc/debian_version" "jail-1.0"
	printf '#!/bin/sh\necho JAIL-INTERP "$@"\n' >"$d/bin/jail-interp"
	printf '#!/bin/jail-interp\n' >"$d/script"
	ln -s /etc/hostname "$d/abs"
	# shellcheck disable=SC2016
	printf '%s\n' '#!/bin/sh' 'echo $$ >/ready' 'while [ ! -e /go ]; do sleep 0.1; done' \
		'echo "child: $(cat /etc/hostname) $(ls / | tr "\n" " ")" >/said' >"$d/bin/wait-go"
	chmod 0755 "$d/bin/jail-interp" "$d/script" "$d/bin/wait-go"
	mkdir -p "$d/inner"
	cp -a "$d/bin" "$d/lib"* "$d/inner/"
	put "$d/inner/etc/hostname" "INNER-HOST"
}

# upper_list UPPER: every object of the upper but veneer's own state
upper_list() {
	(cd "$1" && find . -path ./.wh..wh..veneer -prune -o -printf '%p %y %l\n' | sort)
}

# upper_beside UPPER DIR: what the upper holds outside DIR but the
# directories on the way to it (should be nothing)
upper_beside() {
	upper_list "$1" | awk -v dir="./${2#/}" '
		$1 == "." || $1 == dir { next }
		index($1, dir "/") == 1 { next }
		$2 == "d" && index(dir "/", $1 "/") == 1 { next }
		{ print }'
}

# the same scripts run natively where a user namespace's root may chroot
HAVE_USERNS=0
if unshare -rm true 2>/dev/null; then HAVE_USERNS=1; else note "unshare -rm is not allowed: no native runs to compare"; fi

# native_chroot DIR SCRIPT [ARG...]: SCRIPT run by DIR's /bin/sh in a
# chroot of DIR, natively (only where HAVE_USERNS=1)
native_chroot() {
	local dir=$1 script=$2
	shift 2
	unshare -r chroot "$dir" /bin/sh -c "$script" sh "$@" 2>&1
}

# same_as_native WHAT NATIVE-FILE VENEER-FILE: compare when there is a native run
same_as_native() {
	[ "$HAVE_USERNS" = 1 ] || return 0
	assert_files_eq "$2" "$3" "$1: natively and inside veneer"
}

J=$T/jail
make_jail "$J"
jail_before=$(snapshot "$J")
if [ -e "$J/w" ]; then fail "the jail already has w"; fi

# ------------------------------------------------ 1. the jail's own world
up=$T/up1
# shellcheck disable=SC2016
script1='
	set -e
	echo "version: $(cat /etc/debian_version)"
	echo "script: $(/script a b)"
	echo w >/w
	mkdir /d
	ln -s /etc/hostname /x
	echo "x: $(readlink /x) => $(cat /x)"
	echo "d/x: $(cat /d/../x)"
	cd /..; echo "cd /..: $(pwd)"
	echo "ls /../../: $(ls /../../ | tr "\n" " ")"
	cd /d/../../..; echo "cd /d/../../..: $(pwd)"
	echo "abs: $(cat /../../../etc/hostname)"'
vrun_ok "$T/1.out" "$T/1.err" --lower / --upper "$up" -- chroot "$J" /bin/sh -c "$script1"
assert_eq "version: jail-1.0
script: JAIL-INTERP /script a b
x: /etc/hostname => JAIL-HOST
d/x: JAIL-HOST
cd /..: /
ls /../../: abs bin d etc inner lib lib64 proc script tmp w x 
cd /d/../../..: /
abs: JAIL-HOST" "$(cat "$T/1.out")" "the jail's binaries, files, symlinks and .. inside it"
if [ "$HAVE_USERNS" = 1 ]; then
	cp -a "$J" "$T/native1"
	native_chroot "$T/native1" "$script1" >"$T/1.native"
	same_as_native "the jail's world" "$T/1.native" "$T/1.out"
fi
assert_eq "" "$(upper_beside "$up" "$J")" "the upper outside the jail"
assert_eq "w" "$(cat "$up$J/w")" "the write inside the jail, in the upper"
assert_eq "/etc/hostname" "$(readlink "$up$J/x")" "the symlink made inside, in the upper"
[ -d "$up$J/d" ] || fail "the directory made inside the jail is not in the upper"
assert_eq ". d 
./d d 
./w f 
./x l /etc/hostname" "$(cd "$up$J" && find . -printf '%p %y %l\n' | sort)" "the upper's jail"
assert_eq "$jail_before" "$(snapshot "$J")" "the host's jail changed"

# --------------- 1b. sockets, FIFOs, links, renames, O_PATH in the jail
# python3 of the host, its modules loaded before it chroots
up=$T/up1b
# shellcheck disable=SC2016
py1b='
import os, socket, sys
os.chroot(sys.argv[1]); os.chdir("/")
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("/sock"); s.listen(1)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect("/sock"); print("connected to /sock")
os.mkfifo("/fifo"); print("fifo:", oct(os.stat("/fifo").st_mode))
os.symlink("/etc/hostname", "/l"); print("l:", open("/l").read().strip())
os.rename("/l", "/tmp/l2"); print("tmp/l2:", open("/tmp/l2").read().strip())
os.link("/etc/hostname", "/hl"); print("hl nlink:", os.stat("/hl").st_nlink)
fd = os.open("/abs", os.O_PATH); print("O_PATH /abs:", os.readlink("/abs"))
fd = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
print("openat(etc, ../../etc/hostname):", open(os.open("../../etc/hostname", os.O_RDONLY, dir_fd=fd)).read().strip())
os.unlink("/hl"); os.rmdir("/proc")
print("listdir:", " ".join(sorted(os.listdir("/"))))'
vrun_ok "$T/1b.out" "$T/1b.err" --lower / --upper "$up" -- python3 -c "$py1b" "$J"
assert_eq "connected to /sock
fifo: 0o10644
l: JAIL-HOST
tmp/l2: JAIL-HOST
hl nlink: 2
O_PATH /abs: /etc/hostname
openat(etc, ../../etc/hostname): JAIL-HOST
listdir: abs bin etc fifo inner lib lib64 script sock tmp" "$(cat "$T/1b.out")" "sockets, FIFOs, links and renames inside the jail"
if [ "$HAVE_USERNS" = 1 ]; then
	cp -a "$J" "$T/native1b"
	unshare -r python3 -c "$py1b" "$T/native1b" >"$T/1b.native" 2>&1
	same_as_native "sockets, FIFOs, links and renames inside the jail" "$T/1b.native" "$T/1b.out"
fi
# (the hard link copied etc/hostname up; rmdir left a whiteout)
assert_eq ". d 
./.wh.proc f 
./etc d 
./etc/hostname f 
./fifo p 
./sock s 
./tmp d 
./tmp/l2 l /etc/hostname" "$(cd "$up$J" && find . -printf '%p %y %l\n' | sort)" "the upper's jail after the calls"
assert_eq "" "$(upper_beside "$up" "$J")" "the upper outside the jail"
assert_eq "$jail_before" "$(snapshot "$J")" "the host's jail changed"

# -------------------------------------- 2. /proc/PID/root, fork and exec
up=$T/up2
# the chrooted shell runs bin/wait-go (a fork and an exec), which waits
# for /go; meanwhile a process at the sandbox's root looks at it
# shellcheck disable=SC2016
vrun_ok "$T/2.out" "$T/2.err" --lower / --upper "$up" -- sh -c '
	J=$1
	chroot "$J" /bin/sh -c "/bin/wait-go; echo \$? >/done" &
	n=0
	while [ ! -s "$J/ready" ]; do
		n=$((n + 1)); [ $n -lt 200 ] || { echo "no ready"; exit 1; }
		sleep 0.05
	done
	p=$(cat "$J/ready")
	echo "root: $(readlink /proc/$p/root)"
	echo "cwd: $(readlink /proc/$p/cwd)"
	echo "ls root: $(ls /proc/$p/root/ | tr "\n" " ")"
	echo "hostname: $(cat /proc/$p/root/etc/hostname)"
	echo "link: $(readlink /proc/$p/root/abs)"
	# an absolute symlink restarts at the reader'"'"'s root, not the jail'"'"'s
	echo "abs from outside: $(cat /proc/$p/root/abs)"
	echo "dotdot: $(cat /proc/$p/root/../jail/etc/hostname)"
	mv "$J" "$J-moved"
	: >"$J-moved/go"
	wait $! || echo "the chrooted shell failed"
	cat "$J-moved/said"
	echo "done: $(cat "$J-moved/done")"
	mv "$J-moved" "$J"
	chroot "$J" /bin/mount -t proc proc /proc 2>&1; echo "mount: $?"
	echo "after mount: $(ls "$J/proc" | wc -l)"
	echo "jail: $(ls "$J" | tr "\n" " ")"' sh "$J"
assert_eq "root: $J
cwd: $J
ls root: abs bin etc inner lib lib64 proc ready script tmp 
hostname: JAIL-HOST
link: /etc/hostname
abs from outside: $(cat /etc/hostname)
dotdot: JAIL-HOST
child: JAIL-HOST abs bin etc go inner lib lib64 proc ready script tmp 
done: 0
mount: permission denied (are you root?)
mount: 1
after mount: 0
jail: abs bin done etc go inner lib lib64 proc ready said script tmp " \
	"$(cat "$T/2.out")" "a chrooted process seen from outside; fork, exec and a rename keep its root"
assert_eq "" "$(upper_beside "$up" "$J")" "the upper outside the jail"
assert_eq "$jail_before" "$(snapshot "$J")" "the host's jail changed"

# ------------------------------------------------ 3. a chroot in a chroot
up=$T/up3
# shellcheck disable=SC2016
script3='
	echo "host: $(cat /etc/hostname)"
	echo "ls /..: $(ls /.. | tr "\n" " ")"
	echo made >/made-inner
	ln -s /etc/hostname /y; echo "y: $(cat /y)"
	chroot /.. /bin/sh -c "echo \"chroot /..: \$(cat /etc/hostname)\""'
vrun_ok "$T/3.out" "$T/3.err" --lower / --upper "$up" -- chroot "$J" /bin/chroot /inner /bin/sh -c "$script3"
assert_eq "host: INNER-HOST
ls /..: bin etc lib lib64 
y: INNER-HOST
chroot /..: INNER-HOST" "$(cat "$T/3.out")" "a chroot inside a chroot"
if [ "$HAVE_USERNS" = 1 ]; then
	cp -a "$J" "$T/native3"
	unshare -r chroot "$T/native3" /bin/chroot /inner /bin/sh -c "$script3" >"$T/3.native" 2>&1
	same_as_native "a chroot inside a chroot" "$T/3.native" "$T/3.out"
fi
assert_eq "made" "$(cat "$up$J/inner/made-inner")" "the nested chroot's write, in the upper"
assert_eq "/etc/hostname" "$(readlink "$up$J/inner/y")" "the nested chroot's symlink, in the upper"
assert_eq "" "$(upper_beside "$up" "$J/inner")" "the upper outside the inner jail"
assert_eq "$jail_before" "$(snapshot "$J")" "the host's jail changed"

# ---------------------------------------------- 4. the kept-fd escape
# a lower holding the program, markers at its root and in a jail below,
# and a host-only file at a path the lower does not have
L=$T/L
mkdir -p "$L/a/b/jail/etc" "$L/etc" "$L/proc" "$L/bin" "$L$T/host"
cp "$PROGS/vt-chroot-escape" "$L/bin/"
put "$L/etc/mark" "SANDBOX-ROOT"
put "$L/a/b/jail/etc/mark" "JAIL-MARK"
put "$T/host/secret" "HOST-SECRET-$$"
lower_before=$(snapshot "$L")
esc=(/a/b /a/b/jail /etc/mark)
cat >"$T/4.want" <<'OUT'
in the jail: JAIL-MARK
fd opened before the chroot: /etc/mark
fd opened in the jail: /etc/mark
cwd at the kept fd: (unreachable)/a/b
cwd after climbing: (unreachable)/
relative after climbing: SANDBOX-ROOT
cwd after chroot(.): /
escaped: SANDBOX-ROOT
fd opened in the jail, after the escape: /a/b/jail/etc/mark
OUT
vrun_ok "$T/4.out" "$T/4.err" --lower "$L" -- /bin/vt-chroot-escape "${esc[@]}"
assert_files_eq "$T/4.want" "$T/4.out" "the kept-fd escape inside veneer"
# natively, with the same tree as the root of a mount namespace
if [ "$HAVE_USERNS" = 1 ]; then
	cp -a "$L" "$T/native"
	unshare -rm "$T/native/bin/vt-chroot-escape" --pivot "$T/native" "${esc[@]}" \
		>"$T/4.native" 2>&1 || { cat "$T/4.native" >&2; fail "the native escape run failed"; }
	same_as_native "the kept-fd escape" "$T/4.native" "$T/4.out"
fi
# the host-only file, from the escaped root
vrun_ok "$T/4h.out" "$T/4h.err" --lower "$L" -- /bin/vt-chroot-escape /a/b /a/b/jail "$T/host/secret"
assert_eq "in the jail: ERR:ENOENT
fd opened before the chroot: ERR:ENOENT
fd opened in the jail: ERR:ENOENT
cwd at the kept fd: (unreachable)/a/b
cwd after climbing: (unreachable)/
relative after climbing: ERR:ENOENT
cwd after chroot(.): /
escaped: ERR:ENOENT
fd opened in the jail, after the escape: ERR:ENOENT" "$(cat "$T/4h.out")" "a host-only file after the escape"
# the jail's marker in the upper: the fd's path is still printed from
# the reader's root
up=$T/up4
mkdir -p "$up/a/b/jail/etc"
put "$up/a/b/jail/etc/mark" "UPPER-MARK"
vrun_ok "$T/4u.out" "$T/4u.err" --lower "$L" --upper "$up" -- /bin/vt-chroot-escape "${esc[@]}"
sed 's/^in the jail: JAIL-MARK$/in the jail: UPPER-MARK/' "$T/4.want" >"$T/4u.want"
assert_files_eq "$T/4u.want" "$T/4u.out" "the kept-fd escape from a jail whose marker is the upper's"
assert_eq "./a d 
./a/b d 
./a/b/jail d 
./a/b/jail/etc d 
./a/b/jail/etc/mark f " "$(upper_list "$up" | grep -v '^\. ')" "the upper after the escape"
assert_eq "$lower_before" "$(snapshot "$L")" "the escape test's lower changed"

# ------------------------------------------------------- 5. who may chroot
up=$T/up5
# lab: no capability, neither presented nor real (--ids kernel: the
# kernel's own check)
for ids in presented kernel; do
	# shellcheck disable=SC2016
	vrun "$T/5l.out" "$T/5l.err" --policy lab --ids "$ids" --lower / --upper "$up-$ids" -- \
		sh -c 'chroot "$1" /bin/sh -c "echo in >/in"; echo "exit $?"' sh "$J"
	assert_eq "0" "$VRC" "veneer under --policy lab --ids $ids"
	assert_eq "exit 125" "$(cat "$T/5l.out")" "chroot under --policy lab --ids $ids"
	assert_eq "chroot: cannot change root directory to '$J': Operation not permitted" \
		"$(cat "$T/5l.err")" "chroot's error under --policy lab --ids $ids"
	assert_eq "" "$(upper_list "$up-$ids" | grep -v ' d $' || :)" "the upper after a refused chroot"
done
# a 0700 directory of the caller's (root's inside): the walk fails first
# (EACCES: the kernel checks the path before the capability); / is
# searchable by all: EPERM
mkdir -m 0700 "$T/closed"
cp -a "$J" "$T/closed/jail"
# shellcheck disable=SC2016
vrun "$T/5p.out" "$T/5p.err" --ids presented --lower / --upper "$up" -- sh -c '
	as1000() { setpriv --reuid=1000 --regid=1000 --clear-groups "$@"; }
	as1000 chroot "$1" /bin/sh -c "echo in >/in"; echo "exit $?"
	as1000 chroot / /bin/sh -c "echo in >/in"; echo "exit $?"' sh "$T/closed/jail"
assert_eq "0" "$VRC" "veneer with a presented non-root user"
assert_eq "exit 125
exit 125" "$(cat "$T/5p.out")" "chroot by a presented non-root user"
assert_eq "chroot: cannot change root directory to '$T/closed/jail': Permission denied
chroot: cannot change root directory to '/': Operation not permitted" \
	"$(cat "$T/5p.err")" "chroot's errors for a presented non-root user"
if [ -e "$up/in" ] || [ -e "$up$T/closed/jail/in" ]; then fail "a refused chroot ran its command"; fi
vrun_ok "$T/5b.out" "$T/5b.err" --policy build --lower / --upper "$up" -- \
	chroot "$J" /bin/sh -c 'echo in >/in; cat /etc/hostname'
assert_eq "JAIL-HOST" "$(cat "$T/5b.out")" "chroot under --policy build"
assert_eq "in" "$(cat "$up$J/in")" "the write of the chroot under --policy build"

# ------------------------------------------------ 6. not a directory, none
# shellcheck disable=SC2016
vrun "$T/6.out" "$T/6.err" --lower / -- sh -c '
	chroot "$1/etc/hostname" /bin/sh; echo "exit $?"
	chroot "$1/nope" /bin/sh; echo "exit $?"
	chroot "$1/nope/deeper" /bin/sh; echo "exit $?"' sh "$J"
assert_eq "exit 125
exit 125
exit 125" "$(cat "$T/6.out")" "chroot's exit status for a bad directory"
assert_eq "chroot: cannot change root directory to '$J/etc/hostname': Not a directory
chroot: cannot change root directory to '$J/nope': No such file or directory
chroot: cannot change root directory to '$J/nope/deeper': No such file or directory" \
	"$(cat "$T/6.err")" "chroot's errors for a bad directory"
assert_eq "$jail_before" "$(snapshot "$J")" "the host's jail changed"

# ------------------------------------------ 7. the root-owned Debian base
fx=${VENEER_ROOT_FIXTURES:-}
if [ -z "$fx" ] || [ ! -f "$fx/debian-base/.complete" ]; then
	note "no Debian base (VENEER_ROOT_FIXTURES, tests/root-setup/debian-base.sh): its part left out"
	exit 0
fi
B=$fx/debian-base/root
assert_eq "0:0 character special file 1:3" "$(stat -c '%u:%g %F %t:%T' "$B/dev/null")" \
	"the base's dev/null is a device node"
base_digest() {
	(cd "$B" && { find . -printf '%p %y %m %U %G %s %T@ %C@ %i %n %l %t:%T\n' 2>/dev/null || :; } |
		sort | sha256sum | cut -d' ' -f1)
}
base_before=$(base_digest)
up=$T/up7
# shellcheck disable=SC2016
script7='
	echo "version: $(cat /etc/debian_version)"
	echo "sh: $(sha256sum /bin/sh | cut -d" " -f1)"
	echo x >/dev/null && echo "null: ok"
	echo "zero: $(head -c 8 /dev/zero | od -An -tx1 | tr -d " ")"
	echo "full: $(head -c 1 /dev/zero 2>&1 >/dev/full)"
	echo "urandom: $(head -c 16 /dev/urandom | wc -c)"
	stat -c "%n %F %t:%T" /dev/null /dev/zero'
vrun_ok "$T/7.out" "$T/7.err" --ids presented --lower / --upper "$up" -- chroot "$B" /bin/sh -c "$script7"
assert_eq "version: $(cat "$B/etc/debian_version")
sh: $(sha256sum "$B/bin/sh" | cut -d' ' -f1)
null: ok
zero: 0000000000000000
full: head: write error: No space left on device
urandom: 16
/dev/null character special file 1:3
/dev/zero character special file 1:5" "$(cat "$T/7.out")" "a chroot of the base: its sh, its files, its devices"
# natively the user namespace's root may chroot into the base as it is
if [ "$HAVE_USERNS" = 1 ]; then
	native_chroot "$B" "$script7" >"$T/7.native"
	same_as_native "a chroot of the base" "$T/7.native" "$T/7.out"
fi
assert_eq "" "$(upper_list "$up" | grep -v ' d $' || :)" "the upper after the base's chroot holds only directories"

# the base as the lower: presented root may, a presented non-root user not
JL=$T/JL
mkdir -p "$JL/srv"
cp -a "$J" "$JL/srv/jail"
jl_before=$(snapshot "$JL")
up=$T/up7b
# shellcheck disable=SC2016
vrun "$T/7b.out" "$T/7b.err" --ids presented --lower "$JL" --lower "$B" --upper "$up" -- \
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin sh -c '
	chroot /srv/jail /bin/sh -c "echo root >/by-root; cat /etc/hostname"; echo "root: $?"
	setpriv --reuid=1000 --regid=1000 --clear-groups chroot /srv/jail /bin/sh -c "echo 1000 >/by-1000"
	echo "setpriv: $?"
	su -s /bin/sh -c "chroot /srv/jail /bin/sh -c \"echo nobody >/by-nobody\"" nobody
	echo "su: $?"'
assert_eq "0" "$VRC" "veneer over the base"
assert_eq "JAIL-HOST
root: 0
setpriv: 125
su: 125" "$(cat "$T/7b.out")" "chroot by presented root and non-root users over the base"
assert_eq "chroot: cannot change root directory to '/srv/jail': Operation not permitted
chroot: cannot change root directory to '/srv/jail': Operation not permitted" \
	"$(cat "$T/7b.err")" "the presented non-root users' errors"
assert_eq "./srv d 
./srv/jail d 
./srv/jail/by-root f " "$(upper_list "$up" | grep -v '^\. ')" "the upper after the chroots over the base"
assert_eq "$jl_before" "$(snapshot "$JL")" "the jail layer changed"
assert_eq "$base_before" "$(base_digest)" "the Debian base changed"
