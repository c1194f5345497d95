#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# As root: FIXTURES/users, for tests/integration/t-users.sh.
#
#   L/etc/passwd, group       root's, 0644: a few users and groups, one
#                             group with members
#   L/etc/shadow, gshadow     root:shadow 0640, with real password hashes
#                             (crypt of random passwords): the secrets the
#                             unprivileged user must never see inside
#   secrets.sha256            sha256 of every password field of L's and
#                             of this host's shadow files that is not a
#                             lock marker (*, !..., empty, x), one a line,
#                             readable by everyone: the test compares what
#                             it reads inside against them
#   .complete                 written last
#
# Rebuilt every time (it is small): the host's shadow files may change.
set -euo pipefail
export LC_ALL=C
fixtures=${1:?usage: users.sh FIXTURES}
[ "$(id -u)" = 0 ] || { echo "users.sh: must run as root" >&2; exit 1; }
dir=$fixtures/users
shadow_gid=$(getent group shadow | cut -d: -f3)
shadow_gid=${shadow_gid:-42}
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp/L/etc"
chmod 755 "$dir.tmp" "$dir.tmp/L" "$dir.tmp/L/etc"
etc=$dir.tmp/L/etc
hash() { python3 -c 'import crypt, secrets, sys
print(crypt.crypt(secrets.token_hex(12), crypt.mksalt(crypt.METHOD_SHA512)))' 2>/dev/null ||
	openssl passwd -6 "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"; }
cat >"$etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/bash
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
bin:x:2:2:bin:/bin:/usr/sbin/nologin
sys:x:3:3:sys:/dev:/usr/sbin/nologin
_apt:x:42:65534::/nonexistent:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
carol:x:1500:1500:Carol:/home/carol:/bin/bash
P
cat >"$etc/group" <<'G'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:carol
shadow:x:42:
users:x:100:carol,daemon
nogroup:x:65534:
carol:x:1500:
G
{
	echo "root:$(hash):20000:0:99999:7:::"
	for u in daemon bin sys _apt nobody; do echo "$u:*:20000:0:99999:7:::"; done
	echo "carol:$(hash):20000:0:99999:7:::"
} >"$etc/shadow"
{
	for g in root daemon bin sys; do echo "$g:*::"; done
	echo "adm:$(hash)::carol"
	echo "shadow:*::"
	echo "users:$(hash)::carol,daemon"
	echo "nogroup:*::"
	echo "carol:!::"
} >"$etc/gshadow"
chown 0:0 "$etc/passwd" "$etc/group"
chmod 0644 "$etc/passwd" "$etc/group"
chown "0:$shadow_gid" "$etc/shadow" "$etc/gshadow"
chmod 0640 "$etc/shadow" "$etc/gshadow"
touch -d '2024-05-06 07:08:09 UTC' "$etc"/*
# every password field that is a secret: L's and this host's
cat "$etc/shadow" "$etc/gshadow" /etc/shadow /etc/gshadow 2>/dev/null |
	awk -F: 'NF > 1 && $2 != "" && $2 != "x" && $2 !~ /^[*!]/ { print $2 }' |
	while IFS= read -r secret; do printf '%s' "$secret" | sha256sum | cut -d' ' -f1; done |
	sort -u >"$dir.tmp/secrets.sha256"
chmod 0644 "$dir.tmp/secrets.sha256"
[ "$(wc -l <"$dir.tmp/secrets.sha256")" -ge 4 ] ||
	{ echo "users.sh: fewer secrets than made: hashing failed" >&2; exit 1; }
date -u +"built %F %T" >"$dir.tmp/.complete"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "users: $dir (secrets: $(wc -l <"$dir/secrets.sha256"))"
