#!/bin/bash
# The layer tools, on uppers that real sandboxes wrote:
#   - `veneer diff` lists exactly the changes (A/C/D/O lines, sorted,
#     types, modes, presented owners), for an upper of a sandbox with the
#     kernel's ids (the caller's own ids show as 0:0, no owner store) and
#     one with presented ids (chown 42:43 kept in the owner store, files
#     root made inside 0:0, every owner the one the sandbox showed inside);
#     a directory copied up only for what changed below it is not listed,
#     one whose mode changed or that became opaque is; --include and
#     --exclude globs select paths and what is below them; --format json
#     gives one object per line (python's json reads each) with what
#     changed; a directory that is not an upper is refused;
#   - `veneer export` writes a tar GNU tar lists with those owners, in
#     sorted order, whiteouts as .wh.NAME files (also a 0/0 device one),
#     the opaque marker, hard links, symlinks, FIFOs, user xattrs; the
#     same bytes twice; `tar xf` of it gives the upper's tree back;
#   - --help, `veneer help diff|export`, and bad input: exit 125, one line
#     "veneer: ..." on stderr, nothing on stdout.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented), which its uppers are made with"
require_free_host_path /vtdata
require_cmd tar sha256sum

ME="$MY_UID/$MY_GID"
L=$T/L
LONG=$(printf 'x%.0s' $(seq 253)) # too long for ".wh.": a 0/0 device whiteout
mkdir -p "$L/vtdata/olddir" "$T/out"
put "$L/vtdata/keep" "keep"
put "$L/vtdata/gone" "gone"
put "$L/vtdata/$LONG" "long"
put "$L/vtdata/olddir/old" "old"
probe=$T/xattr-probe
: >"$probe"
HAVE_XATTR=0
if command -v setfattr >/dev/null && command -v getfattr >/dev/null &&
	setfattr -n user.probe -v 1 "$probe" 2>/dev/null; then
	HAVE_XATTR=1
fi
rm -f "$probe"
mknod "$T/wh-probe" c 0 0 2>/dev/null ||
	skip "cannot mknod a 0/0 whiteout here (needs Linux >= 5.8)"
rm -f "$T/wh-probe"

# run_tool OUT ERR COMMAND ARG...: veneer COMMAND ..., status in TRC
run_tool() {
	local out=$1 err=$2
	shift 2
	set +e
	"$VENEER" "$@" <"/dev/null" >"$out" 2>"$err"
	TRC=$?
	set -e
}

tool_ok() {
	run_tool "$@"
	if [ "$TRC" -ne 0 ]; then
		show_file stderr "$2" >&2
		fail "veneer ${*:3} exited $TRC (expected 0)"
	fi
}

# ---------------------------------------------------- the kernel's ids
K=$T/K
# shellcheck disable=SC2016
vrun_ok "$T/run.out" "$T/run.err" --ids kernel --lower "$L" --lower / --upper "$K" -- sh -c '
	set -e
	cd /vtdata
	echo changed >>keep
	rm gone "$1"
	mkdir -p new/sub
	echo x >new/sub/f
	chmod 4755 new/sub/f
	rm -rf olddir
	mkdir olddir
	echo n >olddir/n
	ln -s keep link
	touch "sp ace" "$(printf "nl\nname")"
' sh "$LONG"
[ ! -e "$K/.wh..wh..veneer/owners" ] ||
	fail "a sandbox with --ids kernel left an owner store: rule 3 is not tested"

tool_ok "$T/k.diff" "$T/k.err" diff --lower "$L" --lower / "$K"
assert_eq "D /vtdata/gone
C f 0644 0:0 /vtdata/keep
A l 0777 0:0 /vtdata/link
A d 0755 0:0 /vtdata/new
A d 0755 0:0 /vtdata/new/sub
A f 4755 0:0 /vtdata/new/sub/f
A f 0644 0:0 /vtdata/nl\\nname
C d 0755 0:0 /vtdata/olddir
O /vtdata/olddir
A f 0644 0:0 /vtdata/olddir/n
A f 0644 0:0 /vtdata/sp ace
D /vtdata/$LONG" "$(cat "$T/k.diff")" "diff of the kernel-ids upper"
[ ! -s "$T/k.err" ] || fail "diff wrote to stderr: $(cat "$T/k.err")"

# selecting paths: a directory's glob takes what is below it; --exclude wins
tool_ok "$T/s.diff" "$T/s.err" diff --lower "$L" --lower / --include '/vtdata/new' \
	--include '*/olddir' --exclude '/vtdata/new/sub/f' "$K"
