#!/bin/bash
# debootstrap itself inside veneer, run by an unprivileged user: the
# sandbox's root makes a Debian 12 root with debootstrap's own steps
# (device nodes by mknod, then chroot into the new tree for dpkg's
# configuration of every package), from the root fixtures' tarball of the
# base's packages (tests/root-setup/debian-base.sh: debootstrap
# --make-tarball), so no network is needed.
#   1. debootstrap --variant=minbase --unpack-tarball succeeds;
#   2. the new root has every package of the tarball installed, the same
#      set a native debootstrap of that suite gave the fixtures' base, and
#      the same files under /usr, /bin, /sbin, /lib, /etc (names, types,
#      modes, owners; what debootstrap leaves varying aside);
#   3. inside a chroot of it: dpkg, useradd -m, /dev/null and /dev/zero
#      (debootstrap's own nodes), the chroot's /proc/PID/root seen from
#      outside;
#   4. on the host: nothing at the target path, the upper holds no device
#      node (the sandbox's mknod is presented), the fixtures unchanged.
# it-timeout: 900
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "root inside (debootstrap chroots and makes device nodes)"
require_cmd debootstrap

fx=${VENEER_ROOT_FIXTURES:-}
[ -n "$fx" ] ||
	skip "VENEER_ROOT_FIXTURES is not set (tools/check run as root sets it after tests/root-setup/*.sh)"
TGZ=$fx/debs/bookworm-minbase.tgz
BASE=$fx/debian-base/root
[ -s "$TGZ" ] && [ -f "$fx/debian-base/.complete" ] ||
	skip "no $TGZ or Debian base (run tests/root-setup/debian-base.sh $fx as root)"
TARGET=/srv/veneer-t-debootstrap
require_free_host_path "$TARGET"
tgz_sum=$(sha256sum <"$TGZ")
U=$T/upper

# 1. debootstrap, as it is run natively (root of the sandbox)
start=$(date +%s)
vrun "$T/o" "$T/e" --upper "$U" -- \
	debootstrap --variant=minbase --unpack-tarball="$TGZ" bookworm "$TARGET" http://deb.debian.org/debian
secs=$(($(date +%s) - start))
if [ "$VRC" -ne 0 ] || ! grep -q '^I: Base system installed successfully' "$T/o" "$T/e"; then
	show_file "stdout" "$T/o" >&2
	show_file "stderr" "$T/e" >&2
	vrun "$T/o2" "$T/e2" --upper "$U" -- tail -n 40 "$TARGET/debootstrap/debootstrap.log"
	show_file "debootstrap.log" "$T/o2" >&2
	fail "debootstrap inside veneer exited $VRC"
fi
note "debootstrap inside veneer took ${secs}s"

# 2. the packages: every .deb of the tarball, and the base's set
tar -tzf "$TGZ" | sed -n 's|.*/\([^/_]*\)_[^/]*\.deb$|\1|p' | sort -u >"$T/tarball.pkgs"
dpkg-query --admindir="$BASE/var/lib/dpkg" -W -f '${Package}\n' | sort -u >"$T/base.pkgs"
vrun_ok "$T/new.pkgs" "$T/e" --upper "$U" -- \
	chroot "$TARGET" dpkg-query -W -f '${Package} ${db:Status-Status}\n'
awk '$2 == "installed" { print $1 }' "$T/new.pkgs" | sort -u >"$T/installed.pkgs"
[ "$(wc -l <"$T/tarball.pkgs")" -ge 80 ] || fail "the tarball lists only $(wc -l <"$T/tarball.pkgs") packages"
assert_files_eq "$T/tarball.pkgs" "$T/installed.pkgs" "installed in the chroot vs the tarball's packages"
assert_files_eq "$T/base.pkgs" "$T/installed.pkgs" "installed in the chroot vs the natively made base"

# the files: names, types, modes and owners as the sandbox sees them vs
# the natively made base; what debootstrap or the fixture made vary
# (caches, logs, the fixture's own resolv.conf and sources.list) is left out
tree_list='cd "$1" && find usr bin sbin lib lib64 etc -printf "%p %y %m %u:%g\n" | grep -Ev "^(etc/(resolv.conf|apt/sources.list|hostname|ld.so.cache|machine-id|apt/apt.conf.d/01proxy) |etc/(passwd|group|shadow|gshadow|subuid|subgid)- )" | sort'
vrun_ok "$T/new.tree" "$T/e" --upper "$U" -- bash -c "$tree_list" _ "$TARGET"
bash -c "$tree_list" _ "$BASE" >"$T/base.tree" 2>/dev/null || true
assert_files_eq "$T/base.tree" "$T/new.tree" "the new root's files vs the natively made base's"

# 3. life in the chroot: dpkg, useradd, its own device nodes
vrun_ok "$T/o" "$T/e" --upper "$U" -- bash -c '
	t=$1
	stat -c "%n %F %t:%T %a %U" "$t/dev/null" "$t/dev/zero"
	chroot "$t" sh -c "useradd -m bob && id -un bob && stat -c %U /home/bob"
	chroot "$t" sh -c "echo discarded >/dev/null && head -c 4 /dev/zero | od -An -tx1"
	chroot "$t" sleep 30 & pid=$!
	for _ in $(seq 100); do [ "$(readlink /proc/$pid/root)" = "$t" ] && break; sleep 0.1; done
	echo "root of a chrooted process: $(readlink /proc/$pid/root)"
	echo "its debian_version: $(cat /proc/$pid/root/etc/debian_version)"
	kill $pid' _ "$TARGET"
assert_eq "$TARGET/dev/null character special file 1:3 666 root
$TARGET/dev/zero character special file 1:5 666 root
bob
bob
 00 00 00 00
root of a chrooted process: $TARGET
its debian_version: $(cat "$BASE/etc/debian_version")" "$(cat "$T/o")" "inside the new chroot"

# 4. the host: nothing at the target, no device node in the upper, the
# fixtures as they were
[ ! -e "$TARGET" ] || fail "$TARGET appeared on the host"
[ -d "$U/${TARGET#/}/usr/bin" ] || fail "the new root is not in the upper"
# (a 0/0 character device is a whiteout, not a device)
devs=$(find "$U" \( -type c -o -type b \) -exec stat -c '%n %t:%T' {} + | grep -v ' 0:0$' | head -n 5 || true)
[ -z "$devs" ] || fail "device nodes in the upper: $devs"
assert_eq "$tgz_sum" "$(sha256sum <"$TGZ")" "the tarball changed"
echo "debootstrap inside veneer made a root of $(wc -l <"$T/installed.pkgs") packages in ${secs}s"
