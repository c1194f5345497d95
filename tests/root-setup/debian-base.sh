#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/root-setup/debian-base.sh FIXTURES - run as root by tools/check
# before the suite drops to the unprivileged user.  Makes, under FIXTURES:
#
#   debian-base/root       a root-owned Debian 12 (bookworm) minbase root,
#                          made by debootstrap from the mirror this
#                          machine's apt uses; its sources.list names that
#                          mirror and its resolv.conf is the host's, so
#                          apt inside works with the host's network
#   debian-base/.complete  written last: "built ... in N s from MIRROR"
#   debian-base/debootstrap.log
#   debs/vtest-owned.deb   a small package whose data holds objects owned
#                          by system users and groups of the base (see
#                          build_deb), built from a tree chowned as root
#   debs/bookworm-minbase.tgz
#                          debootstrap --make-tarball of the same suite and
#                          variant: every .deb the base is made of, so that
#                          tests run debootstrap itself (--unpack-tarball)
#                          without a network (t-chroot-debootstrap.sh)
#
# The base is built once and kept: when debian-base/.complete is younger
# than 7 days nothing is done for it.  It is built in a temporary directory
# beside it and renamed into place only when complete, so a crash never
# leaves a half base that looks complete.  Used by
# tests/integration/t-apt-root.sh.
set -euo pipefail
export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 022

fixtures=${1:?usage: debian-base.sh FIXTURES-DIR}
suite=bookworm
say() { echo "debian-base: $*"; }
die() {
	echo "debian-base: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (tools/check runs it so)"
mkdir -p "$fixtures"
chmod 755 "$fixtures"
fixtures=$(cd "$fixtures" && pwd)
base=$fixtures/debian-base
debs=$fixtures/debs

# host_mirror
. "$(dirname "${BASH_SOURCE[0]}")/mirror.bash"

# mirror, arch, proxy (exported as http_proxy) and keyring for debootstrap
debootstrap_setup() {
	mirror=$(host_mirror | head -n 1)
	[ -n "$mirror" ] ||
		die "no 'deb' source of $suite in /etc/apt/sources.list{,.d/*}: cannot tell which mirror to use"
	mirror=${mirror%/}
	arch=$(dpkg --print-architecture)
	# a proxy the host's apt uses is used by debootstrap and the base too
	proxy=$(apt-config dump Acquire::http::Proxy 2>/dev/null |
		sed -n 's/^Acquire::http::Proxy "\(.*\)";$/\1/p' | head -n 1)
	if [ -n "$proxy" ] && [ "$proxy" != DIRECT ]; then
		export http_proxy=$proxy
	else
		proxy=
	fi
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
	fi
	keyring=()
	if [ -f /usr/share/keyrings/debian-archive-keyring.gpg ]; then
		keyring=(--keyring=/usr/share/keyrings/debian-archive-keyring.gpg)
	fi
}

build_base() {
	local tmp start secs rc
	debootstrap_setup

	# leftovers of an earlier run that did not finish (never complete)
	find "$fixtures" -maxdepth 1 -name '.debian-base.tmp.*' -exec rm -rf --one-file-system {} +
	tmp=$(mktemp -d "$fixtures/.debian-base.tmp.XXXXXX")
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf --one-file-system '$tmp'" EXIT
	say "debootstrap $suite ($arch, minbase) from $mirror into $tmp (takes minutes)"
	start=$(date +%s)
	# the log keeps everything; the terminal gets the stages
	set +e
	debootstrap --variant=minbase --arch="$arch" "${keyring[@]}" \
		"$suite" "$tmp/root" "$mirror" 2>&1 |
		tee "$tmp/debootstrap.log" |
		grep --line-buffered -E '^(I: (Retrieving Release|Checking component|Installing core|Unpacking required|Configuring required|Base system)|E:|W:)' |
		sed -u 's/^/debian-base:   /'
	rc=${PIPESTATUS[0]}
	set -e
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$tmp/debootstrap.log" >&2 || true
		die "debootstrap failed with status $rc (log above)"
	fi
	grep -q '^I: Base system installed successfully' "$tmp/debootstrap.log" ||
		die "debootstrap did not report success (see $tmp/debootstrap.log)"
	secs=$(($(date +%s) - start))
	say "debootstrap took ${secs}s"

	# apt inside uses the host's network and mirror
	rm -f "$tmp/root/etc/resolv.conf"
	cp -L /etc/resolv.conf "$tmp/root/etc/resolv.conf"
	chmod 644 "$tmp/root/etc/resolv.conf"
	echo "deb $mirror $suite main" >"$tmp/root/etc/apt/sources.list"
	if [ -n "$proxy" ]; then
		echo "Acquire::http::Proxy \"$proxy\";" >"$tmp/root/etc/apt/apt.conf.d/01proxy"
	fi
	# no downloaded package files or package lists: apt inside fetches its own
	rm -rf "$tmp/root/var/cache/apt/archives/"*.deb "$tmp/root/var/lib/apt/lists/"*_Packages
	# debootstrap mounts /proc and /sys in the target while it runs
	if grep -q " $tmp/root/" /proc/mounts; then
		die "mounts are left under $tmp/root (see /proc/mounts)"
	fi

	chmod 755 "$tmp" "$tmp/root"
	echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) by debootstrap $suite minbase in ${secs}s from $mirror" \
		>"$tmp/.complete"
	chmod 644 "$tmp/.complete" "$tmp/debootstrap.log"
	# into place: the old base goes aside first, then the new one is
	# renamed in (each rename is atomic; .complete travels inside)
	if [ -e "$base" ]; then
		mv "$base" "$tmp.old"
	fi
	mv "$tmp" "$base"
	trap - EXIT
	rm -rf --one-file-system "$tmp.old"
	say "done: $base/root ($(du -sh "$base/root" | cut -f1))"
}

