# Owners of new objects (--root-owned mode only): made by root in other
# users' directories, in setgid directories (group and, for
# directories, the setgid bit inherited), and by processes that changed
# identity (setpriv), with the permission checks a non-root identity
# meets: others' files and directories, the sticky bit, chown and chmod
# of files it does or does not own.
set -e
source "$DIFF_LIB"
echo new >owners/d1/new               # in a directory of uid 1: root's
mkdir owners/d1/newdir
ln -s f owners/d1/newlink
mkfifo owners/d1/fifo
echo s >owners/sgid/new               # group 42 from the setgid dir
mkdir owners/sgid/newdir              # group 42, setgid kept
mkdir -p owners/sgid/a/b/c
echo m >modes/d2755/new
cp files/words.txt owners/sgid/copied
echo secret >secret && chmod 0600 secret
mkdir -m 0700 private
as42() { setpriv --reuid 42 --regid 42 --clear-groups "$@"; }
as1() { setpriv --reuid 1 --regid 1 --clear-groups "$@"; }
as42 sh -c 'echo "ids $(id -u):$(id -g) groups $(id -G)"; echo by42 >owners/sticky/by42; mkdir owners/sticky/dir42; echo in >owners/sticky/dir42/f'
as1 sh -c 'echo by1 >owners/d1/by1 && mkdir owners/d1/sub/by1dir && ln -s by1 owners/d1/by1link'
as42 sh -c 'umask 077; echo private >owners/sticky/private42'
# what a user may not do
rc as42 sh -c 'echo x >>files/small.txt'
rc as42 sh -c 'echo x >tree/new42'
rc as42 mkdir owners/d1/no
rc as42 rm owners/g42
rc as1 rm -f owners/sticky/of42        # sticky: not its file
rc as42 chown 1 owners/u42
rc as42 chmod 0600 owners/g42
rc as42 cat secret
rc as42 ls private
rc as42 cat modes/m600                 # 0604
rc as1 mv owners/sticky/by42 owners/sticky/moved
# and what it may
rc as42 chmod 0600 owners/u42
rc as42 chgrp 42 owners/u42
rc as42 rm -f owners/sticky/of42
rc as42 sh -c 'echo more >>owners/u42'
rc as42 touch -d '2004-05-06 07:08:09' owners/sticky/by42
rc as1 cat owners/d1/f owners/g42
owners owners modes/d2755
times owners/sticky/by42 owners/d1 owners/sgid
