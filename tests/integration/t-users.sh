#!/bin/bash
# Users and groups over a root-owned base, run by an unprivileged user:
# the base's /etc/shadow and /etc/gshadow are 0640 root:shadow, which the
# caller cannot read, so the union shows them made up from /etc/passwd
# and /etc/group with every password locked (union/shadow.c).  Over the
# root fixtures' Debian base, under a small root-owned layer whose shadow
# files hold real password hashes (tests/root-setup/users.sh):
#   1. before any change, /etc/shadow and /etc/gshadow read inside are
#      made up: a line per user or group, every password "*", shown
#      root:shadow 0640 (stat and fstat);
#   2. useradd -m, groupadd, adduser --system --group, passwd -S,
#      chage -l; the rewritten files keep root:shadow 0640;
#   3. dpkg -i of a package whose postinst adds a system user (built here
#      with dpkg-deb; what apt-get install runs), and, when the mirror is
#      reachable, apt-get install uuid-runtime (which adds uuidd);
#   4. a restart on the same upper: the users stayed, the files are the
#      upper's copies now;
#   5. over the host's own / too: /etc/shadow reads, made up;
#   6. no password hash of the layer or of the host's shadow files shows
#      anywhere inside (every field read is compared with the digests
#      users.sh recorded), and the lowers are unchanged.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented)"

fx=${VENEER_ROOT_FIXTURES:-}
[ -n "$fx" ] ||
	skip "VENEER_ROOT_FIXTURES is not set (tools/check run as root sets it after tests/root-setup/*.sh)"
[ -f "$fx/debian-base/.complete" ] ||
	skip "no Debian base: $fx/debian-base/.complete is missing (run tests/root-setup/debian-base.sh $fx as root)"
[ -f "$fx/users/.complete" ] ||
	skip "no users layer: $fx/users/.complete is missing (run tests/root-setup/users.sh $fx as root)"
BASE=$fx/debian-base/root
TOP=$fx/users/L
SECRETS=$fx/users/secrets.sha256

# the fixture must be what this test assumes, or the test proves nothing
[ ! -r "$TOP/etc/shadow" ] || fail "$TOP/etc/shadow is readable by $(id -un): nothing to make up"
[ ! -r "$BASE/etc/gshadow" ] || fail "$BASE/etc/gshadow is readable by $(id -un)"
[ "$(wc -l <"$SECRETS")" -ge 4 ] || fail "$SECRETS lists fewer than 4 secrets"
assert_eq "root:shadow 640" "$(stat -c '%U:%G %a' "$TOP/etc/shadow")" "the layer's /etc/shadow"

# lower_digest DIR: names, types, modes, owners, sizes, times, inodes of
# every object, and the content of every file this user can read
lower_digest() {
	(
		cd "$1" || exit 1
		{ find . -printf '%p %y %m %U %G %s %T@ %C@ %i %n %l\n' 2>/dev/null || :; } | sort
		{ find . -type f -readable -print0 2>/dev/null || :; } | sort -z | xargs -0 -r sha256sum
	) | sha256sum | cut -d' ' -f1
}
before_top=$(lower_digest "$TOP")
before_base=$(lower_digest "$BASE")

# a package whose postinst adds a system user, as openssh-server's or
# dbus's does
pkg=$T/pkg
mkdir -p "$pkg/DEBIAN" "$pkg/usr/share/doc/vtsvc" "$T/debs"
cat >"$pkg/DEBIAN/control" <<'C'
Package: vtsvc
Version: 1.0
Architecture: all
Maintainer: veneer tests <tests@example.invalid>
Depends: adduser
Description: adds the system user vtsvc in its postinst
C
cat >"$pkg/DEBIAN/postinst" <<'S'
#!/bin/sh
set -e
if [ "$1" = configure ] && ! getent passwd vtsvc >/dev/null; then
	adduser --system --group --home /var/lib/vtsvc vtsvc
fi
S
chmod 0755 "$pkg/DEBIAN/postinst"
echo "vtsvc" >"$pkg/usr/share/doc/vtsvc/README"
dpkg-deb --root-owner-group --build "$pkg" "$T/debs/vtsvc.deb" >/dev/null ||
	fail "dpkg-deb could not build the test package"