assert_eq "A d 0755 0:0 /vtdata/new
A d 0755 0:0 /vtdata/new/sub
C d 0755 0:0 /vtdata/olddir
O /vtdata/olddir
A f 0644 0:0 /vtdata/olddir/n" "$(cat "$T/s.diff")" "diff --include, --exclude"

# JSON lines: the same changes, with what changed of each C
tool_ok "$T/k.json" "$T/k.err" diff --format json --lower "$L" --lower / "$K"
assert_eq "$(wc -l <"$T/k.diff")" "$(wc -l <"$T/k.json")" "diff --format json: one object per line"
python3 - "$T/k.json" <<'PY' >"$T/k.jsum" || fail "diff --format json is not JSON lines"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    fields = [o["change"], o["path"].replace("\n", "\\n")[:20], o.get("type"), o.get("mode"),
              o.get("size"), o.get("target"), ",".join(o.get("changed", []))]
    print(" ".join(str(f) for f in fields if f not in (None, "")))
PY
assert_eq "deleted /vtdata/gone
changed /vtdata/keep file 0644 $(stat -c %s "$K/vtdata/keep") data
added /vtdata/link symlink 0777 keep
added /vtdata/new directory 0755
added /vtdata/new/sub directory 0755
added /vtdata/new/sub/f file 4755 2
added /vtdata/nl\\nname file 0644 0
changed /vtdata/olddir directory 0755
opaque /vtdata/olddir
added /vtdata/olddir/n file 0644 2
added /vtdata/sp ace file 0644 0
deleted /vtdata/xxxxxxxxxxxx" "$(cat "$T/k.jsum")" "diff --format json"

# a directory's own change is listed, not its being a parent of changes
vrun_ok "$T/run.out" "$T/run.err" --ids kernel --lower "$L" --lower / --upper "$K" -- chmod 0750 /vtdata
tool_ok "$T/k4.diff" "$T/k4.err" diff --lower "$L" --lower / --include /vtdata "$K"
assert_eq "C d 0750 0:0 /vtdata" "$(head -n 1 "$T/k4.diff")" "diff of a directory whose mode changed"
vrun_ok "$T/run.out" "$T/run.err" --ids kernel --lower "$L" --lower / --upper "$K" -- chmod 0755 /vtdata
tool_ok "$T/k4.diff" "$T/k4.err" diff --lower "$L" --lower / "$K"
assert_files_eq "$T/k.diff" "$T/k4.diff" "diff after the directory's mode went back"

# the default lower is /, which has no /vtdata: all added
tool_ok "$T/k2.diff" "$T/k2.err" diff "$K"
assert_eq "A d 0755 0:0 /vtdata" "$(head -n 1 "$T/k2.diff")" "diff over the default lower /"
assert_eq 0 "$(grep -c '^C ' "$T/k2.diff" || true)" "diff over /: nothing under /vtdata is on the host"

# tar_listing TAR: "MODE OWNER NAME" per entry, in the tar's order
tar_listing() {
	paste -d' ' <(tar tvf "$1" --numeric-owner | awk '{ print $1, $2 }') <(tar tf "$1")
}

tool_ok "$T/k.tar" "$T/k.err" export "$K"
assert_eq "drwxr-xr-x 0/0 vtdata/
---------- 0/0 vtdata/.wh.gone
---------- 0/0 vtdata/.wh.$LONG
-rw-r--r-- 0/0 vtdata/keep
lrwxrwxrwx 0/0 vtdata/link
drwxr-xr-x 0/0 vtdata/new/
drwxr-xr-x 0/0 vtdata/new/sub/
-rwsr-xr-x 0/0 vtdata/new/sub/f
-rw-r--r-- 0/0 vtdata/nl\\nname
drwxr-xr-x 0/0 vtdata/olddir/
---------- 0/0 vtdata/olddir/.wh..wh..opq
-rw-r--r-- 0/0 vtdata/olddir/n
-rw-r--r-- 0/0 vtdata/sp ace" "$(tar_listing "$T/k.tar")" "export of the kernel-ids upper"
assert_match ' vtdata/link -> keep$' "$(tar tvf "$T/k.tar")" "the symlink's target in the tar"
assert_eq "changed" "$(tar xOf "$T/k.tar" vtdata/keep | tail -n 1)" "a file's data in the tar"

