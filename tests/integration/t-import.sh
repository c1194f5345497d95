#!/bin/bash
# veneer import: a layer tarball unpacked as a directory a sandbox takes
# as --upper or --lower:
#   - round trip: an upper a real sandbox wrote with presented ids over a
#     lower (appends, new files, a deletion, chmod incl. mode 000, chown,
#     hard links, symlinks relative and absolute, a FIFO, a sparse file, a
#     made /dev/null, a lower directory removed and made again (opaque), a
#     `make install`-like tree, a read-only directory) is exported and
#     imported: `veneer diff` of the import (text and json) is the
#     original's, its export is the original's export byte for byte, a
#     sandbox over it shows the same tree (names, types,
#     modes, owners, sizes, link targets, data), the sparse file stays
#     sparse, through gzip, zstd and stdin alike;
#   - GNU tar's own format (long names, a sparse file, numeric owners) and
#     pax sparse 0.0, 0.1 and 1.0 give the source tree's data; a later
#     member of a path replaces an earlier one;
#   - the imported directory as a --lower shows its files;
#   - hostile or bad input (truncated, bad checksum, "../x", "/abs", a
#     write through a symlink of the archive, hard links out, a relative
#     symlink above the root, veneer's state directory, DIR existing, a
#     corrupt .gz, missing arguments): exit 125, one line naming the
#     member, no DIR and no temporary left, nothing written outside;
#   - user xattrs kept, others counted in one line; a character device a
#     sandbox may make is an empty file presented as the device, a block
#     device and aufs' .wh..wh.* names are left out (one line); set-ID
#     bits dropped (the test user is no root); a 0555 directory filled;
#     a global pax header's owners and a fractional pax mtime are read.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented), which its uppers are made with"
require_free_host_path /vti
require_cmd tar gzip zstd python3 md5sum

L=$T/L U=$T/U
mkdir -p "$L/vti/d/sub" "$L/vti/gone/deep" "$L/vti/opq" "$L/vti/ro" "$T/out"
echo keep >"$L/vti/d/keep"
echo old >"$L/vti/d/mod"
echo x >"$L/vti/gone/deep/f"
echo y >"$L/vti/opq/old"
echo z >"$L/vti/ro/z"
# whole seconds: a tar keeps no fraction of a second (export writes none),
# and `veneer diff` tells a copied-up file's data by its size and mtime
find "$L" -exec touch -h -d @1700000000 {} +
vrun_ok "$T/o" "$T/e" --ids presented --lower "$L" --lower / --upper "$U" -- sh -c '
	cd /vti/d && echo new >>mod && echo added >added && mkdir -p newdir/in &&
	ln -s keep link && ln -s /etc/hostname abs && ln added hard && mkfifo fifo &&
	chmod 600 keep && echo secret >locked && chmod 000 locked &&
	truncate -s 100M sparse && printf data | dd of=sparse bs=1 seek=5000000 conv=notrunc 2>/dev/null &&
	chown 42:43 added && chown -h 7:8 link && chown 5:6 newdir &&
	rm -rf /vti/gone && rm -rf /vti/opq && mkdir /vti/opq && echo n >/vti/opq/new &&
	mkdir -p /vti/prefix/bin /vti/prefix/lib /vti/prefix/share/doc &&
	printf "#!/bin/sh\necho hi\n" >/vti/prefix/bin/tool && chmod 755 /vti/prefix/bin/tool &&
	ln -s tool /vti/prefix/bin/tool-alias && echo lib >/vti/prefix/lib/libx.so.1 &&
	ln -s libx.so.1 /vti/prefix/lib/libx.so && echo doc >/vti/prefix/share/doc/README &&
	chmod 555 /vti/ro && { mknod /vti/d/null c 1 3 2>/dev/null || true; }'

# ------------------------------------------------ round trip
"$VENEER" export -o "$T/u.tar" "$U" || fail "export exited $?"
"$VENEER" import "$T/u.tar" -o "$T/out/I" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import exited $?"; }
assert_eq "" "$(cat "$T/o")" "import: nothing on stdout"
assert_eq 1 "$(wc -l <"$T/e")" "import: one line on stderr"
assert_match '^veneer: imported [0-9]+ entries \([0-9]+ files, [0-9]+ directories, .* into .*/out/I$' \
	"$(cat "$T/e")" "import: the final line"