# vtest-owned.deb: objects owned by system users/groups of the base
#   /var/lib/vtest-owned          daemon:daemon  2750 (directory)
#   /var/lib/vtest-owned/state    _apt:adm       0640
#   /usr/bin/vtest-suid           root:root      4755 (a copy of the base's id)
#   /usr/share/doc/vtest-owned/README root:root  0644
build_deb() {
	local stage u
	for u in daemon _apt; do
		grep -q "^$u:" "$base/root/etc/passwd" || die "the base has no user $u"
	done
	for u in daemon adm; do
		grep -q "^$u:" "$base/root/etc/group" || die "the base has no group $u"
	done
	stage=$(mktemp -d "$fixtures/.vtest-owned.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$stage'" EXIT
	mkdir -p "$stage/pkg/DEBIAN" "$stage/pkg/var/lib/vtest-owned" \
		"$stage/pkg/usr/bin" "$stage/pkg/usr/share/doc/vtest-owned"
	cat >"$stage/pkg/DEBIAN/control" <<EOF
Package: vtest-owned
Version: 1.0
Architecture: $(dpkg --print-architecture)
Maintainer: veneer tests <veneer@invalid>
Priority: optional
Section: misc
Description: veneer test package with system-owned files
 Its data holds a directory and a file owned by system users and groups
 of the Debian base and a root-owned setuid binary.
EOF
	echo "vtest-owned: written by veneer's tests/root-setup/debian-base.sh" \
		>"$stage/pkg/usr/share/doc/vtest-owned/README"
	echo "state of vtest-owned" >"$stage/pkg/var/lib/vtest-owned/state"
	cp "$base/root/usr/bin/id" "$stage/pkg/usr/bin/vtest-suid"
	# numeric ids from the base's own passwd and group files (the host's
	# may differ)
	chown -R 0:0 "$stage/pkg"
	chown "$(ids_of daemon passwd):$(ids_of daemon group)" "$stage/pkg/var/lib/vtest-owned"
	chmod 2750 "$stage/pkg/var/lib/vtest-owned"
	chown "$(ids_of _apt passwd):$(ids_of adm group)" "$stage/pkg/var/lib/vtest-owned/state"
	chmod 0640 "$stage/pkg/var/lib/vtest-owned/state"
	chmod 4755 "$stage/pkg/usr/bin/vtest-suid"
	mkdir -p "$debs"
	chmod 755 "$debs"
	dpkg-deb --build "$stage/pkg" "$stage/vtest-owned.deb" >/dev/null
	chmod 644 "$stage/vtest-owned.deb"
	mv "$stage/vtest-owned.deb" "$debs/vtest-owned.deb"
	rm -rf "$stage"
	trap - EXIT
	say "built $debs/vtest-owned.deb:"
	dpkg-deb -c "$debs/vtest-owned.deb" | sed 's/^/debian-base:   /'
}

# the base's packages as one tarball, made beside it and renamed in
build_tarball() {
	local tmp rc
	debootstrap_setup
	mkdir -p "$debs"
	chmod 755 "$debs"
	tmp=$(mktemp -d "$fixtures/.tarball.XXXXXX")
	# shellcheck disable=SC2064 # expand now
	trap "rm -rf --one-file-system '$tmp'" EXIT
	say "debootstrap --make-tarball $suite ($arch, minbase) from $mirror"
	set +e
	debootstrap --variant=minbase --arch="$arch" "${keyring[@]}" \
		--make-tarball="$tmp/$suite-minbase.tgz" "$suite" "$tmp/work" "$mirror" \
		>"$tmp/log" 2>&1
	rc=$?
	set -e
	if [ "$rc" -ne 0 ] || [ ! -s "$tmp/$suite-minbase.tgz" ]; then
		tail -n 30 "$tmp/log" >&2 || true
		die "debootstrap --make-tarball failed with status $rc (log above)"
	fi
	chmod 644 "$tmp/$suite-minbase.tgz"
	mv "$tmp/$suite-minbase.tgz" "$debs/$suite-minbase.tgz"
	rm -rf --one-file-system "$tmp"
	trap - EXIT
	say "built $debs/$suite-minbase.tgz ($(du -h "$debs/$suite-minbase.tgz" | cut -f1))"
}

# ids_of NAME passwd|group: NAME's numeric id in the base
ids_of() {
	local id
	id=$(awk -F: -v n="$1" '$1 == n { print $3; exit }' "$base/root/etc/$2")
	[ -n "$id" ] || die "no $1 in the base's /etc/$2"
	echo "$id"
}

if [ -f "$base/.complete" ] && [ -n "$(find "$base/.complete" -mmin -$((7 * 24 * 60)))" ]; then
	say "cached: $base ($(cat "$base/.complete"))"
else
	build_base
fi
# the package follows the base it was made for (ids come from it)
if [ ! -f "$debs/vtest-owned.deb" ] || [ "$base/.complete" -nt "$debs/vtest-owned.deb" ] ||
	[ "${BASH_SOURCE[0]}" -nt "$debs/vtest-owned.deb" ]; then
	build_deb
fi
# the tarball follows the base (the same mirror's packages, a week at most)
if [ ! -s "$debs/$suite-minbase.tgz" ] || [ "$base/.complete" -nt "$debs/$suite-minbase.tgz" ]; then
	build_tarball
fi
