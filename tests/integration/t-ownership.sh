#!/bin/bash
# Presented ownership over a root-owned lower (the host's /), as an
# unprivileged user: every file shows its real owner through stat, lstat,
# fstat, statx, ls and tar; the root inside changes anything it can read
# (chown to any id included) and nothing it cannot; owners set inside
# survive a restart, also with the upper on a tmpfs (the owner store
# uses no xattrs); set*id are emulated (su, setpriv), inherited by
# children, and permission checks follow the presented identity.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented)"
[ "$MY_UID" != 0 ] || skip "presented ownership is for unprivileged users (root maps every id)"
require_cmd su setpriv python3 tar getfattr

U=$T/upper
mkdir -p "$T/cwd"
cd "$T/cwd"

# --ids auto picks presented ownership here, and doctor says so
"$VENEER" doctor >"$T/doctor" 2>&1 || fail "veneer doctor failed: $(cat "$T/doctor")"
assert_match '^ownership +presented: lower / is owned by uid 0' "$(cat "$T/doctor")" "doctor says ownership is presented"

# ------------------------------------------------------------ real owners
paths=()
for p in / /etc /etc/passwd /etc/shadow /usr/bin/passwd /var/cache/apt/archives/partial \
	/var/lib/apt/lists/partial /var/log /var/mail /run/utmp /usr/bin/chage; do
	[ -e "$p" ] && paths+=("$p")
