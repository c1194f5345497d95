# Root writes, renames and copies other users' files (--root-owned mode
# only): a copy-up keeps the owner of the file and of its directories;
# sed -i, tar -x, cp -a and install give owners the way they do as
# root; fchown through an fd opened on a lower file.
set -e
source "$DIFF_LIB"
# an archive of the owners as they are (fixed times: same bytes on
# both sides), listed with its numeric owners
tar --numeric-owner --sort=name --mtime='2002-03-04 05:06:07' -cf owners.tar owners
tar --numeric-owner -tvf owners.tar
echo appended >>owners/u42
sed -i 's/g42/G42/' owners/g42        # a new file, given the old owner
echo x >>tree/c/y/f1
truncate -s 3 owners/big
touch -d '2003-01-01 00:00:00' owners/nobody
chmod 0600 owners/d1/f
setfattr -n user.k -v v owners/sgid/f
ln owners/sgid/f owners/sgid/f-link
rm owners/sticky/of42
mv owners/d1 owners/d1-moved          # a lower directory: copied whole
mv tree/c tree/c-moved
cp -a owners owners-cp-a
cp -r owners owners-cp-r
cp -p files/words.txt words-p
install -o 42 -g 1 -m 0640 files/words.txt installed
mkdir x && tar -xpf owners.tar -C x   # root: the archive's owners
tar --same-owner -xpf archives/tree.tar   # root's, over tree/ of 1:1
python3 - <<'PY'
import os
fd = os.open("files/1m.bin", os.O_RDONLY)
os.fchown(fd, 42, 43)
st = os.fstat(fd)
print("fchown via fd:", st.st_uid, st.st_gid)
print("stat by name:", os.stat("files/1m.bin").st_uid)
os.lchown("links/dangling", 44, 45)
os.chown("links/dirrel", 46, 47)      # follows: deep/l1
os.close(fd)
PY
owners owners owners-cp-a owners-cp-r words-p installed x tree deep/l1 links
sums owners owners-cp-a x
times owners/u42 owners/d1-moved owners/d1-moved/f owners-cp-a/d1-moved tree/c-moved/x/f1
