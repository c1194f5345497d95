#!/bin/bash
# veneer export, as a reproducible build and a container tool need it:
#   - --mtime EPOCH and $SOURCE_DATE_EPOCH clamp every time; two exports
#     of one upper at different times and umasks with one clamp are the
#     same bytes (gzip'd too: -n, no name nor time);
#   - --compress gzip and zstd give what gzip -d and zstd -d turn into
#     the plain export;
#   - a sparse file (1 TiB, one data block) is a sparse entry: the tar
#     stays small, and GNU tar extracts the size and the data; umoci
#     (Go's archive/tar) unpacks an image of such a layer (64 MiB sparse
#     files: umoci writes holes out) to the upper's very data, and
#     skopeo copies the image, checking its digests;
#   - files and directories the sandbox made mode 000 are exported with
#     their data and mode 000, and have their mode back after;
#   - bad input (a --mtime or SOURCE_DATE_EPOCH that is not a number, an
#     unknown --compress, a compressor not installed): exit 125, one
#     line, no file left.
# it-timeout: 180
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd tar gzip zstd umoci skopeo
require_free_host_path /vt-export

U=$T/U
vrun_ok "$T/o" "$T/e" --upper "$U" -- sh -c '
	mkdir -p /vt-export/locked/inner && echo plain >/vt-export/plain &&
	echo hidden >/vt-export/locked/inner/secret && chmod 000 /vt-export/locked/inner/secret &&
	chmod 000 /vt-export/locked/inner /vt-export/locked &&
	truncate -s 1T /vt-export/sparse &&
	printf hello | dd of=/vt-export/sparse bs=1 seek=5000000 conv=notrunc 2>/dev/null'
modes_before=$(stat -c '%a %n' "$U/vt-export/locked")

# ------------------------------------------------ clamped, the same bytes
"$VENEER" export --mtime 86400 -o "$T/a.tar" "$U" || fail "export --mtime exited $?"
sleep 1.1
touch "$U/vt-export/plain"
(umask 077 && SOURCE_DATE_EPOCH=86400 "$VENEER" export -o "$T/b.tar" "$U") ||
	fail "export with SOURCE_DATE_EPOCH exited $?"
cmp -s "$T/a.tar" "$T/b.tar" || fail "two exports clamped to one time differ"
assert_eq "1970-01-02 00:00" "$(tar tvf "$T/a.tar" --full-time | awk 'NR == 1 { print $4, substr($5, 1, 5) }' |
	TZ=UTC xargs -I{} date -u -d '{} UTC' '+%Y-%m-%d %H:%M')" "the clamped time of an entry"
assert_eq 0 "$(tar tvf "$T/a.tar" --full-time | awk '$4 != "1970-01-02"' | wc -l)" \
	"every entry clamped to 1970-01-02"

# ------------------------------------------------ compressed
for c in gzip zstd; do
	"$VENEER" export --compress "$c" --mtime 86400 -o "$T/c.$c" "$U" || fail "export --compress $c exited $?"
	"$c" -dc "$T/c.$c" >"$T/c.tar" || fail "$c cannot read what export --compress $c wrote"
	cmp -s "$T/a.tar" "$T/c.tar" || fail "export --compress $c is not the plain export, compressed"
done
"$VENEER" export --compress gzip --mtime 86400 -o "$T/c2.gzip" "$U"
cmp -s "$T/c.gzip" "$T/c2.gzip" || fail "two gzip'd exports differ"

# ------------------------------------------------ sparse
size=$(stat -c %s "$T/a.tar")
[ "$size" -lt 1048576 ] || fail "the tar of a 1 TiB sparse file is $size bytes"
mkdir -p "$T/x"
tar -C "$T/x" -xf "$T/a.tar" 2>"$T/x.err" || true # the 000 directory cannot be entered after
chmod -R u+rwx "$T/x" 2>/dev/null || true
assert_eq 1099511627776 "$(stat -c %s "$T/x/vt-export/sparse")" "the sparse file's size, extracted"
assert_eq hello "$(dd if="$T/x/vt-export/sparse" bs=1 skip=5000000 count=5 2>/dev/null)" \
	"the sparse file's data, extracted"

# umoci and skopeo: an image of a layer with sparse files
U2=$T/U2
vrun_ok "$T/o" "$T/e" --upper "$U2" -- sh -c '
	mkdir -p /vt-export && truncate -s 64M /vt-export/mid &&
	printf hello | dd of=/vt-export/mid bs=1 seek=5000000 conv=notrunc 2>/dev/null &&
	truncate -s 8M /vt-export/hole && echo plain >/vt-export/plain'
"$VENEER" export -o "$T/u2.tar" "$U2" || fail "export of the sparse upper exited $?"
(
	cd "$T" && umoci init --layout oci && umoci new --image oci:t &&
		umoci raw add-layer --image oci:t u2.tar &&
		umoci unpack --rootless --image oci:t bundle
) >"$T/umoci.out" 2>&1 || { show_file umoci "$T/umoci.out"; fail "umoci cannot unpack an image of the export"; }
for f in mid hole plain; do
	cmp -s "$U2/vt-export/$f" "$T/bundle/rootfs/vt-export/$f" || fail "umoci unpacked /vt-export/$f otherwise"
done
skopeo copy -q "oci:$T/oci:t" "oci:$T/oci2:t" >"$T/skopeo.out" 2>&1 ||
	{ show_file skopeo "$T/skopeo.out"; fail "skopeo cannot copy an image of the export"; }

# ------------------------------------------------ mode 000
assert_match '^d--------- 0/0 .* vt-export/locked/$' "$(tar tvf "$T/a.tar" --numeric-owner | grep ' vt-export/locked/$')" \
	"the 000 directory in the tar"
assert_eq hidden "$(tar xOf "$T/a.tar" vt-export/locked/inner/secret)" "the 000 file's data in the tar"
assert_eq "$modes_before" "$(stat -c '%a %n' "$U/vt-export/locked")" "the 000 directory's mode after the export"
assert_eq "0 $U/vt-export/locked" "$(stat -c '%a %n' "$U/vt-export/locked")" "its mode is still 000"

# ------------------------------------------------ bad input
bad() { # WHAT PATTERN ENV... -- ARG...
	local what=$1 pattern=$2
	shift 2
	local -a envs=()
	while [ "$1" != -- ]; do envs+=("$1"); shift; done
	shift
	set +e
	env "${envs[@]}" "$VENEER" export -o "$T/bad.tar" "$@" >"$T/o" 2>"$T/e"
	local rc=$?
	set -e
	assert_eq 125 "$rc" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line"
	assert_match "^veneer: export: .*$pattern" "$(cat "$T/e")" "$what: the line"
	[ ! -e "$T/bad.tar" ] || fail "$what: left $T/bad.tar"
}
bad "--mtime not a number" "is not a time" -- --mtime 12abc "$U"
bad "SOURCE_DATE_EPOCH not a number" "SOURCE_DATE_EPOCH 'soon' is not a time" SOURCE_DATE_EPOCH=soon -- "$U"
bad "an unknown --compress" "give gzip or zstd" -- --compress bzip2 "$U"
bad "a compressor not installed" "no zstd program on PATH" PATH=/nonexistent -- --compress zstd "$U"
