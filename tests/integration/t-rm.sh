#!/bin/bash
# veneer rm: an upper whose sandbox left directories read-only (0555) and
# unreadable (0000), and files mode 000, is removed whole, where rm -rf
# stops; a symlink in it to a host directory is removed, not followed
# (the host directory keeps its files); an upper a sandbox holds, a
# directory that is not an upper, a symlink, a missing path and a bad
# option are each refused with one line and exit 125, nothing of them
# removed; --force removes what an rm -rf left of an upper; of several
# UPPERs, the good ones go even when one is refused.
source "$(dirname "$0")/lib.sh"
require_veneer

host=$T/host-dir
mkdir -p "$host" && echo keep >"$host/file"

# make_upper DIR: an upper with read-only and unreadable directories and
# files, and a symlink to the host directory
make_upper() {
	vrun_ok "$T/o" "$T/e" --upper "$1" -- sh -c "
		mkdir -p /vt-rm/ro/deep /vt-rm/none/x && echo data >/vt-rm/ro/deep/f &&
		echo secret >/vt-rm/none/x/g && ln -s '$host' /vt-rm/link &&
		chmod 000 /vt-rm/ro/deep/f /vt-rm/none/x/g && chmod 555 /vt-rm/ro/deep /vt-rm/ro &&
		chmod 000 /vt-rm/none/x /vt-rm/none"
}
require_free_host_path /vt-rm

# ------------------------------------------------------ an upper, whole
make_upper "$T/u1"
"$VENEER" rm "$T/u1" >"$T/o" 2>"$T/e" || { show_file stderr "$T/e"; fail "veneer rm of an upper exited $?"; }
assert_eq "" "$(cat "$T/o" "$T/e")" "veneer rm says nothing when it succeeds"
[ ! -e "$T/u1" ] || fail "the upper is still there"
assert_eq "" "$(ls "$T" | grep -F 'veneer-rm' || true)" "the upper's name while removed, left behind"
assert_eq keep "$(cat "$host/file")" "the host directory the upper's symlink named"

# ------------------------------------------------------ refused, untouched
# refused RC-LINE-PATTERN WHAT ARG...: veneer rm ARG... exits 125 with one
# line matching the pattern
refused() {
	local pattern=$1 what=$2
	shift 2
	set +e
	"$VENEER" rm "$@" >"$T/o" 2>"$T/e"
	local rc=$?
	set -e
	assert_eq 125 "$rc" "veneer rm $what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "veneer rm $what: one line"
	assert_match "$pattern" "$(cat "$T/e")" "veneer rm $what: the line"
}

mkdir -p "$T/plain/sub" && echo x >"$T/plain/sub/f"
refused '^veneer: rm: .*/plain is not an upper .*nothing removed' "of a plain directory" "$T/plain"
assert_eq x "$(cat "$T/plain/sub/f")" "a plain directory after veneer rm"
ln -s "$T/plain" "$T/link"
refused '^veneer: rm: .*/link is a symbolic link, not an upper; nothing removed$' "of a symlink" "$T/link"
[ -L "$T/link" ] && [ -e "$T/plain/sub/f" ] || fail "the symlink or its target after veneer rm"
refused '^veneer: rm: .*/missing: No such file or directory; nothing removed$' "of a missing path" "$T/missing"
refused '^veneer: rm: unknown option --bogus' "with a bad option" --bogus "$T/plain"
refused '^veneer: rm: no UPPER given' "without an UPPER"

# held by a sandbox: refused, nothing removed
make_upper "$T/u2"
# what is there, as far as its owner can see (not into the 000 directory)
listing() {
	{ find "$1" -path "$1/.wh..wh..veneer" -prune -o -print 2>/dev/null || true; } | sort
}
before=$(listing "$T/u2")
"$VENEER" run --upper "$T/u2" -- sh -c 'echo up >/vt-rm/ready; sleep 30' </dev/null >/dev/null 2>&1 &
holder=$!
for _ in $(seq 1 200); do [ -e "$T/u2/vt-rm/ready" ] && break; sleep 0.05; done
[ -e "$T/u2/vt-rm/ready" ] || { kill "$holder"; fail "the holding sandbox did not start"; }
refused "^veneer: rm: upper .*/u2 is in use by veneer pid $holder; nothing removed" "of a held upper" "$T/u2"
kill "$holder"
wait "$holder" 2>/dev/null || true
rm -f "$T/u2/vt-rm/ready"
assert_eq "$before" "$(listing "$T/u2")" "the held upper after veneer rm"

# ------------------------------------------------------ --force, several
make_upper "$T/u3"
rm -rf "$T/u3" 2>/dev/null && fail "rm -rf removed an upper with read-only directories (the test shows nothing)"
[ -d "$T/u3" ] && [ ! -e "$T/u3/.wh..wh..veneer" ] || fail "rm -rf did not leave half an upper"
refused '^veneer: rm: .*/u3 is not an upper .*--force' "of what rm -rf left" "$T/u3"
make_upper "$T/u4"
refused '^veneer: rm: .*/plain is not an upper' "of an upper, a plain directory and another" \
	"$T/u2" "$T/plain" "$T/u4/"
[ ! -e "$T/u2" ] && [ ! -e "$T/u4" ] || fail "the good ones of several UPPERs are still there"
[ -d "$T/u3" ] || fail "veneer rm without --force removed what is not an upper"
"$VENEER" rm --force "$T/u3/" || fail "veneer rm --force exited $?"
[ ! -e "$T/u3" ] || fail "veneer rm --force left the directory"
assert_eq x "$(cat "$T/plain/sub/f")" "a plain directory among several UPPERs"
assert_eq keep "$(cat "$host/file")" "the host directory after every removal"