for fmt in text json; do
	"$VENEER" diff --format "$fmt" --lower "$L" --lower / "$U" >"$T/diff-u.$fmt"
	"$VENEER" diff --format "$fmt" --lower "$L" --lower / "$T/out/I" >"$T/diff-i.$fmt"
	assert_files_eq "$T/diff-u.$fmt" "$T/diff-i.$fmt" "veneer diff --format $fmt of the import against the original upper's"
done
assert_match '^O /vti/opq$' "$(grep '^O' "$T/diff-i.text")" "the opaque directory, imported"
assert_match '^A f 0644 42:43 /vti/d/added$' "$(grep ' /vti/d/added$' "$T/diff-i.text")" "a presented owner, imported"
[ "$(du -k "$T/out/I/vti/d/sparse" | cut -f1)" -lt 1024 ] || fail "the sparse file was imported whole"
assert_eq "$(stat -c %i "$T/out/I/vti/d/added")" "$(stat -c %i "$T/out/I/vti/d/hard")" "a hard link, imported"
assert_eq "/etc/hostname" "$(readlink "$T/out/I/vti/d/abs")" "an absolute symlink, kept as it is"
[ -f "$T/out/I/.wh..wh..veneer/version" ] || fail "the import has no state directory with a version"
assert_eq "$T/out/I: clean" "$("$VENEER" check "$T/out/I" 2>&1)" "veneer check of the import"

# and exported again, the same bytes
"$VENEER" export -o "$T/i.tar" "$T/out/I" || fail "export of the import exited $?"
cmp -s "$T/u.tar" "$T/i.tar" || { diff <(tar tvf "$T/u.tar") <(tar tvf "$T/i.tar") >&2 || true; fail "the import, exported, is not the original's export"; }

listing='cd / && find vti -printf "%p %y %m %s %U:%G %l\n" | sort &&
	find vti -type f -perm -400 -exec md5sum {} + | sort'
vrun_ok "$T/view-u" "$T/e" --lower "$L" --lower / --upper "$U" -- sh -c "$listing"
vrun_ok "$T/view-i" "$T/e" --lower "$L" --lower / --upper "$T/out/I" -- sh -c "$listing"
assert_files_eq "$T/view-u" "$T/view-i" "the tree a sandbox shows over the import against over the original"
grep -q '^vti/d/locked f 0 7 0:0 $' "$T/view-i" || fail "the mode 000 file, imported: $(grep locked "$T/view-i")"

# the same through gzip, zstd and stdin
gzip -c "$T/u.tar" >"$T/u.tar.gz"
zstd -q -c "$T/u.tar" >"$T/u.tar.zst"
"$VENEER" import --quiet "$T/u.tar.gz" -o "$T/out/Igz" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import of a .gz exited $?"; }
assert_eq "" "$(cat "$T/o" "$T/e")" "import --quiet says nothing"
"$VENEER" import -q - -o "$T/out/Izst" <"$T/u.tar.zst" || fail "import of a .zst from stdin exited $?"
cat "$T/u.tar" | "$VENEER" import -q - -o "$T/out/Ipipe" || fail "import of a tar from a pipe exited $?"
for i in Igz Izst Ipipe; do
	"$VENEER" diff --lower "$L" --lower / "$T/out/$i" >"$T/diff-$i"
	assert_files_eq "$T/diff-u.text" "$T/diff-$i" "veneer diff of the import ($i)"
done

# as a lower: its files are there (owners: the union reads its upper's
# store only, so an imported lower's objects show their real owner)
vrun_ok "$T/o" "$T/e" --lower "$T/out/I" --lower "$L" --lower / -- sh -c 'cat /vti/d/added /vti/opq/new; ls /vti/opq'
assert_eq "added n new" "$(echo $(cat "$T/o"))" "the import as a lower"

