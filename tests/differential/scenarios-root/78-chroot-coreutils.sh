# chroot(2) as root with bash and coreutils (--root-owned mode only):
# a chroot of the host's bash, coreutils and tar with their libraries,
# the fixture's owners/ copied in; inside it chown, chmod, hard links,
# renames over names, absolute symlinks to directories and to "/",
# realpath, cd -P, tar round trip, and a chroot of a subdirectory by a
# relative path from a cwd inside; then owners and the tree from outside.
set -e
source "$DIFF_LIB"
tools=(bash ls cat mv ln rm mkdir rmdir stat readlink realpath cp touch chmod chown
	find sort tr pwd chroot tar head cut grep sed)
mkdir -p jail/bin jail/tmp jail/etc
for t in "${tools[@]}"; do
	cp "$(type -P "$t")" "jail/bin/$t"
done
for lib in $(for t in jail/bin/*; do ldd "$t"; done | grep -o '/[^ ]*' | sort -u); do
	mkdir -p "jail$(dirname "$lib")"
	cp -L "$lib" "jail$lib"
done
ln -s bash jail/bin/sh
cp -a owners jail/owners
echo "jail" >jail/etc/hostname
cat >jail/run.sh <<'SH'
set -e
export PATH=/bin
echo "pwd: $(pwd)"
st() { stat -c '%n %F %a %u:%g' "$@"; }
links() { stat -c '%n nlink=%h' "$@"; }
# owners and modes
mkdir -p /data/sub
echo data >/data/f
chown 42:43 /data/f
chmod 0640 /data/f
chown -R 7:7 /data/sub
ln /data/f /data/hard
st /data/f /data/hard /data/sub
links /data/f /data/hard
cp -a /owners /owners-copy
find /owners-copy -printf '%p %u:%g %m\n' | sort
# absolute symlinks to a directory and to /
ln -s /data /dlink
ln -s / /rootlink
echo "dlink: $(cat /dlink/f)"
echo "rootlink/..: $(ls /rootlink/.. | tr '\n' ' ')"
cd -P /rootlink/data/../..; echo "cd -P: $(pwd)"
cd /
echo "realpath: $(realpath /rootlink/dlink/../rootlink/data/hard)"
echo "readlink -f: $(readlink -f /dlink/../../../dlink/f)"
# renames over names, through links
echo new >/data/new
mv -f /data/new /dlink/f
echo "f: $(cat /data/f) hard: $(cat /data/hard)"
st /data/f /data/hard
links /data/f /data/hard
mv /data/sub /rootlink/moved-sub
mv -T /moved-sub /data/sub
echo "data: $(ls -A /data | tr '\n' ' ')"
st /data/*
# a tar round trip inside
tar -C /data --sort=name --mtime=@0 --numeric-owner -cf /tmp/d.tar .
mkdir /untar
tar -C /untar -xpf /tmp/d.tar
find /untar -printf '%p %y %u:%g %m\n' | sort
links /untar/f /untar/hard
# a relative chroot from a cwd inside, into a subdirectory holding a copy of the tools
mkdir -p /sub/bin
cp -a /bin/bash /bin/ls /bin/cat /bin/pwd /bin/tr /sub/bin/
cp -a /lib* /sub/
echo sub >/sub/marker
cd /sub/..
chroot sub /bin/bash -c 'echo "sub: $(cat /marker) $(pwd) $(ls / | tr "\n" " ")"; echo in-sub >/written; cd /..; /bin/pwd'
echo "sub wrote: $(cat /sub/written)"
rm -rf /sub/bin /sub/lib*
SH
rc chroot jail /bin/bash /run.sh
# from outside
readlink jail/dlink jail/rootlink
owners jail/data jail/untar jail/owners-copy jail/sub
tree_list jail/data jail/untar jail/sub
