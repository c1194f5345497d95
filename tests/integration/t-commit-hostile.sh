#!/bin/bash
# `veneer run --commit` over / against a hostile command (red team):
#   - the upper lives below / ($XDG_DATA_HOME/veneer/uppers), and the
#     command sees it there: removing a directory that holds it and
#     making a file of that name leaves no whiteout, only the file.  The
#     commit must refuse it whole (exit 125), not remove its own upper
#     while it walks it and stop half made: the upper is still there and
#     named, nothing of the command's is applied, the caller's other
#     data beside the uppers is untouched;
#   - names the command made are printed escaped, in the summary and in
#     the commit's own lines (a socket left out; a directory it may not
#     write): no terminal control (ESC, BEL, a C1 CSI as UTF-8) reaches
#     the caller's terminal.
# it-timeout: 120
source "$(dirname "$0")/lib.sh"
require_veneer

export XDG_DATA_HOME=$T/data
KEPT=$XDG_DATA_HOME/veneer/uppers
W=$T/work # ours, on the host: what --commit may write
mkdir -p "$W" "$XDG_DATA_HOME/keep-me"
echo precious >"$XDG_DATA_HOME/keep-me/f"

# ------------------------------------------- an ancestor of the upper replaced
vrun "$T/o" "$T/e" --commit -- sh -c \
	"rm -rf '$XDG_DATA_HOME' && echo x >'$XDG_DATA_HOME' && echo new >'$T/zzz' && echo w >'$W/a'"
assert_eq 125 "$VRC" "--commit of a file over the upper's ancestor: exit status"
assert_match "would remove the upper itself" "$(cat "$T/e")" "the refusal says why"
[ -d "$XDG_DATA_HOME" ] || fail "the commit replaced $XDG_DATA_HOME (and its upper) with a file"
assert_eq precious "$(cat "$XDG_DATA_HOME/keep-me/f")" "the caller's data beside the uppers"
[ ! -e "$T/zzz" ] && [ ! -e "$W/a" ] || fail "a refused commit applied part of the changes"
kept=$(ls -d "$KEPT"/run-* 2>/dev/null)
[ "$(echo "$kept" | wc -l)" = 1 ] && [ -d "$kept" ] || fail "the refused commit's upper is gone: $(ls -la "$KEPT" 2>&1)"
assert_match "the upper is kept: $kept" "$(cat "$T/e")" "the kept upper is named"
"$VENEER" diff "$kept" >"$T/d"
assert_match "$W/a" "$(cat "$T/d")" "the kept upper holds the command's changes"
"$VENEER" rm "$kept"

# a directory there stays a directory: allowed (it removes nothing)
vrun_ok "$T/o" "$T/e" --commit -- sh -c "chmod 0711 '$XDG_DATA_HOME' && echo w >'$W/b'"
assert_eq w "$(cat "$W/b")" "--commit beside the upper's ancestor made a directory again"
assert_eq precious "$(cat "$XDG_DATA_HOME/keep-me/f")" "the caller's data beside the uppers"
assert_eq "" "$(ls "$KEPT")" "the applied upper removed"

# ------------------------------------------- names with terminal controls
# no_controls FILE: FILE holds no ESC, BEL nor U+009B (CSI) as UTF-8
no_controls() {
	if LC_ALL=C grep -q "$(printf '[\033\007]')" "$1" || LC_ALL=C grep -q "$(printf '\302\233')" "$1"; then
		show_file stderr "$1" >&2
		fail "a name of the sandbox's reached the terminal unescaped"
	fi
}
esc=$(printf '\033]0;PWNED\007\302\2332J')
mkdir "$W/ro-$esc" && chmod 0555 "$W/ro-$esc"
vrun "$T/o" "$T/e" --commit -- "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1] + "/s-" + sys.argv[2])
' "$W" "$esc"
assert_eq 0 "$VRC" "--commit of a socket: exit status"
assert_match "is a socket a sandbox made; left out" "$(cat "$T/e")" "the socket is left out"
no_controls "$T/e"
if [ "$(id -u)" != 0 ] && ! on_hostroot; then
	# root inside may write the 0555 directory; the caller may not
	vrun "$T/o" "$T/e" --commit -- sh -c "echo x >'$W/ro-$esc/f'"
	assert_eq 125 "$VRC" "--commit into a directory the caller may not write"
	assert_match "you may not write" "$(cat "$T/e")" "the refusal names the directory"
	[ ! -e "$W/ro-$esc/f" ] || fail "a refused commit wrote"
	no_controls "$T/e"
	kept=$(ls -d "$KEPT"/run-*)
	"$VENEER" rm "$kept"
