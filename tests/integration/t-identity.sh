#!/bin/bash
# Identity inside veneer, over the rich three-lower stack: for every
# file and directory of /vtdata,
#   - st_dev/st_ino of lstat(path), of fstat() on an fd opened on it,
#     of coreutils stat (statx) and d_ino from getdents64 (os.scandir,
#     and ls -i) agree, and stay the same when asked again later;
#   - the names of a hard-link group (in one layer) share one inode,
#     and different objects have different inodes;
#   - a directory's st_nlink is 2 + its number of subdirectories in the
#     merged view, and find (which trusts st_nlink) visits exactly the
#     objects that find -noleaf and the reference merge have.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata
require_layer_formats

build_rich_stack "$T/s" ovl oci ovl
layers=(--lower "$T/s/l1" --lower "$T/s/l2" --lower "$T/s/l3" --lower /)
mkdir -p "$T/U"
before=$(snapshot "$T/s")

cat >"$T/ident.py" <<'PY'
import os, stat, sys

root, out = sys.argv[1], sys.argv[2]
problems = []
ids = {}


def record(path, st, how):
    key = (st.st_dev, st.st_ino)
    old = ids.setdefault(path, key)
    if old != key:
        problems.append("%s: %s gives %s, earlier %s" % (path, how, key, old))


for dirpath, dirnames, filenames in os.walk(root):
    dst = os.lstat(dirpath)
    record(dirpath, dst, "lstat")
    subdirs = 0
    with os.scandir(dirpath) as it:
        entries = list(it)
    for e in entries:
        st = os.lstat(e.path)
        record(e.path, st, "lstat")
        if e.inode() != st.st_ino:
            problems.append("%s: d_ino %d != st_ino %d"
                            % (e.path, e.inode(), st.st_ino))
        if stat.S_ISDIR(st.st_mode):
            subdirs += 1
        if stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode):
            flags = os.O_RDONLY | (os.O_DIRECTORY if stat.S_ISDIR(st.st_mode) else 0)
            fd = os.open(e.path, flags)
            record(e.path, os.fstat(fd), "fstat")
            os.close(fd)
    if dst.st_nlink != 2 + subdirs:
        problems.append("%s: st_nlink %d, but %d subdirectories"
                        % (dirpath, dst.st_nlink, subdirs))
    fd = os.open(dirpath, os.O_RDONLY | os.O_DIRECTORY)
    record(dirpath, os.fstat(fd), "fstat")
    os.close(fd)

with open(out, "w") as f:
    for path in sorted(ids):
        f.write("%d %d %s\n" % (ids[path][0], ids[path][1], path))
for p in problems:
    print("PROBLEM", p)
print("checked", len(ids), "problems", len(problems))
PY

# shellcheck disable=SC2016
vrun_ok "$T/run.out" "$T/run.err" "${layers[@]}" --upper "$T/U" -- sh -c '
	set -e
	mkdir /out
	python3 "$1" /vtdata /out/py1
	find /vtdata -exec stat -c "%d %i %n" {} + | sort -k3 >/out/stat
	find /vtdata -type d | while read -r d; do
		ls -ai1 "$d" | while read -r ino name; do
			[ "$name" = . ] || [ "$name" = .. ] && continue
			echo "$ino $d/$name"
		done
	done | sort -k2 >/out/lsi
	find /vtdata | sort >/out/find
	find /vtdata -noleaf | sort >/out/find-noleaf
	find /vtdata -type d -printf "%n %p\n" | sort -k2 >/out/nlink
	find /vtdata -type d | sort | while read -r d; do
		echo "$((2 + $(find "$d" -mindepth 1 -maxdepth 1 -type d | wc -l))) $d"
	done | sort -k2 >/out/nlink-counted
	python3 "$1" /vtdata /out/py2
' sh "$T/ident.py"
cat "$T/run.out"
if grep -q PROBLEM "$T/run.out"; then
	fail "identity problems inside veneer (see PROBLEM lines above)"
fi
assert_match '^checked [0-9]+ problems 0$' "$(tail -n 1 "$T/run.out")" "python identity check"
assert_files_eq "$T/U/out/py1" "$T/U/out/py2" "inode numbers changed between two walks"
assert_files_eq "$T/U/out/py1" "$T/U/out/stat" "stat(1) (statx) disagrees with lstat/fstat"
cut -d' ' -f2- "$T/U/out/py1" | grep -v ' /vtdata$' | sort -k2 >"$T/py-ino"
assert_files_eq "$T/py-ino" "$T/U/out/lsi" "ls -i (d_ino) disagrees with st_ino"
assert_files_eq "$T/U/out/nlink-counted" "$T/U/out/nlink" "directory st_nlink != 2 + subdirectories"
assert_files_eq "$T/U/out/find-noleaf" "$T/U/out/find" "find with its leaf optimisation misses objects"
"$PY" "$REFMERGE" "$T/ref" "$T/s/l1" "$T/s/l2" "$T/s/l3"
(cd "$T/ref" && find vtdata | sed 's|^|/|' | sort) >"$T/ref.find"
assert_files_eq "$T/ref.find" "$T/U/out/find" "find inside veneer vs the reference merge"

# hard links share an inode, everything else is distinct
ino() { grep -F " $1" "$T/U/out/py1" | awk -v p="$1" '$3 == p { print $1 ":" $2 }'; }
a=$(ino /vtdata/hl/a)
assert_eq "$a" "$(ino /vtdata/hl/b)" "hl/a and hl/b are one inode"
assert_eq "$a" "$(ino /vtdata/hl/sub/c)" "hl/a and hl/sub/c are one inode"
assert_eq "$(ino /vtdata/hl2/a)" "$(ino /vtdata/hl2/c)" "hl2/a and hl2/c are one inode"
dups=$(grep -v -e ' /vtdata/hl/' -e ' /vtdata/hl2/' "$T/U/out/py1" |
	awk '{ print $1 ":" $2 }' | sort | uniq -d | head -n 3)
assert_eq "" "$dups" "two different objects share st_dev:st_ino"

assert_eq "$before" "$(snapshot "$T/s")" "the lower layers changed"
echo "identity: consistent"
