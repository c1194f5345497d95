# lib.sh - shared helpers of the veneer integration tests.
# shellcheck shell=bash
#
# Sourced by every tests/integration/t-*.sh.  The runner (./run) puts in
# the environment:
#   VENEER   absolute path of the veneer binary under test (on a rung
#            other than auto's, a wrapper that forces it: tests/backend.sh)
#   VENEER_REAL  the binary itself, for a test that picks the rung
#   VENEER_BACKEND  the rung forced, when one is
#   PROGS    directory of the helper programs built from tests/progs
#   TMPDIR   a fresh scratch directory for this test alone (removed
#            by the runner afterwards); the test's cwd is also there
# A test exits 0 (pass), 77 (skip: print "SKIP: reason" first) or
# anything else (fail: print "FAIL: what" first).
#
# Conventions used by the tests:
#   * Layer stacks keep their test tree under /vtdata so that the host
#     root can be the bottom lower (--lower /) and supply sh, find, tar,
#     python3 ... without the tree colliding with anything on the host.
#   * Inside veneer the union is read-only at this stage, so commands
#     write to stdout (captured here) or into a --bind directory.

set -euo pipefail
export LC_ALL=C
# a fixed PATH: an inherited one may name directories the test user
# cannot read (which turns "not found" into "permission denied")
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin
umask 022

: "${VENEER:?VENEER must name the veneer binary (run through tests/integration/run)}"
: "${TMPDIR:?TMPDIR must be a scratch directory}"
PROGS=${PROGS:-}

IT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REFMERGE=$IT_DIR/refmerge.py
PY=/usr/bin/python3
T=$TMPDIR
MY_UID=$(id -u)
# the caller's ids as seen inside: root of the user namespace, or on the
# rungs without one (notify-hostroot, ptrace) the caller's own
INSIDE_UID=0
case ${VENEER_BACKEND:-} in notify-hostroot | ptrace) INSIDE_UID=$MY_UID ;; esac
MY_GID=$(id -g)

# ---------------------------------------------------------------- outcomes

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

skip() {
	echo "SKIP: $*"
	exit 77
}

note() {
	echo "# $*"
}

# show_file LABEL FILE: print FILE indented (at most 40 lines)
show_file() {
	local n
	n=$(wc -l <"$2")
	echo "  --- $1 ($n lines)"
	head -n 40 "$2" | sed 's/^/  | /'
	if [ "$n" -gt 40 ]; then echo "  | ... ($((n - 40)) more lines)"; fi
}

# ---------------------------------------------------------------- asserts

# assert_eq EXPECTED ACTUAL WHAT
assert_eq() {
	if [ "$1" != "$2" ]; then
		echo "  expected: $(printf %q "$1")" >&2
		echo "  actual:   $(printf %q "$2")" >&2
		fail "$3"
	fi
}

# assert_match ERE STRING WHAT
# (a here-string, not a pipe: grep -q leaves at its first match, and
# under pipefail printf's later write then failed the test with SIGPIPE)
assert_match() {
	if ! grep -Eq -- "$1" <<<"$2"; then
		echo "  pattern: $1" >&2
		echo "  actual:  $(printf %q "$2")" >&2
		fail "$3"
	fi
}

# assert_no_match ERE STRING WHAT
assert_no_match() {
	if grep -Eq -- "$1" <<<"$2"; then
		echo "  must not match: $1" >&2
		echo "  actual:         $(printf %q "$2")" >&2
		fail "$3"
	fi
}

# assert_files_eq EXPECTED-FILE ACTUAL-FILE WHAT
assert_files_eq() {
	if ! cmp -s "$1" "$2"; then
		echo "  diff -u expected actual (first 40 lines):" >&2
		diff -u "$1" "$2" | head -n 40 | sed 's/^/  /' >&2 || true
		fail "$3"
	fi
}

# ---------------------------------------------------------------- veneer

# vrun OUT ERR ARG...: run "$VENEER run ARG..." with stdin from
# /dev/null, stdout to OUT, stderr to ERR; the exit status goes to VRC.
vrun() {
	local out=$1 err=$2
	shift 2
	set +e
	"$VENEER" run "$@" <"/dev/null" >"$out" 2>"$err"
	VRC=$?
	set -e
}