up=$T/up
inside=(env -i HOME=/root TERM=dumb LC_ALL=C DEBIAN_FRONTEND=noninteractive
	PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
layers=(--ids presented --lower "$TOP" --lower "$BASE" --upper "$up")

# ------------------------------------------ 1. made up, before any change
# shellcheck disable=SC2016
vrun_ok "$T/1.out" "$T/1.err" "${layers[@]}" -- "${inside[@]}" sh -c '
	echo "=== stat"
	stat -c "%U:%G %a %n" /etc/shadow /etc/gshadow
	echo "=== fstat"
	for f in /etc/shadow /etc/gshadow; do
		perl -e "open(F, q(<), q($f)) or die; @s = stat(F); printf qq(%s:%s %o %d\n), (getpwuid \$s[4])[0], (getgrgid \$s[5])[0], \$s[2] & 07777, \$s[7]; print length(join q(), <F>), qq(\n)"
	done
	echo "=== shadow"
	cat /etc/shadow
	echo "=== gshadow"
	cat /etc/gshadow
	echo "=== end"'
assert_eq "root:shadow 640 /etc/shadow
root:shadow 640 /etc/gshadow" "$(section "$T/1.out" stat)" "stat of the made-up files"
# fstat of an fd on each: owner, mode and the size of what is read
sizes=$(section "$T/1.out" fstat | awk 'NR % 2 == 1 { s = $3 } NR % 2 == 0 { print ($1 == s) }')
assert_eq "1
1" "$sizes" "fstat's size of the made-up files is what reads give"
assert_eq "root:shadow 640
root:shadow 640" "$(section "$T/1.out" fstat | awk 'NR % 2 == 1 { print $1, $2 }')" \
	"fstat of fds on the made-up files"
# shellcheck disable=SC2016
days=$(($(stat -c %Y "$TOP/etc/shadow") / 86400))
assert_eq "$(awk -F: -v d="$days" '{ print $1 ":*:" d ":0:99999:7:::" }' "$TOP/etc/passwd")" \
	"$(section "$T/1.out" shadow)" "the made-up /etc/shadow (from the layer's /etc/passwd)"
assert_eq "$(awk -F: '{ print $1 ":*::" $4 }' "$TOP/etc/group")" \
	"$(section "$T/1.out" gshadow)" "the made-up /etc/gshadow (from the layer's /etc/group)"
[ ! -e "$up/etc/shadow" ] || fail "reading /etc/shadow wrote it into the upper"

# ------------------------------------------- 2. users and groups inside
# shellcheck disable=SC2016
vrun_ok "$T/2.out" "$T/2.err" "${layers[@]}" --bind "$T/debs:/debs:ro" -- "${inside[@]}" sh -c '
	set -e
	echo "=== useradd"
	useradd -m bob && id bob && stat -c "%U:%G %a %n" /home/bob
	echo "=== groupadd"
	groupadd devs && getent group devs | cut -d: -f1,3
	echo "=== adduser"
	adduser --system --group svc >/dev/null 2>&1 && id svc
	echo "=== passwd"
	passwd -S bob | cut -d" " -f1,2
	chage -l bob | grep -E "^(Password expires|Account expires)"
	echo "=== dpkg"
	dpkg -i /debs/vtsvc.deb >/dev/null 2>&1 && getent passwd vtsvc | cut -d: -f1,6,7
	dpkg-query -W -f="\${Package} \${Status}\n" vtsvc
	echo "=== owners"
	stat -c "%U:%G %a %n" /etc/shadow /etc/gshadow /etc/passwd /etc/group
	echo "=== lines"
	grep -E "^(bob|svc|vtsvc|devs|carol|root):" /etc/shadow | cut -d: -f1,2
	grep -E "^(bob|svc|vtsvc|devs|users):" /etc/gshadow | cut -d: -f1,2,4
	echo "=== all"
	cat /etc/shadow /etc/gshadow
	echo "=== end"'
assert_eq "uid=1501(bob) gid=1501(bob) groups=1501(bob)
bob:bob 755 /home/bob" "$(section "$T/2.out" useradd)" "useradd -m bob"
assert_eq "devs:1502" "$(section "$T/2.out" groupadd)" "groupadd devs"
assert_match '^uid=[0-9]+\(svc\) gid=[0-9]+\(svc\) groups=[0-9]+\(svc\)$' \
	"$(section "$T/2.out" adduser)" "adduser --system --group svc"
assert_eq "bob L
Password expires					: never
Account expires						: never" "$(section "$T/2.out" passwd)" "passwd -S bob; chage -l bob"
assert_eq "vtsvc:/var/lib/vtsvc:/usr/sbin/nologin
vtsvc install ok installed" "$(section "$T/2.out" dpkg)" "dpkg -i of a package that adds a system user"
assert_eq "root:shadow 640 /etc/shadow
root:shadow 640 /etc/gshadow
root:root 644 /etc/passwd
root:root 644 /etc/group" "$(section "$T/2.out" owners)" "owners and modes of the rewritten files"
assert_eq "root:*
carol:*
bob:!
svc:!
vtsvc:!
users:*:carol,daemon
bob:!:
devs:!:
svc:!:
vtsvc:!:" "$(section "$T/2.out" lines)" "the rewritten shadow files"

# --------------------- 3. apt-get install of a package adding a user
# (needs the mirror: the base's sources.list names the host's)
vrun "$T/3.out" "$T/3.err" "${layers[@]}" -- "${inside[@]}" sh -c 'apt-get update'
if [ "$VRC" -ne 0 ]; then
	note "apt-get update failed inside (no mirror reachable?): apt-get install uuid-runtime left out"
else
	# shellcheck disable=SC2016
	vrun "$T/3.out" "$T/3.err" "${layers[@]}" -- "${inside[@]}" sh -c '
		apt-get install -y uuid-runtime >/dev/null 2>&1; echo "exit $?"
		getent passwd uuidd | cut -d: -f1
		stat -c "%U:%G %a %n" /etc/shadow'
	assert_eq "exit 0
uuidd
root:shadow 640 /etc/shadow" "$(cat "$T/3.out")" "apt-get install uuid-runtime (adds the system user uuidd)"
fi

# ------------------------------------------- 4. a restart: users stayed
# shellcheck disable=SC2016
vrun_ok "$T/4.out" "$T/4.err" "${layers[@]}" -- "${inside[@]}" sh -c '
	id bob; id svc >/dev/null && echo svc; getent group devs | cut -d: -f1
	stat -c "%U:%G %a %n" /etc/shadow /etc/gshadow
	cat /etc/shadow /etc/gshadow >/dev/null && echo read'
assert_eq "uid=1501(bob) gid=1501(bob) groups=1501(bob)
svc
devs
root:shadow 640 /etc/shadow
root:shadow 640 /etc/gshadow
read" "$(cat "$T/4.out")" "after a restart on the same upper"
[ -f "$up/etc/shadow" ] && [ -f "$up/etc/gshadow" ] || fail "the upper has no copies of the shadow files"

# ---------------------------------------------- 5. over the host's own /
vrun_ok "$T/5.out" "$T/5.err" --ids presented --lower / -- "${inside[@]}" sh -c '
	cat /etc/shadow /etc/gshadow; stat -c "%U:%G %a" /etc/shadow'
if [ ! -r /etc/shadow ]; then
	assert_eq "$(awk -F: '{ print $1 }' /etc/passwd)" \
		"$(awk -F: 'NF > 5 { print $1 }' "$T/5.out")" "made-up /etc/shadow over /: its names"
	assert_eq "" "$(awk -F: 'NF > 1 && $2 != "*" && !/^root:shadow/' "$T/5.out")" \
		"made-up shadow files over /: every password locked"
fi

# ------------------------------------- 6. no secret inside, lowers kept
# every colon-separated field of every line read inside, hashed
fields=$T/fields.sha256
cat "$T"/[1-5].out | tr ':' '\n' | sort -u |
	while IFS= read -r f; do printf '%s' "$f" | sha256sum | cut -d' ' -f1; done | sort -u >"$fields"
leaked=$(comm -12 "$fields" <(sort -u "$SECRETS") | wc -l)
assert_eq "0" "$leaked" "password hashes of the layer's or the host's shadow files seen inside"
if grep -rqs -e '\$6\$' -e '\$y\$' "$up/etc/shadow" "$up/etc/gshadow"; then
	fail "the upper's shadow files hold a password hash"
fi
assert_eq "$before_top" "$(lower_digest "$TOP")" "the users layer changed"
assert_eq "$before_base" "$(lower_digest "$BASE")" "the Debian base changed"