# ------------------------------------------------ GNU tar and pax sparse
S=$T/src
LONGDIR=$(printf 'd%.0s' $(seq 120))
LONGNAME=$(printf 'n%.0s' $(seq 200))
mkdir -p "$S/$LONGDIR/$LONGDIR" "$S/e"
echo long >"$S/$LONGDIR/$LONGDIR/$LONGNAME"
truncate -s 64M "$S/e/sparse"
printf hello | dd of="$S/e/sparse" bs=1 seek=10000000 conv=notrunc 2>/dev/null
printf tail | dd of="$S/e/sparse" bs=1 seek=40000000 conv=notrunc 2>/dev/null
echo plain >"$S/e/plain"
ln "$S/e/plain" "$S/e/hard"
ln -s "../$LONGDIR/$LONGDIR/$LONGNAME" "$S/e/longlink"
for fmt in gnu pax-0.0 pax-0.1 pax-1.0; do
	case $fmt in
	gnu) args=(--format=gnu) ;;
	*) args=(--format=pax --sparse-version="${fmt#pax-}") ;;
	esac
	tar "${args[@]}" --sparse --numeric-owner --owner=42 --group=43 -C "$S" -cf "$T/$fmt.tar" . ||
		fail "tar --format $fmt failed"
	"$VENEER" import -q "$T/$fmt.tar" -o "$T/out/$fmt" || fail "import of GNU tar's $fmt exited $?"
	diff -r "$S" "$T/out/$fmt" -x .wh..wh..veneer >"$T/d" 2>&1 || { show_file diff "$T/d"; fail "$fmt: the imported tree differs"; }
	[ "$(du -k "$T/out/$fmt/e/sparse" | cut -f1)" -lt 4096 ] || fail "$fmt: the sparse file was imported whole"
	assert_eq "$(stat -c %i "$T/out/$fmt/e/plain")" "$(stat -c %i "$T/out/$fmt/e/hard")" "$fmt: a hard link"
	"$VENEER" diff --lower "$T/L" "$T/out/$fmt" >"$T/d"
	assert_match '^A f 0644 42:43 /e/plain$' "$(grep ' /e/plain$' "$T/d")" "$fmt: the tar's owner, presented"
done

# a later member of a path replaces an earlier one, as tar does
cat >"$T/mk.py" <<'EOF'
import io, sys, tarfile

def member(t, name, kind, data=b"", link="", mode=None, uid=0):
    ti = tarfile.TarInfo(name)
    ti.mode = mode if mode is not None else 0o755 if kind == "d" else 0o644
    ti.uid = ti.gid = uid
    if kind == "f":
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
        return
    ti.type = {"d": tarfile.DIRTYPE, "l": tarfile.SYMTYPE, "h": tarfile.LNKTYPE}[kind]
    ti.linkname = link
    t.addfile(ti)

def make(path, members, fmt=tarfile.PAX_FORMAT):
    with tarfile.open(path, "w", format=fmt) as t:
        for m in members:
            member(t, *m)

out = sys.argv[1]
make(out + "/dup.tar", [("f", "f", b"first"), ("f", "f", b"second", "", 0o600, 9),
                        ("x", "f", b"file"), ("x", "d"), ("x/in", "f", b"in"),
                        ("e", "d"), ("e", "f", b"was a dir"), ("h", "h", b"", "f")])
make(out + "/dotdot.tar", [("a", "f", b"x"), ("../x", "f", b"evil")])
make(out + "/abs.tar", [("ok", "f", b"x"), ("/abs", "f", b"evil")])
make(out + "/through.tar", [("a", "l", b"", sys.argv[2]), ("a/evil", "f", b"evil")])
make(out + "/hardabs.tar", [("h", "h", b"", "/etc/passwd")])
make(out + "/hardup.tar", [("h", "h", b"", "../outside")])
make(out + "/hardlater.tar", [("h", "h", b"", "later"), ("later", "f", b"x")])
make(out + "/climb.tar", [("d/l", "l", b"", "../../x")])
make(out + "/state.tar", [(".wh..wh..veneer/owners", "f", b"x")])