# vrun_ok OUT ERR ARG...: like vrun, but fail unless veneer exits 0.
vrun_ok() {
	vrun "$@"
	if [ "$VRC" -ne 0 ]; then
		show_file "stdout" "$1" >&2
		show_file "stderr" "$2" >&2
		fail "veneer run ${*:3} exited $VRC (expected 0)"
	fi
}

require_veneer() {
	[ -x "$VENEER" ] || fail "VENEER=$VENEER is not an executable file"
}

# veneer_binary: the binary under test, not a rung's wrapper
veneer_binary() {
	printf '%s\n' "${VENEER_REAL:-$VENEER}"
}

# on_hostroot: whether the rung under test is one without namespaces
# (notify-hostroot, or ptrace, which has the same layout)
on_hostroot() {
	case ${VENEER_BACKEND:-} in notify-hostroot | ptrace) return 0 ;; esac
	return 1
}

# on_ptrace: whether the rung under test is the ptrace backend
on_ptrace() {
	[ "${VENEER_BACKEND:-}" = ptrace ]
}

# unless_hostroot WHAT: skip on a rung without namespaces, which does
# not give WHAT (docs/design.md, "notify-hostroot", lists what it lacks)
unless_hostroot() {
	! on_hostroot || skip "$VENEER_BACKEND gives no $1 (docs/design.md, \"notify-hostroot\")"
}

# require_prog NAME: the helper program $PROGS/NAME (built by meson)
require_prog() {
	[ -n "$PROGS" ] || fail "PROGS is not set (directory of tests/progs binaries)"
	[ -x "$PROGS/$1" ] || fail "helper $PROGS/$1 is missing: build tests/progs"
}

# require_cmd CMD...: skip unless every CMD is on PATH
require_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c, which is not installed"
	done
}

# require_free_host_path PATH: the host root must not have PATH, as the
# tests mount their stacks over --lower / and want PATH to be theirs
require_free_host_path() {
	if [ -e "$1" ] || [ -L "$1" ]; then
		skip "$1 exists on the host, the test needs it free"
	fi
}

# --------------------------------------------------------------- layers

# whiteout FORMAT DIR NAME: hide NAME of the layers below, in layer DIR
#   FORMAT oci: the file DIR/.wh.NAME; ovl: DIR/NAME as a 0/0 char device
whiteout() {
	case $1 in
	oci) : >"$2/.wh.$3" ;;
	ovl) mknod "$2/$3" c 0 0 ;;
	*) fail "whiteout: unknown format $1" ;;
	esac
}

# opaque FORMAT DIR: make the directory DIR of a layer opaque
#   FORMAT oci: DIR/.wh..wh..opq; ovl: xattr user.overlay.opaque=y
opaque() {
	case $1 in
	oci) : >"$2/.wh..wh..opq" ;;
	ovl) setfattr -n user.overlay.opaque -v y "$2" ;;
	*) fail "opaque: unknown format $1" ;;
	esac
}

# require_layer_formats: skip unless this machine lets an unprivileged
# user make both whiteout formats (mknod c 0 0 needs Linux >= 5.8,
# user.* xattrs need a file system that has them)
require_layer_formats() {
	local d=$T/.fmtprobe
	mkdir -p "$d/o"
	mknod "$d/w" c 0 0 2>/dev/null ||
		skip "cannot mknod a 0/0 whiteout here (needs Linux >= 5.8)"
	setfattr -n user.overlay.opaque -v y "$d/o" 2>/dev/null ||
		skip "no user.* xattrs on the file system of $T"
	rm -rf "$d"
}

