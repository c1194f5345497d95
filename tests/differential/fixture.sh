#!/bin/bash
# tests/differential/fixture.sh - build the lower tree of the
# differential write-path suite.
#
# usage: fixture.sh LOWERDIR
#
# Creates LOWERDIR/vtdata (LOWERDIR is created if missing; vtdata must
# not exist yet).  The tree lives under /vtdata so that the host root can
# be the bottom lower and supply the tools.  The result is deterministic:
# two builds, by any user, at any time, dump identically with
# treedump.py (contents, modes, xattrs, link targets, hard-link groups,
# mtimes), so a difference in a scenario is never the fixture's.
#
# Layout (scenarios rely on these names):
#   files/      plain files: empty, one byte, small text, 4 KiB, 64 KiB+1,
#               1 MiB, big.bin (8 MiB), sparse.img (16 MiB, 3 data islands)
#   deep/       l1/l2/.../l7, a file f.txt at every level
#   emptydir/   empty
#   links/      rel, abs (absolute into /vtdata), dangling, dirrel and
#               dirabs (to directories), chain (a link to a link)
#   hard/       pair1 + pair2 (same dir), trio1 + sub/trio2 + ../other/trio3
#   xattr/      files and a directory with user.* xattrs
#   modes/      m600 m640 m755 m444 m4755, d700/, d2755/ (setgid),
#               d1777/ (sticky)
#   tree/       a small tree (3 levels, 27 files) to copy, move, delete
#   repo/       a git repository: main (2 commits) and feature (1 commit)
#   cproj/      a C project: 5 .c files, 2 headers, a Makefile
#   pypkg/      pkg/__init__.py, pkg/a.py, pkg/sub/__init__.py,
#               pkg/sub/b.py, main.py
#   deb/        hello_1.0_all.deb (dpkg-deb --build --root-owner-group)
#   archives/   tree.tar (of tree/), tree.tar.gz, overlay.tar (new
#               contents for existing names under tree/ and files/)
#   names/      names with spaces, tabs, unicode, leading dashes; long/
#               with names of 255 and 251 bytes
#   special/    a fifo
set -euo pipefail
export LC_ALL=C TZ=UTC
umask 022

