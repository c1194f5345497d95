# Root changes owners to any id (--root-owned mode only): lower files,
# directories, symlinks and whole trees, other users' files, the
# overflow id; chown clears setuid and setgid bits of files.
set -e
source "$DIFF_LIB"
chown 42:42 files/small.txt
chown 1 files/onebyte
chgrp 42 tree/b
chown -R 7:8 tree/a/y
chown -h 5:6 links/rel
chown 9:9 links/chain                 # follows two links: files/small.txt
chown 0:0 owners/u42
chown --reference=owners/big files/4k.bin
chown 42 modes/m4755                  # setuid goes
chown :42 owners/sgid42               # setgid (with group x) goes
chown 3000000:1 owners/d1
chown -R 0:0 tree/c
chown 65534:65534 owners/g42          # the overflow id is a real owner here
chown 0:0 owners/nobody
chown -h 1:1 owners/link
chown :0 modes/d2755                  # a directory keeps its setgid bit
owners files tree/a/y tree/b links owners modes tree/c
stat -c '%n %u:%g %a' links/rel links/chain files/small.txt modes/m4755 owners/sgid42
# nothing but the owners changed
sums tree/a/y tree/c owners
times files/small.txt tree/a/y tree/a/y/f1 links/rel modes/m4755 owners/d1 tree/c
