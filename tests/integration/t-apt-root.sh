#!/bin/bash
# apt and dpkg as root inside veneer, run by an unprivileged user over a
# root-owned Debian 12 base (made as root by tests/root-setup/debian-base.sh,
# which tools/check runs before it drops to the test user): presented
# ownership end to end.
#   1. apt-get update && apt-get install -y hello && hello: apt drops to
#      _apt for its downloads (no APT::Sandbox::User=root), dpkg installs;
#   2. on the same upper, dpkg -i of vtest-owned.deb (a --bind, read-only),
#      whose files belong to system users and groups of the base: stat
#      shows those owners and the package's modes (setgid directory,
#      setuid binary), hello is root's, setpriv drops to nobody, the setuid
#      binary run by nobody has euid 0, and nobody may not read the
#      package's 0640 _apt:adm file;
#   3. again on the same upper (a restart): the owners persisted;
#   4. the base is unchanged (names, types, modes, owners, sizes, times,
#      link targets and the contents of every file the user can read);
#   5. when this build has `veneer export`, its OCI layer tar of the upper
#      carries the owners from inside.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "root inside (apt and dpkg over a root-owned base need presented ownership)"

fx=${VENEER_ROOT_FIXTURES:-}
[ -n "$fx" ] ||
	skip "VENEER_ROOT_FIXTURES is not set (tools/check run as root sets it after tests/root-setup/debian-base.sh)"
[ -f "$fx/debian-base/.complete" ] ||
	skip "no Debian base: $fx/debian-base/.complete is missing (run tests/root-setup/debian-base.sh $fx as root)"
BASE=$fx/debian-base/root
DEB=$fx/debs/vtest-owned.deb
[ -f "$DEB" ] || skip "$DEB is missing (run tests/root-setup/debian-base.sh $fx as root)"
note "base: $(cat "$fx/debian-base/.complete")"

# the fixture must be what this test assumes, or the test proves nothing
assert_eq "0:0" "$(stat -c %u:%g "$BASE")" "the base $BASE is not root-owned"
[ ! -e "$BASE/usr/bin/hello" ] || fail "the base already has /usr/bin/hello"
[ ! -e "$BASE/var/lib/vtest-owned" ] || fail "the base already has vtest-owned"
# numeric ids from the base's own files (readable by everyone)
id_of() { awk -F: -v n="$1" '$1 == n { print $3; exit }' "$BASE/etc/$2"; }
apt_uid=$(id_of _apt passwd) daemon_uid=$(id_of daemon passwd)
daemon_gid=$(id_of daemon group) adm_gid=$(id_of adm group)
if [ -z "$apt_uid" ] || [ -z "$daemon_uid" ] || [ -z "$daemon_gid" ] || [ -z "$adm_gid" ]; then
	fail "the base lacks _apt, daemon or adm in its /etc/passwd, /etc/group"
fi

# base_digest: every object's name, type, mode, owner, size, mtime, ctime,
# inode, link count and link target, plus the content of every regular
# file this user can read.  Some of a root-owned base is not readable by
# an unprivileged user (/etc/shadow, /etc/gshadow, the dpkg lock files,
# /root and /var/cache/ldconfig are root's, mode 0600/0640/0700): their
# contents (and the listings of such directories) are left out, their
# own metadata is still in the listing of their parent.
# find's complaints must all be about those (anything else fails).
base_digest() {
	(
		cd "$BASE" || exit 1
		{ find . -printf '%p %y %m %U %G %s %T@ %C@ %i %n %l\n' 2>"$T/find.err" || :; } | sort
		{ find . -type f -readable -print0 2>>"$T/find.err" || :; } |
			sort -z | xargs -0 -r sha256sum
	) | sha256sum | cut -d' ' -f1
	if grep -v ': Permission denied$' "$T/find.err" >&2; then
		fail "find could not read the base (above)"
	fi
}
before=$(base_digest)
note "base digest $before ($(find "$BASE" -type f ! -readable 2>/dev/null | wc -l) files not readable by $(id -un), contents left out)"

up=$T/up
# a clean environment inside: root's HOME, a root PATH, no TMPDIR of the host
inside=(env -i HOME=/root TERM=dumb LC_ALL=C DEBIAN_FRONTEND=noninteractive
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)

# ------------------------------------------------ 1. apt-get install hello
vrun "$T/1.out" "$T/1.err" --lower "$BASE" --upper "$up" -- "${inside[@]}" \
	sh -c 'apt-get update && apt-get install -y hello && hello'
if [ "$VRC" -ne 0 ]; then
	show_file stdout "$T/1.out" >&2
	show_file stderr "$T/1.err" >&2
	fail "apt-get update && apt-get install -y hello && hello exited $VRC inside veneer"
fi
assert_eq "Hello, world!" "$(tail -n 1 "$T/1.out")" "hello's greeting after apt-get install"
grep -q '^Setting up hello ' "$T/1.out" || fail "apt-get did not set up hello"
# apt downloads as _apt: when it cannot drop to it, it says so and goes on
assert_no_match 'unsandboxed|seteuid|setgroups|Sandbox' "$(cat "$T/1.out" "$T/1.err")" \
	"apt could not drop to _apt for its downloads"
[ ! -e "$BASE/usr/bin/hello" ] || fail "apt-get install wrote into the base"