# what a layer keeps and what it does not: xattrs, devices, set-ID bits,
# a read-only directory filled, aufs' own names
with tarfile.open(out + "/kinds.tar", "w", format=tarfile.PAX_FORMAT) as t:
    member(t, "ro", "d", mode=0o555)
    member(t, "ro/f", "f", b"in a 0555 directory")
    ti = tarfile.TarInfo("x")
    ti.size = 1
    ti.pax_headers = {"SCHILY.xattr.user.kept": "yes", "SCHILY.xattr.security.capability": "no"}
    t.addfile(ti, io.BytesIO(b"x"))
    for name, kind, major, minor in (("null", tarfile.CHRTYPE, 1, 3), ("sda", tarfile.BLKTYPE, 8, 0)):
        ti = tarfile.TarInfo(name)
        ti.type, ti.devmajor, ti.devminor, ti.mode, ti.uid, ti.gid = kind, major, minor, 0o666, 0, 5
        t.addfile(ti)
    member(t, "suid", "f", b"s", mode=0o4755)
    member(t, ".wh..wh.plnk", "d")
    member(t, ".wh..wh.plnk/1.2", "f", b"aufs")

# a global pax header ('g': owners for every member after it), a
# fraction of a second
with tarfile.open(out + "/global.tar", "w", format=tarfile.PAX_FORMAT,
                  pax_headers={"uid": "77", "gid": "78"}) as t:
    ti = tarfile.TarInfo("g")
    ti.size = 1
    ti.pax_headers = {"mtime": "1234567890.5"}
    t.addfile(ti, io.BytesIO(b"g"))
EOF
mkdir -p "$T/somewhere" "$T/h"
python3 "$T/mk.py" "$T/h" "$T/somewhere"
"$VENEER" import -q "$T/h/dup.tar" -o "$T/out/dup" || fail "import of duplicate members exited $?"
assert_eq "second" "$(cat "$T/out/dup/f")" "a later member replaces an earlier one"
assert_eq "600" "$(stat -c %a "$T/out/dup/f")" "the later member's mode"
assert_eq "in" "$(cat "$T/out/dup/x/in")" "a directory replaces a file"
assert_eq "was a dir" "$(cat "$T/out/dup/e")" "a file replaces an empty directory"
assert_eq "$(stat -c %i "$T/out/dup/f")" "$(stat -c %i "$T/out/dup/h")" "a hard link to the later member"
"$VENEER" diff --lower "$T/L" "$T/out/dup" >"$T/d"
assert_match '^A f 0600 9:9 /f$' "$(grep ' /f$' "$T/d")" "the later member's owner"
assert_eq "$T/out/dup: clean" "$("$VENEER" check "$T/out/dup" 2>&1)" "veneer check of replaced members: no stale record"

"$VENEER" import "$T/h/kinds.tar" -o "$T/out/kinds" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "import of kinds.tar exited $?"; }
assert_match '^veneer: import: 1 xattr not kept \(only user.\* are: first /x security.capability\)$' \
	"$(sed -n 1p "$T/e")" "an xattr not kept, said"
assert_match '^veneer: import: 3 members left out \(first /sda \(a device veneer does not make\)\)$' \
	"$(sed -n 2p "$T/e")" "a block device and aufs' names left out, said"
assert_match '^veneer: imported ' "$(sed -n 3p "$T/e")" "kinds.tar: the final line"
if python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.t", b"1")' "$T/out/kinds/x" 2>/dev/null; then
	assert_eq yes "$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.kept").decode())' "$T/out/kinds/x")" \
		"a user xattr, imported"
fi
assert_eq "555 in a 0555 directory" "$(stat -c %a "$T/out/kinds/ro") $(cat "$T/out/kinds/ro/f")" "a 0555 directory, filled"
assert_eq 755 "$(stat -c %a "$T/out/kinds/suid")" "set-user-ID bits, only when root imports"
[ ! -e "$T/out/kinds/sda" ] && [ ! -e "$T/out/kinds/.wh..wh.plnk" ] || fail "a block device or aufs' names imported"
"$VENEER" diff --lower "$T/L" "$T/out/kinds" >"$T/d"
if [ "$(stat -c %W "$T/out/kinds/null")" != 0 ]; then
	assert_match '^A c1,3 0666 0:5 /null$' "$(grep ' /null$' "$T/d")" "a character device, presented as a mknod inside makes it"
	assert_eq "f 0" "$(stat -c '%F %s' "$T/out/kinds/null" | sed 's/regular empty file/f/')" "a device is an empty file on the host"