if [ $# -ne 1 ]; then
	echo "usage: $0 LOWERDIR" >&2
	exit 2
fi
top=$1
D=$top/vtdata
if [ -e "$D" ] || [ -L "$D" ]; then
	echo "fixture: $D exists already" >&2
	exit 2
fi
mkdir -p "$top"
chmod 0755 "$top"
mkdir "$D"

# private scratch (git's HOME, the staging trees of the .deb and the
# overlay tarball) outside the tree
scratch=$(mktemp -d "${TMPDIR:-/tmp}/vt-fixture.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# put FILE CONTENT [MODE]: FILE (parents made) holding the line CONTENT
put() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
	if [ $# -ge 3 ]; then chmod "$3" "$1"; fi
}

# pseudo-random but reproducible bytes: sha256 in counter mode
prng() { # prng SEED BYTES
	/usr/bin/python3 - "$1" "$2" <<'PY'
import hashlib, sys
seed, n = sys.argv[1].encode(), int(sys.argv[2])
out = bytearray()
i = 0
while len(out) < n:
    out += hashlib.sha256(seed + i.to_bytes(8, "little")).digest()
    i += 1
sys.stdout.buffer.write(bytes(out[:n]))
PY
}

# ------------------------------------------------------------- plain files
mkdir -p "$D/files"
: >"$D/files/empty"
printf 'x' >"$D/files/onebyte"
for i in $(seq 1 20); do echo "line $i of small.txt"; done >"$D/files/small.txt"
printf 'alpha\nbeta\ngamma\ndelta\n' >"$D/files/words.txt"
prng four 4096 >"$D/files/4k.bin"
prng sixtyfour 65537 >"$D/files/64k1.bin"
prng mega 1048576 >"$D/files/1m.bin"
prng big 8388608 >"$D/files/big.bin"
# holes: 16 MiB with data at 0, at 5 MiB and in the last 100 bytes
truncate -s 16M "$D/files/sparse.img"
printf 'head of sparse\n' | dd of="$D/files/sparse.img" conv=notrunc status=none
printf 'middle island\n' | dd of="$D/files/sparse.img" bs=1M seek=5 conv=notrunc status=none
printf 'tail of the sparse file\n' |
	dd of="$D/files/sparse.img" bs=1 seek=$((16 * 1048576 - 100)) conv=notrunc status=none

# ------------------------------------------------------ deep dirs, empty dir
p=$D/deep
put "$p/f.txt" "deep level 0"
for i in 1 2 3 4 5 6 7; do
	p=$p/l$i
	put "$p/f.txt" "deep level $i"
done
mkdir -p "$D/emptydir"

# ----------------------------------------------------------------- symlinks
mkdir -p "$D/links"
ln -s ../files/small.txt "$D/links/rel"
ln -s /vtdata/files/words.txt "$D/links/abs"
ln -s ../files/no-such-file "$D/links/dangling"
ln -s ../deep/l1 "$D/links/dirrel"
ln -s /vtdata/tree "$D/links/dirabs"
ln -s rel "$D/links/chain"

# --------------------------------------------------------------- hard links
put "$D/hard/pair1" "a pair of hard links"
ln "$D/hard/pair1" "$D/hard/pair2"
put "$D/hard/trio1" "a trio of hard links in three directories"
mkdir -p "$D/hard/sub" "$D/other"
ln "$D/hard/trio1" "$D/hard/sub/trio2"
ln "$D/hard/trio1" "$D/other/trio3"

# ------------------------------------------------------------------- xattrs
put "$D/xattr/one" "one xattr"
setfattr -n user.color -v blue "$D/xattr/one"
put "$D/xattr/many" "several xattrs"
setfattr -n user.a -v 1 "$D/xattr/many"
setfattr -n user.b -v "two words" "$D/xattr/many"
setfattr -n user.bin -v 0x00ff10 "$D/xattr/many"
setfattr -n user.empty "$D/xattr/many"
mkdir -p "$D/xattr/dir"
setfattr -n user.dirattr -v on-a-dir "$D/xattr/dir"
put "$D/xattr/dir/inner" "inside a directory with an xattr"

# -------------------------------------------------------------------- modes
put "$D/modes/m600" "mode 0600" 0600
put "$D/modes/m640" "mode 0640" 0640
printf '#!/bin/sh\necho "m755 runs"\n' >"$D/modes/m755"
chmod 0755 "$D/modes/m755"
put "$D/modes/m444" "mode 0444" 0444
put "$D/modes/m4755" "setuid bit" 4755
put "$D/modes/d700/inside" "in a 0700 dir"
chmod 0700 "$D/modes/d700"
put "$D/modes/d2755/inside" "in a setgid dir"
chmod 2755 "$D/modes/d2755"
put "$D/modes/d1777/inside" "in a sticky dir"
chmod 1777 "$D/modes/d1777"

# ------------------------------------------------------- a tree to move about
for a in a b c; do
	for b in x y z; do
		for c in 1 2 3; do
			put "$D/tree/$a/$b/f$c" "tree $a/$b/f$c"
		done
	done
done
ln -s ../x/f1 "$D/tree/a/y/tox1"

# ------------------------------------------------------------------- names
put "$D/names/with space.txt" "a space"
put "$D/names/dir with space/inner file" "in a dir with a space"
put "$D/names/tab	name" "a tab"
put "$D/names/ünïcödé.txt" "unicode"
put "$D/names/日本語/ファイル.txt" "japanese"
put "$D/names/-leading-dash" "a leading dash"
put "$D/names/.hidden" "a hidden file"
# the longest names a directory entry can have (NAME_MAX = 255 bytes),
# and one that leaves just room for a 4-byte prefix
put "$D/names/long/$(printf 'L%.0s' $(seq 255))" "a 255-byte name"
put "$D/names/long/$(printf 'S%.0s' $(seq 251))" "a 251-byte name"

mkdir -p "$D/special"
mkfifo -m 0644 "$D/special/fifo"

# ---------------------------------------------------------------- C project
mkdir -p "$D/cproj"
cat >"$D/cproj/Makefile" <<'MK'
# -pipe: no temporary files, whose names would be random
CC = gcc
CFLAGS = -O1 -pipe -Wall
OBJS = main.o calc.o greet.o strutil.o table.o

app: $(OBJS)
	$(CC) $(CFLAGS) -o $@ $(OBJS)

main.o: main.c calc.h greet.h
calc.o: calc.c calc.h
greet.o: greet.c greet.h strutil.h
strutil.o: strutil.c strutil.h
table.o: table.c calc.h

%.o: %.c
	$(CC) $(CFLAGS) -c -o $@ $<

clean:
	rm -f app $(OBJS)

.PHONY: clean
MK
cat >"$D/cproj/calc.h" <<'C'
int add(int a, int b);
int mul(int a, int b);
void table(int n);
C
cat >"$D/cproj/greet.h" <<'C'
void greet(const char *who);
C
cat >"$D/cproj/strutil.h" <<'C'
void upcase(char *s);
C
cat >"$D/cproj/main.c" <<'C'
#include <stdio.h>
#include "calc.h"
#include "greet.h"
int main(void)
{
	greet("union");
	printf("2+3=%d 4*5=%d\n", add(2, 3), mul(4, 5));
	table(3);
	return 0;
}
C
cat >"$D/cproj/calc.c" <<'C'
#include "calc.h"
int add(int a, int b) { return a + b; }
int mul(int a, int b) { return a * b; }
C
cat >"$D/cproj/greet.c" <<'C'
#include <stdio.h>
#include <string.h>
#include "greet.h"
#include "strutil.h"
void greet(const char *who)
{
	char buf[64];
	strncpy(buf, who, sizeof buf - 1);
	buf[sizeof buf - 1] = 0;
	upcase(buf);
	printf("hello, %s\n", buf);
}
C
cat >"$D/cproj/strutil.c" <<'C'
#include <ctype.h>
#include "strutil.h"
void upcase(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}
C
cat >"$D/cproj/table.c" <<'C'
#include <stdio.h>
#include "calc.h"
void table(int n)
{
	for (int i = 1; i <= n; i++)
		printf("%d x %d = %d\n", i, n, mul(i, n));
}
C

# ----------------------------------------------------------- Python package
put "$D/pypkg/pkg/__init__.py" 'VERSION = "1.0"'
cat >"$D/pypkg/pkg/a.py" <<'PY'
from pkg.sub import b


def double(x):
    return 2 * x


def report():
    return "a: double(21)=%d, b says %s" % (double(21), b.word())
PY
mkdir -p "$D/pypkg/pkg/sub"
: >"$D/pypkg/pkg/sub/__init__.py"
cat >"$D/pypkg/pkg/sub/b.py" <<'PY'
def word():
    return "bee"
PY
cat >"$D/pypkg/main.py" <<'PY'
import pkg
from pkg import a

print("pkg", pkg.VERSION)
print(a.report())
PY

# ------------------------------------------------------------------- a .deb
stage=$scratch/deb
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/doc/vt-hello"
cat >"$stage/DEBIAN/control" <<'CTL'
Package: vt-hello
Version: 1.0
Architecture: all
Maintainer: veneer tests <tests@veneer.invalid>
Description: a package for the veneer differential tests
CTL
printf '#!/bin/sh\necho "hello from the deb"\n' >"$stage/usr/bin/vt-hello"
chmod 0755 "$stage/usr/bin/vt-hello"
put "$stage/usr/share/doc/vt-hello/README" "the vt-hello package"
ln -s vt-hello "$stage/usr/bin/vt-hi"
find "$stage" -exec touch -h -d '2000-01-01 00:00:00' {} +
mkdir -p "$D/deb"
SOURCE_DATE_EPOCH=946684800 dpkg-deb --root-owner-group -Zxz --build "$stage" \
	"$D/deb/vt-hello_1.0_all.deb" >/dev/null

# ------------------------------------------------------------------ tarballs
# (made before the final touch, from the tree as it is: fixed names order,
# times, owners, so the archive's bytes are reproducible)
mkdir -p "$D/archives"
tarflags=(--sort=name --mtime='2002-03-04 05:06:07' --owner=0 --group=0 --numeric-owner --format=gnu)
tar "${tarflags[@]}" -C "$D" -cf "$D/archives/tree.tar" tree
gzip -n -9 -c "$D/archives/tree.tar" >"$D/archives/tree.tar.gz"
# overlay.tar: other contents (and one mode) for names that exist in the
# lower, plus one new name, to extract over it
ov=$scratch/overlay
mkdir -p "$ov/tree/a/x" "$ov/files" "$ov/tree/new"
put "$ov/tree/a/x/f1" "tree a/x/f1 replaced by overlay.tar"
put "$ov/tree/b/y/f2" "tree b/y/f2 replaced by overlay.tar" 0600
put "$ov/files/words.txt" "words replaced by overlay.tar"
put "$ov/tree/new/added" "a new file from overlay.tar"
tar "${tarflags[@]}" -C "$ov" -cf "$D/archives/overlay.tar" tree files

# ----------------------------------------------------------- git repository
# every input of a commit hash fixed: identity, dates, no user or system
# configuration
(
	export HOME=$scratch/home GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
	export GIT_AUTHOR_NAME="Fixture Author" GIT_AUTHOR_EMAIL=author@veneer.invalid
	export GIT_COMMITTER_NAME="Fixture Committer" GIT_COMMITTER_EMAIL=committer@veneer.invalid
	# (the reflog entries of branch and checkout take the committer date)
	export GIT_AUTHOR_DATE='2001-01-01T09:00:00Z' GIT_COMMITTER_DATE='2001-01-01T09:00:00Z'
	mkdir -p "$HOME"
	r=$D/repo
	git init -q -b main "$r"
	cd "$r"
	put README.md "# demo repository"
	put src/hello.c 'int main(void) { return 0; }'
	put notes.txt "first note"
	git add -A
	GIT_AUTHOR_DATE='2001-01-01T10:00:00Z' GIT_COMMITTER_DATE='2001-01-01T10:00:00Z' \
		git commit -q -m "initial commit"
	git branch feature
	printf '%s\n' "# demo repository" "" "Now with a description." >README.md
	git add README.md
	GIT_AUTHOR_DATE='2001-01-02T10:00:00Z' GIT_COMMITTER_DATE='2001-01-02T10:00:00Z' \
		git commit -q -m "describe the repository"
	git checkout -q feature
	put feature.txt "the feature"
	echo "a feature note" >>notes.txt
	git add -A
	GIT_AUTHOR_DATE='2001-01-03T10:00:00Z' GIT_COMMITTER_DATE='2001-01-03T10:00:00Z' \
		git commit -q -m "add the feature"
	git checkout -q main
)

# --------------------------------------------------------------- the times
# deepest first (-depth), so that setting a file's time does not change
# its directory's afterwards; -h: symlinks themselves
find "$D" -depth -exec touch -h -d '2001-02-03 04:05:06' {} +