# ---------------------------------------------------- presented ids
P=$T/P
# shellcheck disable=SC2016
vrun_ok "$T/run.out" "$T/run.err" --ids presented --lower "$L" --lower / --upper "$P" -- sh -c '
	set -e
	cd /vtdata
	echo owned >owned
	chown 42:43 owned
	mkdir dir
	echo f >dir/f
	ln dir/f dir/hard
	rm gone
	mkfifo fifo
	ln -s owned sym
	echo more >>keep
	if [ "$1" = 1 ]; then setfattr -n user.x -v hello owned; fi
	find /vtdata -printf "%p %U:%G\n" | sort
' sh "$HAVE_XATTR"
[ -e "$P/.wh..wh..veneer/owners" ] || fail "a sandbox with --ids presented left no owner store"
# the owners shown inside: what diff and export must give
inside_owner() { awk -v p="$1" '$1 == p { print $2 }' "$T/run.out"; }
VT=$(inside_owner /vtdata)
KEEP=$(inside_owner /vtdata/keep)
assert_match '^[0-9]+:[0-9]+$' "$VT" "the owner of /vtdata inside"

tool_ok "$T/p.diff" "$T/p.err" diff --lower "$L" --lower / "$P"
assert_eq "A d 0755 0:0 /vtdata/dir
A f 0644 0:0 /vtdata/dir/f
A f 0644 0:0 /vtdata/dir/hard
A p 0644 0:0 /vtdata/fifo
D /vtdata/gone
C f 0644 $KEEP /vtdata/keep
A f 0644 42:43 /vtdata/owned
A l 0777 0:0 /vtdata/sym" "$(cat "$T/p.diff")" "diff of the presented-ids upper"
while read -r change _ _ owner path; do
	case $change in A | C) ;; *) continue ;; esac
	assert_eq "$(inside_owner "$path")" "$owner" "diff: the owner of $path is not the one shown inside"
done <"$T/p.diff"

tool_ok "$T/p.tar" "$T/p.err" export -o "$T/p.tar" "$P"
[ ! -s "$T/p.err" ] || fail "export wrote to stderr: $(cat "$T/p.err")"
assert_eq "drwxr-xr-x ${VT/:/\/} vtdata/
---------- 0/0 vtdata/.wh.gone
drwxr-xr-x 0/0 vtdata/dir/
-rw-r--r-- 0/0 vtdata/dir/f
hrw-r--r-- 0/0 vtdata/dir/hard
prw-r--r-- 0/0 vtdata/fifo
-rw-r--r-- ${KEEP/:/\/} vtdata/keep
-rw-r--r-- 42/43 vtdata/owned
lrwxrwxrwx 0/0 vtdata/sym" "$(tar_listing "$T/p.tar")" "export of the presented-ids upper"
assert_match ' vtdata/dir/hard link to vtdata/dir/f$' "$(tar tvf "$T/p.tar")" "a hard link in the tar"
"$VENEER" export "$P" >"$T/p2.tar" || fail "export to stdout failed"
cmp -s "$T/p.tar" "$T/p2.tar" || fail "two exports of one upper differ"

# tar xf gives the upper's tree back (the owners are the extractor's)
tree() {
	(cd "$1" && find . -mindepth 1 -path ./.wh..wh..veneer -prune -o \
		-printf '%P|%y|%m|%s|%Ts|%n|%l\n' | sort
	find . -path ./.wh..wh..veneer -prune -o -type f ! -name '.wh.*' -print0 | sort -z | xargs -0 -r sha256sum
	if [ "$HAVE_XATTR" = 1 ]; then
		getfattr -R -P -d -m '^user\.' . 2>/dev/null | grep -v '^# file: ./.wh..wh..veneer'
	fi)
}
mkdir "$T/x"
xattr_opts=()
if [ "$HAVE_XATTR" = 1 ]; then xattr_opts=(--xattrs --xattrs-include='user.*'); fi
tar xf "$T/p.tar" -C "$T/x" "${xattr_opts[@]}" 2>"$T/x.err" || {
	show_file "tar xf" "$T/x.err" >&2
	fail "GNU tar cannot extract the export"
}
tree "$P" >"$T/tree.upper"
tree "$T/x" >"$T/tree.extracted"
assert_files_eq "$T/tree.upper" "$T/tree.extracted" "tar xf of the export vs the upper"
if [ "$HAVE_XATTR" = 1 ]; then
	assert_eq hello "$(getfattr --absolute-names --only-values -n user.x "$T/x/vtdata/owned")" "user.x in the tar"
fi

