#!/bin/bash
# finding: 2 (set-id exec race)
# invariant: an identity change by exec of a presented set-id file takes effect only for the object the supervisor checked, and only once the exec happened (a failed exec changes nothing)
# attack: as presented uid 1000 over lower /, a second thread flips the exec path between a set-user-ID-root lower binary and a memfd of attacker code (execve, and execveat of the memfd with AT_EMPTY_PATH), 300 tries each; the attacker code checks geteuid() and opens a root-owned 0644 file for writing
source "$(dirname "$0")/lib.sh"
unless_hostroot "presented ownership (--ids presented)"
require_veneer
require_prog vt-setid-race
require_cmd setpriv sha256sum
RACE=$PROGS/vt-setid-race
TRIES=300

# a set-user-ID-root program of the host, and a root-owned 0644 file
SETID=
for f in /usr/bin/passwd /usr/bin/chsh /usr/bin/newgrp /usr/bin/su /usr/bin/mount; do
	if [ -f "$f" ] && [ -x "$f" ] && [ "$(stat -c '%u %a' "$f")" = "0 4755" ]; then
		SETID=$f
		break
	fi
done
[ -n "$SETID" ] || skip "needs a set-user-ID-root program (passwd, chsh, newgrp, su, mount)"
TARGET=
for f in /etc/motd /etc/issue /etc/debian_version /etc/os-release /etc/shells; do
	f=$(readlink -f "$f")
	if [ -f "$f" ] && [ -r "$f" ] && [ "$(stat -c '%u %a' "$f")" = "0 644" ]; then
		TARGET=$f
		break
	fi
done
[ -n "$TARGET" ] || skip "needs a root-owned 0644 file in /etc"
note "set-id program $SETID, target $TARGET"

U=$T/upper      # the attacks'
UC=$T/control   # the controls': a set-uid program root makes inside
sec_allow "$U" "$UC"
sec_guard_start /
trap sec_cleanup_markers EXIT
target_sum=$(sha256sum <"$TARGET")
setid_sum=$(sha256sum <"$SETID")
AS_USER=(setpriv --reuid=1000 --regid=1000 --clear-groups)

# --- controls: what the attack would get if the race were open
# root inside makes a set-user-ID-root copy of the helper; uid 1000
# running it is euid 0 and may open the target for writing (43); a
# failed exec of a set-user-ID-root file leaves uid 1000 as it was
SUID=/usr/local/bin/vnsec-suid-$SEC_MARK
vrun "$T/co" "$T/ce" --upper "$UC" -- sh -c "
	cp '$RACE' '$SUID' && chmod 4755 '$SUID' || exit 90
	${AS_USER[*]} '$SUID' --payload '$TARGET' 9>/dev/null
	echo legit=\$?
	${AS_USER[*]} '$RACE' --failed-exec '$SUID'
	echo failed=\$?
	${AS_USER[*]} '$RACE' --failed-exec '$SETID'
	echo failed=\$?"
if [ "$VRC" -ne 0 ]; then
	show_file stdout "$T/co" >&2
	show_file stderr "$T/ce" >&2
	fail "the controls' sandbox exited $VRC"
fi
assert_match '^legit=43$' "$(grep '^legit=' "$T/co")" \
	"control: uid 1000 running a set-user-ID-root file is euid 0 (presented ownership works)"
assert_eq "failed=0
failed=0" "$(grep '^failed=' "$T/co")" \
	"a failed exec of a set-user-ID-root file changed the effective uid"

# --- the race, with execve and with execveat(memfd, "", AT_EMPTY_PATH)
for how in "" --execveat; do
	vrun "$T/o" "$T/e" --upper "$U" -- \
		"${AS_USER[@]}" "$RACE" $how "$SETID" "$TARGET" "$TRIES"
	line=$(grep '^tries=' "$T/o" || true)
	note "race ${how:-execve}: $line"
	if [ "$VRC" -ne 0 ]; then
		show_file stdout "$T/o" >&2
		show_file stderr "$T/e" >&2
		[ "$VRC" -eq 1 ] && fail "attacker code ran with euid 0 or opened $TARGET for writing (${how:-execve}): $line"
		fail "the race sandbox exited $VRC (${how:-execve})"
	fi
	payload=$(sed -n 's/.* payload=\([0-9]*\) .*/\1/p' <<<"$line")
	[ -n "$payload" ] && [ "$payload" -gt 0 ] ||
		fail "the race never ran the attacker code (${how:-execve}): it tested nothing: $line"
	assert_match ' payload_euid0=0 payload_open=0 ' "$line" \
		"attacker code ran with euid 0 or opened $TARGET (${how:-execve})"
done

# the target was never opened for writing: no copy of it in the upper
if [ -e "$U$TARGET" ]; then
	fail "the attacks' upper holds a copy of $TARGET: it was opened for writing"
fi
assert_eq "$target_sum" "$(sha256sum <"$TARGET")" "$TARGET changed on the host"
assert_eq "$setid_sum" "$(sha256sum <"$SETID")" "$SETID changed on the host"
sec_guard_check
