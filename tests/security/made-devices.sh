#!/bin/bash
# finding: mknod inside (presented devices, owner.c): device nodes the sandbox's root makes
# invariant: a node made by mknod inside opens only as the host's null, zero, full, random, urandom or tty (the very inodes of the sandbox's own /dev); a made console or ptmx opens as nothing (ENXIO); no other number, no block device, no identity without CAP_MKNOD; no file the target writes ever becomes a device, and the upper never holds a device node
# attack: as the sandbox's root over lower /, mknod disks, memory, ports, loop, fuse, tun, virtual consoles, serial lines and block devices; make every allowed node and open each for reading and writing, comparing it with the sandbox's own /dev node; open a made console and ptmx; write data into a made node by every route (O_TRUNC, truncate, a rename of a file over it, a hard link, unlink and a new file of the same name), then restart and look for a device that is not the one made; as a presented non-root, mknod null
source "$(dirname "$0")/lib.sh"
unless_hostroot "presented ownership (--ids presented)"
require_veneer
require_cmd python3 setpriv
[ "$(id -u)" != 0 ] || skip "presented ownership is for unprivileged users (root maps every id)"
sec_guard_start
trap sec_cleanup_markers EXIT
U=$T/upper
D=/var/tmp/$SEC_MARK
sec_allow "$U"

ATTACK='
import errno, os, stat, sys
d = sys.argv[1]
os.makedirs(d)
os.chmod(d, 0o1777)
os.chdir(d)
def err(f):
    try:
        f(); return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
C, B = stat.S_IFCHR | 0o666, stat.S_IFBLK | 0o666
refused = {"sda": (C, 8, 0), "sda-b": (B, 8, 0), "mem": (C, 1, 1), "kmem": (C, 1, 2),
           "port": (C, 1, 4), "loop0": (C, 7, 0), "loop0-b": (B, 7, 0), "tty1": (C, 4, 1),
           "ttyS0": (C, 4, 64), "fuse": (C, 10, 229), "tun": (C, 10, 200), "vcs": (C, 7, 1),
           "wh": (C, 0, 0), "null-b": (B, 1, 3), "kmsg": (C, 1, 11), "hpet": (C, 10, 228)}
for n, (m, ma, mi) in sorted(refused.items()):
    print("mknod", n, err(lambda: os.mknod(n, m, os.makedev(ma, mi))))
made = {"null": (1, 3), "zero": (1, 5), "full": (1, 7), "random": (1, 8), "urandom": (1, 9),
        "tty": (5, 0), "console": (5, 1), "ptmx": (5, 2)}
for n, (ma, mi) in sorted(made.items()):
    os.mknod(n, C, os.makedev(ma, mi))
for n in sorted(made):
    for mode, fl in (("read", os.O_RDONLY), ("write", os.O_WRONLY | os.O_TRUNC)):
        try:
            fd = os.open(n, fl | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as e:
            print("open", n, mode, errno.errorcode.get(e.errno, e.errno)); continue
        st = os.fstat(fd); os.close(fd)
        own = os.stat("/dev/" + n)
        print("open", n, mode, "same" if (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino) else "OTHER")
print("truncate", err(lambda: os.truncate("zero", 100)))
open("file", "w").write("data")
os.rename("file", "full")
os.link("random", "random-link")
os.unlink("random")
open("random", "w").write("data")
os.unlink("urandom")
os.mknod("urandom", stat.S_IFREG | 0o600)
for n in sorted(os.listdir(".")):
    st = os.lstat(n)
    print("after", n, "chr" if stat.S_ISCHR(st.st_mode) else "reg", st.st_size)
'
vrun_ok "$T/o" "$T/e" --ids presented --lower / --upper "$U" -- python3 -c "$ATTACK" "$D"
sed 's/^/  /' "$T/o"
bad=$(grep -E '^mknod .* ok$' "$T/o" || true)
[ -z "$bad" ] || fail "a device outside the container set was made: $bad"
[ "$(grep -c '^mknod .* EPERM$' "$T/o")" = 16 ] || fail "every refused mknod should be EPERM"
grep -E '^open .* OTHER$' "$T/o" && fail "a made node opened as something else than the sandbox's own node"
[ "$(grep -Ec '^open (console|ptmx) (read|write) ENXIO$' "$T/o")" = 4 ] ||
	fail "a made console or ptmx opened (or not with ENXIO)"
[ "$(grep -Ec '^open (null|zero|full|random|urandom) (read|write) same$' "$T/o")" = 10 ] ||
	fail "null, zero, full, random, urandom should open as the sandbox's own nodes"
grep -qx 'truncate EINVAL' "$T/o" || fail "truncate of a made device should be EINVAL"

# a restart: the same set, nothing else became a device
vrun_ok "$T/o2" "$T/e2" --ids presented --lower / --upper "$U" -- sh -c '
	cd "$1" && for n in *; do printf "%s %s %s\n" "$n" "$(stat -c %F "$n")" "$(stat -c %s "$n")"; done
	setpriv --reuid=1000 --regid=1000 --clear-groups python3 -c "
import os, stat, errno
try:
    os.mknod(\"null2\", stat.S_IFCHR | 0o666, os.makedev(1, 3)); print(\"non-root made null2\")
except OSError as e:
    print(\"non-root\", errno.errorcode[e.errno])
"' sh "$D"
sed 's/^/  /' "$T/o2"
cat >"$T/want" <<'EOF'
console character special file 0
full regular file 4
null character special file 0
ptmx character special file 0
random regular file 4
random-link character special file 0
tty character special file 0
urandom regular empty file 0
zero character special file 0
EOF
head -n 9 "$T/o2" >"$T/got"
assert_files_eq "$T/want" "$T/got" "after a restart, the made devices and only they are devices"
grep -qx 'non-root EPERM' "$T/o2" || fail "a presented non-root made a device node (or not with EPERM)"

# the host: the upper holds nothing with a device number, the target's
# name is nowhere but in the upper
odd=$(find "$U" ! -type f ! -type d -printf '%y %p\n')
[ -z "$odd" ] || fail "the upper holds device nodes or other special files: $odd"
sec_guard_check
echo "made nodes open only as the sandbox's own null, zero, full, random, urandom, tty; console and ptmx not at all"