# put FILE CONTENT [MODE]: create FILE (and its parents) holding CONTENT
put() {
	mkdir -p "$(dirname "$1")"
	printf '%s\n' "$2" >"$1"
	if [ $# -ge 3 ]; then chmod "$3" "$1"; fi
}

# build_rich_stack ROOT FMT3 FMT2 FMT1: make the lowers ROOT/l1 (top),
# ROOT/l2, ROOT/l3 (bottom), whose trees under vtdata/ hold every kind
# of object and every union rule; FMTn (oci|ovl) is the format of the
# whiteouts and opaque directories in layer ln.  Every hard-link group
# is visible whole in the union (see refmerge.py on st_nlink).
build_rich_stack() {
	local r=$1 f3=$2 f2=$3 f1=$4 d
	# bottom: l3
	d=$r/l3/vtdata
	mkdir -p "$d"
	put "$d/base.txt" "base from l3"
	put "$d/shadowed.txt" "shadowed: l3 version"
	put "$d/gone.txt" "gone: l3 (whited out in l2)"
	put "$d/gonedir/x" "x in gonedir"
	put "$d/gonedir/y/z" "z in gonedir/y"
	put "$d/merged/from3.txt" "merged/from3 (whited out in l1)"
	put "$d/merged/keep3.txt" "merged/keep3 from l3"
	put "$d/merged/common.txt" "merged/common: l3"
	put "$d/opq/old3.txt" "opq/old3 (hidden by opaque l1)"
	put "$d/opq/sub/deep.txt" "opq/sub/deep (hidden by opaque l1)"
	put "$d/typechg/inner.txt" "typechg dir content from l3 (hidden)"
	put "$d/filetodir" "file in l3 hidden by a dir in l1"
	put "$d/hl/a" "hard-linked in l3"
	ln "$d/hl/a" "$d/hl/b"
	mkdir -p "$d/hl/sub"
	ln "$d/hl/a" "$d/hl/sub/c"
	mkfifo -m 0640 "$d/fifo3"
	mkdir -p "$d/modes" "$d/emptydir" "$d/deep/a/b/c/d/e"
	put "$d/modes/m600" "0600" 0600
	put "$d/modes/m755" "0755" 0755
	put "$d/modes/m444" "0444" 0444
	put "$d/modes/m4755" "setuid" 4755
	put "$d/modes/m2750" "setgid" 2750
	mkdir -p "$d/modes/sticky" && chmod 1777 "$d/modes/sticky"
	mkdir -p "$d/modes/d700" && chmod 0700 "$d/modes/d700"
	: >"$d/empty"
	put "$d/with space.txt" "a name with a space"
	put "$d/ünïcödé" "utf-8 name"
	put "$d/deep/a/b/c/d/e/f.txt" "deep file"
	mkdir -p "$d/mdir"
	chmod 0755 "$d/mdir"
	put "$d/mdir/l3" "mdir/l3"
	# markers with nothing below them: no effect, but never shown
	whiteout "$f3" "$d" never-existed
	opaque "$f3" "$d/emptydir"
	touch -d @1000000000 "$d/base.txt"
	touch -h -d @1100000000 "$d/modes/m444"

	# middle: l2
	d=$r/l2/vtdata
	mkdir -p "$d/merged" "$d/lnk" "$d/opq"
	put "$d/merged/from2.txt" "merged/from2 from l2"
	put "$d/merged/common.txt" "merged/common: l2"
	whiteout "$f2" "$d" gone.txt
	put "$d/typechg" "typechg: l2 file over l3 dir"
	ln -s ../base.txt "$d/lnk/rel"                       # across layers
	ln -s /vtdata/merged/common.txt "$d/lnk/abs"        # absolute
	ln -s /vtdata/nope "$d/lnk/dangling"
	ln -s ../deep/a "$d/lnk/dirlink"                     # to a dir
	ln -s "../lnk/../deep/a/b/../b/c/d/e/f.txt" "$d/lnk/dots"
	put "$d/hl2/a" "hard-linked in l2"
	ln "$d/hl2/a" "$d/hl2/b"
	ln "$d/hl2/a" "$d/hl2/c"
	put "$d/opq/old2.txt" "opq/old2 (hidden by opaque l1)"
	put "$d/only2/inner" "only2/inner"
	mkdir -p "$d/mdir"
	put "$d/mdir/l2" "mdir/l2"
	mkfifo -m 0600 "$d/merged/fifo2"

	# top: l1
	d=$r/l1/vtdata
	mkdir -p "$d/merged/sub" "$d/opq" "$d/filetodir" "$d/lnk" "$d/mdir"
	put "$d/shadowed.txt" "shadowed: l1 version"
	whiteout "$f1" "$d" gonedir
	put "$d/merged/from1.txt" "merged/from1 from l1"
	put "$d/merged/common.txt" "merged/common: l1"
	put "$d/merged/sub/x" "merged/sub/x"
	whiteout "$f1" "$d/merged" from3.txt
	opaque "$f1" "$d/opq"
	put "$d/opq/new1.txt" "opq/new1 from l1"
	put "$d/filetodir/inner.txt" "filetodir/inner from l1"
	put "$d/lnk/target.txt" "lnk/target from l1"
	ln -s target.txt "$d/lnk/samelayer"                 # same layer
	ln -s ../../../../../vtdata/base.txt "$d/lnk/updots" # .. past root
	ln -s loop2 "$d/lnk/loop1"
	ln -s loop1 "$d/lnk/loop2"
	mkfifo "$d/fifo1"
	put "$d/mdir/l1" "mdir/l1"
	chmod 0750 "$d/mdir"                                 # topmost wins
	touch -d @1200000000 "$d/mdir"
	: # the layers' own file times stay as made, except where set
}

# build_upper ROOT FORMAT: a pre-populated upper ROOT/u (over the rich
# stack) using FORMAT for its whiteouts and opaque directories
build_upper() {
	local d=$1/u/vtdata f=$2
	mkdir -p "$d/deep" "$d/merged"
	put "$d/shadowed.txt" "shadowed: upper version"
	whiteout "$f" "$d" base.txt
	whiteout "$f" "$d/merged" keep3.txt
	opaque "$f" "$d/deep"
	put "$d/deep/new.txt" "deep/new from the upper"
	put "$d/newfile" "only in the upper"
	mkdir -p "$d/mdir"
	put "$d/mdir/u" "mdir/u"
	ln -s ../shadowed.txt "$d/merged/up-link"
	mkfifo "$d/ufifo"
}

# ------------------------------------------------------------- snapshots

# snapshot DIR [EXCLUDE-NAME]: a digest of everything under DIR that
# the union must never change: names, types, modes, sizes, mtimes,
# ctimes, link counts, inode numbers, link targets, file contents and
# xattrs.  EXCLUDE-NAME (a name at DIR's top) is left out, as is DIR
# itself (creating the excluded state directory changes DIR's times).
snapshot() {
	local dir=$1 ex=${2:-} xa
	local -a prune=()
	if [ -n "$ex" ]; then prune=(-path "./$ex" -prune -o); fi
	xa=$(mktemp "$T/xattrs.XXXXXX")
	(
		cd "$dir"
		find . -mindepth 1 "${prune[@]}" \
			-printf '%p|%y|%m|%s|%T@|%C@|%n|%i|%l\n' | sort
		find . -mindepth 1 "${prune[@]}" -type f -print0 |
			sort -z | xargs -0 -r sha256sum
		getfattr -R -P -d -m - . >"$xa" 2>/dev/null
		if [ -n "$ex" ]; then
			awk -v ex="./$ex" '/^# file: / { f = substr($0, 9);
				skip = (f == ex || index(f, ex "/") == 1) }
				!skip' "$xa"
		else
			cat "$xa"
		fi
	) | sha256sum | cut -d' ' -f1
	rm -f "$xa"
}