fi
chmod 0755 "$W/ro-$esc"

# ------------------------------------------- hard links across a mount point
# An upper's two names of one file, on two file systems of DIR (a
# sandbox over / with /home apart from /): the first is written, the
# second is a copy of its own, not a commit stopped half made (linkat's
# EXDEV came after the plan had passed).  /dev/shm is the other file
# system here, given by hand: a sandbox's /dev/shm is its own.
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$T")" ]; then
	U=$T/hand-upper S=dev/shm/vt-commit-hostile-$$
	mkdir -p "$U/.wh..wh..veneer" "$U/$S" "$U$W/x" "/$S"
	trap 'rm -rf "/$S"' EXIT
	# the directories on the way as DIR has them: left alone
	chmod --reference=/dev "$U/dev"
	chmod --reference=/dev/shm "$U/dev/shm"
	d=$W
	while [ "$d" != / ]; do chmod --reference="$d" "$U$d"; d=$(dirname "$d"); done
	chmod --reference=/ "$U"
	chmod 0755 "/$S" "$U/$S" "$U$W/x"
	echo data >"$U/$S/a"
	ln "$U/$S/a" "$U$W/x/b"
	echo after >"$U$W/x/c"
	set +e
	"$VENEER" commit --yes "$U" --into / >"$T/o" 2>"$T/e"
	VRC=$?
	set -e
	[ "$VRC" = 0 ] || { show_file stderr "$T/e"; fail "a commit of hard links across a mount point: exit status $VRC"; }
	assert_eq data "$(cat "/$S/a")" "the first name"
	assert_eq data "$(cat "$W/x/b")" "the second name, a copy"
	assert_eq after "$(cat "$W/x/c")" "what comes after it"
	assert_eq 755 "$(stat -c %a "$W/x")" "the directory's mode"
fi

# ------------------------------------------- a name swapped for a symlink
# DIR may be a directory others write (/tmp, for a root commit): a
# directory the commit has just made is swapped for a symlink to a
# directory of the victim's.  strace holds the commit after each mkdir
# (as a scheduler may); no later step may follow the symlink: nothing is
# made in the victim's directory, its mode is not changed.
if command -v strace >/dev/null && strace -o /dev/null -e inject=mkdirat:delay_exit=1 true 2>/dev/null; then
	S=$T/swap
	mkdir -p "$S/U/.wh..wh..veneer" "$S/U/x/y" "$S/D" "$S/victim"
	chmod 0755 "$S/U" "$S/U/x/y" "$S/victim"
	chmod 0711 "$S/U/x"
	(
		for _ in $(seq 500); do [ -d "$S/D/x" ] && break; sleep 0.01; done
		mv "$S/D/x" "$S/D/x.moved" && ln -s "$S/victim" "$S/D/x"
	) &
	set +e
	# (LeakSanitizer cannot run under a tracer: an ASan build's exit
	# status would be its, 1)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
		strace -f -o /dev/null -e trace=mkdirat -e inject=mkdirat:delay_exit=500000 \
		"$VENEER" commit --yes "$S/U" --into "$S/D" >"$T/o" 2>"$T/e"
	VRC=$?
	set -e
	wait
	[ -L "$S/D/x" ] || fail "the swap did not happen (the test's own timing)"
	assert_eq "" "$(ls "$S/victim")" "the commit made nothing through the swapped-in symlink"
	assert_eq 755 "$(stat -c %a "$S/victim")" "the victim's directory keeps its mode"
	assert_eq 125 "$VRC" "a commit whose directory was swapped for a symlink fails"
fi

