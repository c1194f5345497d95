# chroot(2) as root (--root-owned mode only: natively only root may): a
# small chroot of busybox and its libraries made here, and a script run
# in it that makes, links, renames and removes: absolute symlinks resolve
# in the chroot, ".." stops at its root, a nested chroot is relative to
# the first, `chroot . pwd` is "/"; then the tree as seen from outside.
set -e
source "$DIFF_LIB"
# mkjail DIR: busybox, the libraries ldd names, applet links
mkjail() {
	local lib c
	mkdir -p "$1/bin" "$1/etc" "$1/tmp"
	cp /usr/bin/busybox "$1/bin/busybox"
	for lib in $(ldd /usr/bin/busybox | grep -o '/[^ ]*' | sort); do
		mkdir -p "$1$(dirname "$lib")"
		cp -L "$lib" "$1$lib"
	done
	for c in sh cat ls pwd echo mkdir readlink ln mv rm rmdir chroot cp stat touch \
		find sort tr head chmod; do
		ln -s busybox "$1/bin/$c"
	done
}
mkjail jail
echo "jail host" >jail/etc/hostname
cat >jail/run.sh <<'SH'
set -e
st() { stat -c "%n %F %a" "$@"; }
echo "pwd: $(pwd)"
mkdir -p /a/b/c
echo one >/a/b/c/f
ln -s /a/b/c/f /abs
ln -s /a/b /ab
ln -s /etc/hostname /a/b/host
echo "abs: $(readlink /abs) => $(cat /abs)"
echo "ab/c: $(ls /ab/c)"
echo "host: $(cat /a/b/host)"
echo two >>/abs
cat /a/b/c/f
mv /a/b/c/f /a/b/c/g
cat /abs 2>&1 || echo "dangling after mv"
mv /a /z
echo "host after mv: $(cat /z/b/host)"
ls -R /z
ln -sf /z/b/c/g /abs
echo "abs again: $(cat /abs | tr "\n" " ")"
cd /z/b
ln -s ../../.. up3
echo "up3: $(ls up3/ | tr "\n" " ")"
echo "up3/etc: $(cat up3/etc/hostname)"
cd /..
echo "cd /..: $(pwd)"
echo "ls /../..: $(ls /../.. | tr "\n" " ")"
echo dotdot >/../../../dotdot.txt
echo "dotdot: $(cat /dotdot.txt)"
cd /z/b/c
cd ../../../../..
echo "climbed: $(pwd) $(ls | tr "\n" " ")"
echo "chroot . pwd: $(cd / && chroot . pwd)"
echo "chroot /z: $(chroot /z /bin/ls / 2>&1)"
rm -rf /z/b/c
rmdir /z/b 2>&1 || echo "rmdir z/b refused"
rm /z/b/host /z/b/up3
rmdir /z/b
st /z /abs /ab
stat -c "%n %F %a %s" /dotdot.txt
# a nested chroot
mkdir /inner
cp -a /bin /lib /lib64 /etc /inner/
echo "inner host" >/inner/etc/hostname
ln -s /etc/hostname /inner/h
cat >/inner/run.sh <<'NESTED'
echo "nested pwd: $(pwd)"
echo "nested h: $(cat /h)"
echo "nested ls /..: $(ls /.. | tr "\n" " ")"
mkdir /made-in-nested
ln -s /made-in-nested /n
touch /n/file
chroot /.. /bin/cat /etc/hostname
echo "nested chroot . pwd: $(cd / && chroot . pwd)"
NESTED
chroot /inner /bin/sh /run.sh
echo "outer sees: $(ls /inner/made-in-nested) $(readlink /inner/n)"
rm /inner/h
mv /inner/made-in-nested /inner/renamed
find / -path /lib -prune -o -path /lib64 -prune -o -path /inner/lib -prune \
	-o -path /inner/lib64 -prune -o -path /bin -prune -o -path /inner/bin -prune \
	-o -print | sort
SH
rc chroot jail /bin/sh /run.sh
# the same tree from outside the chroot (its absolute links are read, not
# followed: they name the chroot's paths)
readlink jail/abs jail/ab jail/inner/n
cat jail/dotdot.txt jail/inner/renamed/file
tree_list jail/z jail/inner/renamed jail/dotdot.txt
owners jail/z jail/inner/renamed jail/inner/etc jail/dotdot.txt