# ----------------------------------------------------- tree comparisons

# DUMP_TREE: sh script, run as `sh -c "$DUMP_TREE" dump DIR` natively on
# the reference merge and inside veneer on the union; it prints several
# views of the tree below DIR, each after a "=== NAME" line.
#   find    one line per object: path|type|mode|size|mtime|nlink|uid:gid|target
#   ls      ls -laR (normalised by normalise_dump, see there)
#   sha256  sha256sum of every regular file, by name
#   tar     sha256 of a tar of the tree (content, modes, types, link
#           targets, hard links; times and owners fixed to 0 so that
#           only what the other sections do not check is left to it)
#   du      total apparent size of everything but directories; du counts
#           an inode reached through several hard links once, so this
#           also checks that st_dev/st_ino identify hard links inside.
#           (Directory sizes are left out: st_size of a directory is
#           file-system specific - 4096 multiples on ext4, entry based
#           on tmpfs - and not part of the union contract; block usage
#           is left out because the reference copy is allocated anew.)
# shellcheck disable=SC2016
DUMP_TREE='
set -e
export LC_ALL=C
cd "$1"
echo "=== find"
find . -printf "%p|%y|%m|%s|%T@|%n|%U:%G|%l\n" | sort
echo "=== ls"
ls -laR --time-style=+%s .
echo "=== sha256"
find . -type f -print0 | sort -z | xargs -0 -r sha256sum
echo "=== tar"
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf - . | sha256sum
echo "=== du"
find . ! -type d -print0 | du -cb --apparent-size --files0-from=- | tail -n 1
echo "=== end"
'