# ---------------------------------------------------- help
for args in "diff --help" "help diff" "export -h" "help export"; do
	cmd=${args#help }
	# shellcheck disable=SC2086
	tool_ok "$T/h.out" "$T/h.err" $args
	assert_match "^Usage: veneer ${cmd%% *} " "$(head -n 1 "$T/h.out")" "veneer $args: the usage line"
done
tool_ok "$T/h.out" "$T/h.err" --help
assert_match '^  diff ' "$(cat "$T/h.out")" "veneer --help lists diff"
assert_match '^  export ' "$(cat "$T/h.out")" "veneer --help lists export"

# ---------------------------------------------------- bad input
put "$T/afile" "not a directory"
# bad WHAT PATTERN COMMAND ARG...: exit 125, stderr one line matching
# PATTERN, stdout empty
bad() {
	local what=$1 pattern=$2
	shift 2
	run_tool "$T/bad.out" "$T/bad.err" "$@"
	assert_eq 125 "$TRC" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/bad.err")" "$what: one line on stderr"
	assert_match "^veneer: .*$pattern" "$(cat "$T/bad.err")" "$what: the message"
	note "$what: $(cat "$T/bad.err")"
	[ ! -s "$T/bad.out" ] || fail "$what: something on stdout"
}
bad "diff without UPPER" "no UPPER" diff
bad "export without UPPER" "no UPPER" export
bad "diff of a missing upper" "No such file" diff "$T/nonexistent"
bad "export of a missing upper" "No such file" export -o "$T/out/x.tar" "$T/nonexistent"
[ ! -e "$T/out/x.tar" ] || fail "export of a missing upper created its -o file"
bad "diff of a file" "Not a directory" diff "$T/afile"
bad "export of a file" "Not a directory" export "$T/afile"
bad "diff, unknown option" "unknown option --frobnicate" diff --frobnicate "$K"
bad "export, unknown option" "unknown option -x" export -x "$K"
bad "diff, two uppers" "one too many" diff "$K" "$P"
bad "diff, --lower without a value" "needs a value" diff --lower
bad "export, -o without a value" "needs a value" export "$K" -o
bad "diff, a missing lower" "lower $T/nonexistent" diff --lower "$T/nonexistent" "$K"
mkdir -p "$T/plain/sub" && put "$T/plain/sub/f" "x"
bad "diff of a directory that is not an upper" "is not an upper" diff "$T/plain"
bad "diff, a glob not of union paths" "starts with /" diff --include 'etc/*' "$K"
bad "diff, an unknown format" "give text or json" diff --format yaml "$K"
bad "export into the upper" "inside upper" export -o "$P/vtdata/x.tar" "$P"
[ ! -e "$P/vtdata/x.tar" ] || fail "export wrote its tar into the upper"
if command -v script >/dev/null; then
	script -qec "'$VENEER' export '$K'; echo rc=\$?" /dev/null >"$T/tty.out" 2>&1 </dev/null || true
	assert_match 'veneer: export: refusing to write a tar to a terminal' "$(cat "$T/tty.out")" \
		"export to a terminal"
	assert_match 'rc=125' "$(cat "$T/tty.out")" "export to a terminal: exit status"
fi

# an upper a sandbox holds is refused, naming the sandbox
mkdir -p "$T/ctl"
"$VENEER" run --ids kernel --lower "$L" --lower / --upper "$K" --bind "$T/ctl:/ctl" -- sh -c '
	touch /ctl/ready
	while [ ! -e /ctl/go ]; do sleep 0.1; done' </dev/null >"$T/held.out" 2>&1 &
holder=$!
for _ in $(seq 200); do
	[ -e "$T/ctl/ready" ] && break
	sleep 0.1
done
[ -e "$T/ctl/ready" ] || { touch "$T/ctl/go"; wait "$holder" || true; fail "the holding sandbox did not start"; }
run_tool "$T/bad.out" "$T/bad.err" diff "$K"
touch "$T/ctl/go"
wait "$holder" || fail "the holding sandbox failed: $(cat "$T/held.out")"
assert_eq 125 "$TRC" "diff of an upper in use: exit status"
assert_match "^veneer: upper $K is in use by veneer pid [0-9]+" "$(cat "$T/bad.err")" \
	"diff of an upper in use: the message"
tool_ok "$T/k3.diff" "$T/k.err" diff --lower "$L" --lower / "$K"
assert_files_eq "$T/k.diff" "$T/k3.diff" "diff after the sandbox left the upper unchanged"

echo "layer tools: fine"