# ------------------------------------ 2. dpkg -i of system-owned files, su
# shellcheck disable=SC2016
check_owners='
stat -c "%U:%G %a %n" /var/lib/vtest-owned /var/lib/vtest-owned/state /usr/bin/vtest-suid /usr/bin/hello
stat -c "%u:%g %n" /var/lib/vtest-owned /var/lib/vtest-owned/state /usr/bin/vtest-suid /usr/bin/hello
ls -l /usr/bin/hello | awk "{ print \"ls:\", \$1, \$3, \$4, \$NF }"
dpkg-query -W -f="\${Package} \${Status}\n" hello vtest-owned
'
expected_owners="daemon:daemon 2750 /var/lib/vtest-owned
_apt:adm 640 /var/lib/vtest-owned/state
root:root 4755 /usr/bin/vtest-suid
root:root 755 /usr/bin/hello
$daemon_uid:$daemon_gid /var/lib/vtest-owned
$apt_uid:$adm_gid /var/lib/vtest-owned/state
0:0 /usr/bin/vtest-suid
0:0 /usr/bin/hello
ls: -rwxr-xr-x root root /usr/bin/hello
hello install ok installed
vtest-owned install ok installed"

# shellcheck disable=SC2016
vrun_ok "$T/2.out" "$T/2.err" --lower "$BASE" --upper "$up" --bind "$(dirname "$DEB"):/debs:ro" \
	-- "${inside[@]}" sh -c '
	set -e
	dpkg -i /debs/vtest-owned.deb >/dev/null
	echo "=== owners"
	'"$check_owners"'
	set +e
	nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	echo "=== nobody"
	$nobody id 2>&1 || echo "exit $?"
	echo "=== su"
	su -s /bin/sh nobody -c id 2>&1 || echo "exit $?"
	echo "=== suid"
	$nobody /usr/bin/vtest-suid 2>&1 || echo "exit $?"
	echo "=== perm"
	cat /var/lib/vtest-owned/state 2>&1 || echo "exit $?"
	$nobody cat /var/lib/vtest-owned/state 2>&1 || echo "exit $?"
	echo "=== end"'
assert_eq "$expected_owners" "$(section "$T/2.out" owners)" \
	"owners and modes after dpkg -i (stat and ls inside)"
assert_eq "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" \
	"$(section "$T/2.out" nobody)" "setpriv to nobody: id"
# su's PAM account check (pam_unix) reads /etc/shadow, which the caller
# cannot read in the base (0640 root:shadow): the union shows it made up
# from /etc/passwd, every password locked (union/shadow.c), so su works
assert_eq "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)" \
	"$(section "$T/2.out" su)" "su -s /bin/sh nobody -c id"
assert_eq "uid=65534(nobody) gid=65534(nogroup) euid=0(root) groups=65534(nogroup)" \
	"$(section "$T/2.out" suid)" "the package's setuid-root binary run by nobody"
assert_eq "state of vtest-owned
cat: /var/lib/vtest-owned/state: Permission denied
exit 1" "$(section "$T/2.out" perm)" \
	"the _apt:adm 0640 file: root reads it, nobody may not"

# --------------------------------------------- 3. a restart: owners kept
# shellcheck disable=SC2016
vrun_ok "$T/3.out" "$T/3.err" --lower "$BASE" --upper "$up" -- "${inside[@]}" sh -c '
	set -e
	echo "=== owners"
	'"$check_owners"'
	echo "=== hello"
	hello
	echo "=== end"'
assert_eq "$expected_owners" "$(section "$T/3.out" owners)" \
	"owners and modes after a restart on the same upper"
assert_eq "Hello, world!" "$(section "$T/3.out" hello)" "hello after a restart"

# ------------------------------------------------- 4. the base unchanged
after=$(base_digest)
assert_eq "$before" "$after" "the base changed (it is a read-only lower)"

# --------------------------------------------------- 5. veneer export
# `veneer export [-o FILE] UPPER` writes the upper as an OCI layer tar with
# the owners from inside; a build without it leaves this part out.
if "$VENEER" export --help >/dev/null 2>&1; then
	"$VENEER" export -o "$T/layer.tar" "$up" 2>"$T/export.err" || {
		show_file stderr "$T/export.err" >&2
		fail "veneer export -o layer.tar UPPER failed"
	}
	tar -tvf "$T/layer.tar" --numeric-owner >"$T/layer.list" ||
		fail "tar cannot list the layer that veneer export wrote"
	# entry PATH: "MODE UID/GID" of PATH in the layer tar
	entry() {
		awk -v p="$1" '{ n = $NF; sub(/^\.\//, "", n); sub(/\/$/, "", n) }
			n == p { print $1, $2; exit }' "$T/layer.list"
	}
	assert_eq "-rw-r----- $apt_uid/$adm_gid" "$(entry var/lib/vtest-owned/state)" \
		"veneer export: the package's _apt:adm file"
	assert_eq "drwxr-s--- $daemon_uid/$daemon_gid" "$(entry var/lib/vtest-owned)" \
		"veneer export: the package's daemon:daemon directory"
	assert_eq "-rwsr-xr-x 0/0" "$(entry usr/bin/vtest-suid)" "veneer export: the setuid binary"
	assert_eq "-rwxr-xr-x 0/0" "$(entry usr/bin/hello)" "veneer export: /usr/bin/hello"
else
	note "this build has no 'veneer export': the layer tar checks are left out"
fi