# normalise_dump HOST-VIEW < RAW > NORMALISED
# Makes a DUMP_TREE output from the host and one from inside veneer
# comparable.  HOST-VIEW=1 for the native run: files the caller owns
# show the caller's uid:gid there and 0:0 inside (uid 0 inside is the
# caller), so the caller's ids become 0:0 (on notify-hostroot, where the
# caller is itself inside, they stay).
#   find: the size of directories becomes "-" (see DUMP_TREE).
#   ls:   "total N" lines go (block counts: allocation, see DUMP_TREE);
#         the owner and group columns go (names come from each side's
#         /etc/passwd: "vtest" outside is "root" inside; the numeric
#         ids are compared in the find section); the size column of
#         directories becomes "-"; the "." / "+" after the mode string
#         (security context / ACL marker) goes; the ".." entry of the
#         top directory goes (it is outside the compared tree).
normalise_dump() {
	local host=$1
	# (no regex intervals like {9}: Debian's default awk is mawk)
	local inside=0:0
	[ "$INSIDE_UID" = 0 ] || inside=$MY_UID:$MY_GID
	awk -v host="$host" -v me="$MY_UID:$MY_GID" -v inside="$inside" '
	BEGIN {
		perm = "^[-dlpcbs]"
		for (i = 0; i < 9; i++) perm = perm "[-rwxsStT]"
	}
	/^=== / { section = $2; print; next }
	section == "find" {
		n = split($0, f, "|")
		if (host == 1 && f[7] == me) f[7] = inside
		if (f[2] == "d") f[4] = "-"
		line = f[1]
		for (i = 2; i <= n; i++) line = line "|" f[i]
		print line
		next
	}
	section == "ls" {
		if ($0 ~ /:$/ && $1 !~ perm) {
			block = $0; print; next
		}
		if ($1 == "total") next
		if ($1 ~ (perm "[.+]?$")) {
			sub(/[.+]$/, "", $1)
			if (block == ".:" && $7 == "..") next
			$3 = "-"; $4 = "-"
			if ($1 ~ /^d/) $5 = "-"
			print
			next
		}
		print
		next
	}
	{ print }
	'
}

# dump_sections FILE: print the names of the sections in a dump
dump_sections() {
	sed -n 's/^=== //p' "$1"
}

# section FILE NAME: print the body of section NAME of a dump
section() {
	awk -v want="$2" '/^=== / { on = ($2 == want); next } on' "$1"
}

# compare_dumps EXPECTED-RAW ACTUAL-RAW WHAT: normalise both dumps and
# compare them section by section, failing with the first difference
compare_dumps() {
	local exp=$1 act=$2 what=$3 s
	normalise_dump 1 <"$exp" >"$exp.norm"
	normalise_dump 0 <"$act" >"$act.norm"
	assert_eq "$(dump_sections "$exp.norm" | tr '\n' ' ')" \
		"$(dump_sections "$act.norm" | tr '\n' ' ')" \
		"$what: the dump inside veneer is incomplete"
	for s in find ls sha256 tar du; do
		section "$exp.norm" "$s" >"$exp.$s"
		section "$act.norm" "$s" >"$act.$s"
		[ -s "$exp.$s" ] || fail "$what: empty reference section $s"
		assert_files_eq "$exp.$s" "$act.$s" \
			"$what: section '$s' differs from the reference merge"
	done
}

# reference_dump OUT LAYER...: merge LAYERs (upper first) with
# refmerge.py into a fresh directory and dump its vtdata/ with DUMP_TREE
reference_dump() {
	local out=$1 ref
	shift
	ref=$(mktemp -d "$T/ref.XXXXXX")
	rmdir "$ref"
	"$PY" "$REFMERGE" "$ref" "$@" || fail "refmerge.py failed"
	sh -c "$DUMP_TREE" dump "$ref/vtdata" >"$out" ||
		fail "native dump of the reference merge failed"
	# shellcheck disable=SC2034 # for the caller
	REF_DIR=$ref
}

# veneer_dump OUT ERR VENEER-RUN-ARGS...: dump /vtdata inside veneer;
# the run arguments (layers) come before "--"
veneer_dump() {
	local out=$1 err=$2
	shift 2
	vrun_ok "$out" "$err" "$@" -- sh -c "$DUMP_TREE" dump /vtdata
}