fi
"$VENEER" import -q "$T/h/global.tar" -o "$T/out/global" || fail "import of global.tar exited $?"
assert_match '^A f 0644 77:78 /g$' "$("$VENEER" diff --lower "$T/L" "$T/out/global")" "owners of a global pax header"
assert_eq "1234567890.500000000" "$(stat -c %.9Y "$T/out/global/g")" "a pax mtime with a fraction"
"$VENEER" rm "$T/out"/* || fail "veneer rm of the imports exited $?" # each is an upper

# ------------------------------------------------ bad input
head -c 3000 "$T/gnu.tar" >"$T/h/truncated.tar"
cp "$T/gnu.tar" "$T/h/badsum.tar"
printf 'Z' | dd of="$T/h/badsum.tar" bs=1 seek=1030 conv=notrunc 2>/dev/null
# a .gz whose data is damaged in its middle
python3 - "$T/u.tar.gz" "$T/h/corrupt.tar.gz" <<'EOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
for i in range(len(b) // 2, len(b) // 2 + 64):
    b[i] ^= 0x55
open(sys.argv[2], "wb").write(b)
EOF
mkdir -p "$T/out/exists"

bad() { # WHAT PATTERN ARG...
	local what=$1 pattern=$2
	shift 2
	set +e
	"$VENEER" import "$@" >"$T/o" 2>"$T/e"
	local rc=$?
	set -e
	assert_eq 125 "$rc" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line ($(cat "$T/e"))"
	assert_match "^veneer: import: .*$pattern" "$(cat "$T/e")" "$what: the line"
	assert_eq "exists" "$(ls -A "$T/out")" "$what: what is left beside DIR"
}
bad "a truncated tar" "member '.*': the archive ends in .*truncated" "$T/h/truncated.tar" -o "$T/out/D"
bad "a bad checksum" "after member '.*' has a bad checksum" "$T/h/badsum.tar" -o "$T/out/D"
bad "a ../ member" "member '../x': its path climbs with '..'" "$T/h/dotdot.tar" -o "$T/out/D"
bad "an absolute member" "member '/abs': an absolute path" "$T/h/abs.tar" -o "$T/out/D"
bad "a write through a symlink" "member 'a/evil': its directory 'a' is reached through a symlink" \
	"$T/h/through.tar" -o "$T/out/D"
assert_eq "" "$(ls -A "$T/somewhere")" "the symlink's target on the host"
bad "a hard link to an absolute path" "member 'h': an absolute link target" "$T/h/hardabs.tar" -o "$T/out/D"
bad "a hard link out of DIR" "member 'h': its link target climbs with '..'" "$T/h/hardup.tar" -o "$T/out/D"
bad "a hard link to a later member" "member 'h': a hard link to 'later', which is no earlier member" \
	"$T/h/hardlater.tar" -o "$T/out/D"
bad "a relative symlink above the root" "member 'd/l': a symlink to '../../x', above the layer's root" \
	"$T/h/climb.tar" -o "$T/out/D"
bad "veneer's state directory" "member '.wh..wh..veneer/owners': .*state directory" "$T/h/state.tar" -o "$T/out/D"
bad "DIR exists" "-o .*/out/exists exists; give a new directory" "$T/gnu.tar" -o "$T/out/exists"
bad "a corrupt .gz" "" "$T/h/corrupt.tar.gz" -o "$T/out/D"
bad "a missing FILE" "/nope: No such file" "$T/nope" -o "$T/out/D"
bad "no -o" "no -o DIR given" "$T/gnu.tar"
bad "no FILE" "no FILE given" -o "$T/out/D"
bad "an unknown option" "unknown option --bogus" --bogus "$T/gnu.tar" -o "$T/out/D"