# ------------------------------------------- an answer typed before the question
# The command prints a question of its own, reads nothing and ends: the
# "y" typed for it must not answer veneer's question (it is flushed);
# the "n" typed at veneer's question does.
if command -v script >/dev/null; then
	feed() {
		printf 'y\n'
		for _ in $(seq 600); do
			grep -q 'apply? \[y/N\]' "$T/tty.raw" 2>/dev/null && break
			sleep 0.05
		done
		printf 'n\n'
	}
	: >"$T/tty.raw"
	cmd=$(printf '%q ' "$VENEER" run --commit -- sh -c \
		"echo typed-ahead >'$W/typed'; printf 'Proceed? [y/N] '; sleep 1")
	set +e
	feed | script -qec "$cmd" /dev/null >"$T/tty.raw"
	set -e
	[ ! -e "$W/typed" ] || fail "a y typed before veneer's question applied the commit"
	assert_match "not confirmed" "$(cat "$T/tty.raw")" "veneer's question got the answer typed at it"
	kept=$(ls -d "$KEPT"/run-*)
	"$VENEER" rm "$kept"
fi

# ------------------------------------------- a directory on the way one may not list
# The upper's place in / was found by listing every directory from it up
# (/home is 0711 on some systems): one that may not be read failed every
# run --commit with "--into / is the upper, or inside it".
mkdir -p "$T/unlisted/data" "$W/u"
chmod 0311 "$T/unlisted"
XDG_DATA_HOME=$T/unlisted/data vrun "$T/o" "$T/e" --commit -- sh -c "echo listed >'$W/u/f'"
chmod 0755 "$T/unlisted"
assert_eq 0 "$VRC" "--commit with an upper below a directory one may not list: $(cat "$T/e")"
assert_eq listed "$(cat "$W/u/f")" "--commit with an upper below a directory one may not list: applied"
assert_eq "" "$(ls "$T/unlisted/data/veneer/uppers")" "the applied upper removed"

# ------------------------------------------- the terminal as the command left it
# The command leaves its terminal without canonical input (VMIN 0: the
# question read end-of-file at once) and without echo, or with its
# output stopped (TCOOFF, IXON and ISIG off: veneer's summary hung for
# good).  veneer's question comes with the caller's modes and output.
if command -v script >/dev/null && command -v timeout >/dev/null; then
	answer_at_question() {
		for _ in $(seq 300); do
			grep -q 'apply? \[y/N\]' "$T/tty.raw" 2>/dev/null && break
			sleep 0.05
		done
		printf 'y\n'
	}
	for mode in raw stopped; do
		rm -f "$W/mode-$mode"
		case $mode in
		raw) leave="stty -icanon -echo min 0 time 0" ;;
		stopped) leave="$PY -c 'import termios; a = termios.tcgetattr(0); a[0] &= ~termios.IXON; a[3] &= ~termios.ISIG; termios.tcsetattr(0, termios.TCSANOW, a); termios.tcflow(1, termios.TCOOFF)'" ;;
		esac
		: >"$T/tty.raw"
		cmd=$(printf '%q ' "$VENEER" run --commit -- sh -c "echo $mode >'$W/mode-$mode'; $leave")
		set +e
		answer_at_question | timeout 30 script -qec "$cmd" /dev/null >"$T/tty.raw"
		VRC=$?
		set -e
		[ "$VRC" != 124 ] || fail "veneer hung at exit on a terminal the command left $mode"
		assert_eq "$mode" "$(cat "$W/mode-$mode" 2>/dev/null)" \
			"the y typed at the question, on a terminal the command left $mode"
	done
	for k in "$KEPT"/run-*; do [ ! -d "$k" ] || "$VENEER" rm "$k"; done
fi