done
[ ${#paths[@]} -ge 6 ] || fail "too few probe paths on this host"
stat -c '%n %u %g %a %F' "${paths[@]}" >"$T/host.stat"
grep -qv ' 0 0 ' "$T/host.stat" || fail "no probe path has an owner other than root: nothing to test"
vrun_ok "$T/in.stat" "$T/e" --upper "$U" -- stat -c '%n %u %g %a %F' "${paths[@]}"
assert_files_eq "$T/host.stat" "$T/in.stat" "stat (statx) inside shows the host's owners"

# lstat, fstat and statx through python agree; ls -ln and tar too
cat >"$T/agree.py" <<'EOF'
import os, sys
for p in sys.argv[1:]:
    st = os.lstat(p)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NOFOLLOW)
    except PermissionError:
        fd = os.open(p, os.O_PATH | os.O_NOFOLLOW)
    fst = os.fstat(fd)
    os.close(fd)
    if (st.st_uid, st.st_gid) != (fst.st_uid, fst.st_gid):
        print("MISMATCH", p, st.st_uid, st.st_gid, fst.st_uid, fst.st_gid)
    print(p, st.st_uid, st.st_gid)
EOF
awk '{ print $1, $2, $3 }' "$T/host.stat" >"$T/host.ids"
vrun_ok "$T/in.ids" "$T/e" --upper "$U" -- python3 "$T/agree.py" "${paths[@]}"
assert_files_eq "$T/host.ids" "$T/in.ids" "lstat and fstat agree with the host's owners"
ls -lnd "${paths[@]}" | awk '{ print $3, $4, $NF }' >"$T/host.ls"
vrun_ok "$T/in.ls" "$T/e" --upper "$U" -- sh -c 'ls -lnd "$@" | awk "{ print \$3, \$4, \$NF }"' sh "${paths[@]}"
assert_files_eq "$T/host.ls" "$T/in.ls" "ls -ln inside shows the host's owners"
vrun_ok "$T/in.tar" "$T/e" --upper "$U" -- sh -c \
	'tar -C / --no-recursion -cf - etc etc/passwd | tar -tvf - --numeric-owner | awk "{ print \$2, \$6 }"'
assert_eq "$(printf '0/0 etc/\n0/0 etc/passwd')" "$(cat "$T/in.tar")" "tar c records root as the owner"

# ------------------------------------------------- the root inside changes
before=$(stat -c '%u:%g %a %s %Y' /etc/hosts /etc/hostname /etc/passwd | sha256sum)
vrun_ok "$T/o" "$T/e" --upper "$U" -- sh -c '
	set -e
	chown 42:43 /etc/hosts
	chmod 600 /etc/hostname
	echo "vtuser:x:5000:5000::/nonexistent:/bin/sh" >>/etc/passwd
	touch -d @1000000000 /etc/hostname
	mkdir /srv/shared && chown 0:50 /srv/shared && chmod 2775 /srv/shared
	touch /srv/shared/made-by-root
	mkdir -p /tmp/t && chmod 1777 /tmp/t && touch /tmp/t/roots
	mv /etc/issue /etc/issue.moved && rm /etc/issue.net && test ! -e /etc/issue
	stat -c "%n %u:%g %a" /etc/hosts /etc/hostname /srv/shared /srv/shared/made-by-root
	tail -n 1 /etc/passwd'
hosts_mode=$(stat -c %a /etc/hosts)
cat >"$T/want" <<EOF
/etc/hosts 42:43 $hosts_mode
/etc/hostname 0:0 600
/srv/shared 0:50 2775
/srv/shared/made-by-root 0:50 644
vtuser:x:5000:5000::/nonexistent:/bin/sh
EOF
assert_files_eq "$T/want" "$T/o" "chown to any id, chmod, writes and setgid inheritance inside"
assert_eq "$before" "$(stat -c '%u:%g %a %s %Y' /etc/hosts /etc/hostname /etc/passwd | sha256sum)" \
	"the host's files are untouched"

# what the caller cannot read on the host, the root inside cannot either
# (/etc/shadow- is 0600 root's; /etc/shadow and /etc/gshadow are shown
# made up instead: t-users)
if [ -f /etc/shadow- ] && ! head -c1 /etc/shadow- >/dev/null 2>&1; then
	vrun "$T/o" "$T/e" --upper "$U" -- sh -c 'cat /etc/shadow-; echo "cat=$?"; echo x >>/etc/shadow-; echo "append=$?"'
	assert_eq "$(printf 'cat=1\nappend=2')" "$(cat "$T/o")" "an unreadable lower file cannot be read or copied up"
	assert_match 'Permission denied' "$(cat "$T/e")" "EACCES for the unreadable lower file"
fi

# ----------------------------------------------------------- identities
vrun_ok "$T/o" "$T/e" --upper "$U" -- sh -c '
	su -s /bin/sh nobody -c "id; sh -c \"id -u\"; touch /tmp/t/nobodys; stat -c \"%U:%G\" /tmp/t/nobodys
		touch /etc/nope 2>&1 || true
		chown root /tmp/t/nobodys 2>&1 || true
		rm -f /tmp/t/roots 2>&1 || true
		cat /etc/hostname 2>&1 || true
		{ echo x >/srv/shared/x; } 2>&1 || true"
	setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "id -u; id -g; id -G; setpriv --reuid=0 true 2>/dev/null || echo cannot-regain"
	id'
cat >"$T/want" <<'EOF'
uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)
65534
nobody:nogroup
touch: cannot touch '/etc/nope': Permission denied
chown: changing ownership of '/tmp/t/nobodys': Operation not permitted
rm: cannot remove '/tmp/t/roots': Operation not permitted
cat: /etc/hostname: Permission denied
sh: 6: cannot create /srv/shared/x: Permission denied
1000
1000
1000
cannot-regain
uid=0(root) gid=0(root) groups=0(root)
EOF
assert_files_eq "$T/want" "$T/o" "su and setpriv inside: identities and their permission results"

# ------------------------------------------------------- after a restart
vrun_ok "$T/o" "$T/e" --upper "$U" -- stat -c '%n %u:%g %a' /etc/hosts /etc/hostname /tmp/t/nobodys \
	/srv/shared/made-by-root
cat >"$T/want" <<EOF
/etc/hosts 42:43 $hosts_mode
/etc/hostname 0:0 600
/tmp/t/nobodys 65534:65534 644
/srv/shared/made-by-root 0:50 644
EOF
assert_files_eq "$T/want" "$T/o" "owners persist across a restart"

# ----------------------------------------- an upper on tmpfs, no xattrs
S=$(mktemp -d /dev/shm/veneer-own.XXXXXX)
trap 'rm -rf "$S"' EXIT
vrun_ok "$T/o" "$T/e" --upper "$S/up" -- sh -c 'chown 7:8 /etc/hostname; mkdir /opt/d; chown 9:10 /opt/d; ln -s x /opt/l; chown -h 11:12 /opt/l'
vrun_ok "$T/o" "$T/e" --upper "$S/up" -- stat -c '%n %u:%g' /etc/hostname /opt/d /opt/l
assert_eq "$(printf '/etc/hostname 7:8\n/opt/d 9:10\n/opt/l 11:12')" "$(cat "$T/o")" \
	"owners persist on a tmpfs upper (files, directories, symlinks)"