# FOLLOW_SH: sh script, `sh -c "$FOLLOW_SH" follow PATH...`: for each
# PATH prints "PATH => CONTENT" (following symlinks) or "PATH => ERROR"
# with cat's error text without its "cat: PATH: " prefix.
# shellcheck disable=SC2016
FOLLOW_SH='
for p in "$@"; do
	printf "%s => " "$p"
	cat "$p" 2>&1 | sed "s|^cat: .*: ||"
done
'

# follow_check WHAT EXPECTED-FILE VENEER-RUN-ARGS...: run FOLLOW_SH
# inside veneer on the paths named in EXPECTED-FILE (lines "PATH => X")
# and compare with it
follow_check() {
	local what=$1 exp=$2
	shift 2
	local -a paths
	mapfile -t paths < <(sed 's/ => .*//' "$exp")
	vrun_ok "$T/follow.out" "$T/follow.err" "$@" -- \
		sh -c "$FOLLOW_SH" follow "${paths[@]}"
	assert_files_eq "$exp" "$T/follow.out" "$what: reading through symlinks"
}

# ---------------------------------------------------------- escape tests

# make_escape_stack: sets up, for the escape tests,
#   HOST      $T/host, a host-only directory outside every layer with
#             "secret" (content $SECRET) and "both" (host content)
#   L         a lower holding only /bin/vt-read (static), /etc/os-release
#             ("UNION-OS-RELEASE") and HOST/both ("UNION-BOTH"), so
#             that HOST/secret does not exist in the union and
#             HOST/both exists there with other content
#   SECRET    a unique string that must never be read inside veneer
make_escape_stack() {
	require_prog vt-read
	HOST=$T/host
	SECRET="HOST-SECRET-$$-$RANDOM$RANDOM"
	mkdir -p "$HOST/dir"
	put "$HOST/secret" "$SECRET"
	put "$HOST/both" "HOST-BOTH $SECRET"
	put "$HOST/dir/secret2" "$SECRET"
	L=$T/L
	mkdir -p "$L/bin" "$L/etc" "$L$HOST"
	cp "$PROGS/vt-read" "$L/bin/vt-read"
	put "$L/etc/os-release" "UNION-OS-RELEASE"
	put "$L$HOST/both" "UNION-BOTH"
}

# assert_no_secret FILE WHAT: FILE must not contain $SECRET
assert_no_secret() {
	if grep -q -- "$SECRET" "$1"; then
		show_file "output" "$1" >&2
		fail "$2: the host-only content was read inside veneer (ESCAPE)"
	fi
}

# ----------------------------------------------------- the differential suite

# differential_slice PATTERN: run the differential scenarios (tests/
# differential) whose names match the ERE PATTERN, natively and inside
# veneer; fail unless every one agrees (or shows exactly its known
# difference).  The suite is split over several t-write-diff-*.sh so that
# each stays well under the runner's time limit, also under ASan.
differential_slice() {
	require_veneer
	require_free_host_path /vtdata
	require_cmd git make gcc setfattr getfattr dpkg-deb tar gzip
	# a hung side must not eat the runner's whole limit for this test
	export VENEER_DIFF_TIMEOUT=${VENEER_DIFF_TIMEOUT:-40}
	"$IT_DIR/../differential/run" "$VENEER" "$1" ||
		fail "differential scenarios '$1' differ (see above)"
}

# ----------------------------------------------------- the fuzzers' CI slices

# fuzz_slice WHAT COMMAND...: run a differential fuzzer over the fixed
# seeds, then random ones for VENEER_FUZZ_SECONDS (30); COMMAND gets
# --seeds, --seed, --seconds and --out appended.  Exit 1 of the fuzzer is
# a difference it found (its reproducer is above), anything else a fuzzer
# that could not run.
fuzz_slice() {
	local what=$1 fixed=1,7,42,125,1000,2056 seconds first rc
	shift
	seconds=${VENEER_FUZZ_SECONDS:-30}
	first=$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')
	note "fixed seeds $fixed, then random seeds from $first for ${seconds}s"
	set +e
	"$@" --seeds "$fixed" --seed "$first" --seconds "$seconds" --out "$T/fuzz-out"
	rc=$?
	set -e
	case $rc in
	0) ;;
	1) fail "the $what found a difference (reproducer above)" ;;
	*) fail "the $what could not run (status $rc)" ;;
	esac
}