# ------------------------------------------- another user's name in a sticky directory
# Root inside may remove any name; the caller may not remove another
# user's in /tmp (sticky).  The plan says so and nothing is changed; the
# apply found it half way before (what came earlier was written).
theirs=$(find /tmp -maxdepth 1 -mindepth 1 ! -user "$(id -u)" -print -quit 2>/dev/null || true)
if [ "$(id -u)" != 0 ] && ! on_hostroot && [ -n "$theirs" ] && [ -k /tmp ] &&
	[ "$(stat -c %u /tmp)" != "$(id -u)" ]; then
	vrun "$T/o" "$T/e" --commit -- sh -c "echo a >'$W/sticky-a' && rm -rf '$theirs'"
	assert_eq 125 "$VRC" "--commit of a removal of another user's $theirs: exit status"
	assert_match "you may not remove" "$(cat "$T/e")" "the refusal says why"
	[ ! -e "$W/sticky-a" ] || fail "a refused commit applied part of the changes"
	[ -e "$theirs" ] || [ -L "$theirs" ] || fail "$theirs is gone"
	for k in "$KEPT"/run-*; do [ ! -d "$k" ] || "$VENEER" rm "$k"; done
fi

# ------------------------------------------- a tree the caller may not remove
# Root inside removes a tree holding a directory the caller may not
# write (0555 here; root's, from a build, on a real machine); the plan
# says so and nothing is changed (the apply stopped half way before).
# (On the rungs without namespaces the command is the caller, and may
# not remove it either.)
if [ "$(id -u)" != 0 ] && ! on_hostroot; then
	for how in whiteout opaque replaced; do
		rm -rf "$W/tree-a" && mkdir -p "$W/ro-$how/sub" && echo f >"$W/ro-$how/sub/f"
		chmod 0555 "$W/ro-$how/sub"
		case $how in
		whiteout) change="rm -rf '$W/ro-$how'" ;;
		opaque) change="rm -rf '$W/ro-$how' && mkdir '$W/ro-$how'" ;;
		replaced) change="rm -rf '$W/ro-$how' && echo file >'$W/ro-$how'" ;;
		esac
		vrun "$T/o" "$T/e" --commit -- sh -c "echo a >'$W/tree-a' && $change"
		assert_eq 125 "$VRC" "--commit removing a tree it may not ($how): exit status"
		assert_match "you may not remove" "$(cat "$T/e")" "the refusal says why ($how)"
		[ ! -e "$W/tree-a" ] || fail "a refused commit applied part of the changes ($how)"
		assert_eq f "$(cat "$W/ro-$how/sub/f")" "the tree is untouched ($how)"
		chmod 0755 "$W/ro-$how/sub"
		for k in "$KEPT"/run-*; do [ ! -d "$k" ] || "$VENEER" rm "$k"; done
	done
fi

# ------------------------------------------- a file of DIR's made a directory
# The upper holds a directory where DIR has a file (0644): what goes in
# it is written in the directory made in its place, not refused as
# "you may not write" the file.
rm -rf "$W/was-file" && echo old >"$W/was-file"
vrun "$T/o" "$T/e" --commit -- sh -c "rm '$W/was-file' && mkdir '$W/was-file' && echo in >'$W/was-file/f'"
assert_eq 0 "$VRC" "--commit of a directory over a file: $(cat "$T/e")"
assert_eq in "$(cat "$W/was-file/f")" "--commit of a directory over a file: applied"

# ------------------------------------------- temporary names held in advance
# Each file is built beside its place under a temporary name.  Were it
# made of the committing process's pid (on the rungs without a pid
# namespace the command sees the process that will commit, veneer-report,
# in /proc), the command could make directories of those names next to a
# file it changes; the commit writes them first (they sort first) and
# then could not build the file: half made.  The names are random.
rm -rf "$W/held" && mkdir -p "$W/held" && echo old >"$W/held/target"
vrun "$T/o" "$T/e" --commit -- sh -c "
	for c in /proc/[0-9]*/comm; do
		read -r name <\$c 2>/dev/null || continue
		[ \"\$name\" = veneer-report ] || continue
		p=\${c#/proc/}; p=\${p%/comm}
		mkdir '$W/held/.veneer-commit.'\$p'.target'
	done
	echo new >'$W/held/target'"
assert_eq 0 "$VRC" "--commit with temporary names held in advance: $(tail -n 1 "$T/e")"
assert_eq new "$(cat "$W/held/target")" "--commit with temporary names held in advance: applied"