xattrs=$(getfattr -R -d -m - "$S/up" 2>/dev/null | grep -v '^#' | grep -c . || true)
assert_eq 0 "$xattrs" "the owner store needs no xattrs on the upper"

# ------------------------------------- a policy's capabilities narrow root
# (the lab policy keeps none: the root inside still owns what uid 0 owns,
# but nobody else's files, and may not chown or change identity)
vrun_ok "$T/o" "$T/e" --policy lab --upper "$U" -- sh -c '
	chown 5 /etc/hosts 2>&1 || true
	cat /etc/hostname >/dev/null 2>&1 && echo read-600 || echo no-read-600
	{ echo x >>/tmp/t/nobodys; } 2>&1 || true
	touch /etc/lab-new && echo owner-writes
	touch /tmp/t/labs && stat -c "%u:%g" /tmp/t/labs
	su -s /bin/sh nobody -c true 2>/dev/null && echo su-ok || echo no-su'
cat >"$T/want" <<'EOF2'
chown: changing ownership of '/etc/hosts': Operation not permitted
read-600
sh: 4: cannot create /tmp/t/nobodys: Permission denied
owner-writes
0:0
no-su
EOF2
assert_files_eq "$T/want" "$T/o" "the lab policy's root has no capability over the base"

# an upper that keeps presented owners is not run with the kernel's ids
# (its store would go stale), and auto picks presented for it
vrun "$T/o" "$T/e" --ids kernel --upper "$U" -- true
assert_eq 125 "$VRC" "--ids kernel on an upper with an owner store"
assert_eq "veneer: upper $U keeps presented owners (.wh..wh..veneer/owners); run it with --ids presented or auto" \
	"$(cat "$T/e")" "the refusal names the store and the fix"
"$VENEER" doctor --upper "$U" >"$T/o"
assert_match "^ownership +presented: upper $U keeps owners" "$(grep '^ownership' "$T/o")" \
	"doctor: auto picks presented for an upper with an owner store"

# a root-made directory of 5,000 files of 50 owners (more than one message
# of the owner helper's answer): every owner shows, as on the host
big=${VENEER_ROOT_FIXTURES:-}/owners-bigdir
if [ -e "$big/.complete" ]; then
	(cd "$big" && find big -printf '%P %U:%G\n' | sort) >"$T/big.host"
	vrun_ok "$T/big.in" "$T/e" --lower "$big" --lower / --upper "$T/bigup" -- sh -c \
		'cd /big && find . -printf "%P %U:%G\n" | sort'
	assert_files_eq "$T/big.host" "$T/big.in" "owners of a 5,000-entry root-made directory"
else
	note "no VENEER_ROOT_FIXTURES/owners-bigdir (tools/check as root makes it): big directory not checked"
fi

# through an O_PATH fd's /proc link (glibc's fchmodat(AT_SYMLINK_NOFOLLOW))
# a lower file is the union's, copied up; the union's own truncations keep
# the setuid bits of root's files (it holds CAP_FSETID)
vrun_ok "$T/o" "$T/e" --upper "$T/opath" -- python3 -c '
import os
p = "/etc/debian_version"
os.chmod(p, 0o600, follow_symlinks=False)
fd = os.open(p, os.O_PATH)
os.chown("/proc/self/fd/%d" % fd, 42, 43)
st = os.stat(p)
print(oct(st.st_mode & 0o7777), st.st_uid, st.st_gid)
os.chmod(p, 0o4755)
os.close(os.open(p, os.O_WRONLY | os.O_TRUNC))
os.truncate(p, 0)
print(oct(os.stat(p).st_mode & 0o7777))'
assert_eq "$(printf '0o600 42 43\n0o4755')" "$(cat "$T/o")" \
	"chmod/chown through an O_PATH fd; setuid kept over O_TRUNC and truncate"
