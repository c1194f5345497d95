#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# tests/root-setup/hello-source.sh FIXTURES - run as root by tools/check.
# Fetches the source of Debian's `hello` (bookworm's) with apt-get source
# from the mirror this machine's apt uses, checked by apt against the
# mirror's signed Sources index, into:
#
#   hello-source/          hello_*.dsc and its files, unpacked as
#   hello-source/hello/    the source tree (dpkg-source -x)
#   hello-source/.complete written last
#
# Kept once made.  Used by tests/integration/t-debian-build.sh (its build
# dependencies, debhelper, help2man and texinfo, are test packages).
set -euo pipefail
export LC_ALL=C
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
umask 022

fixtures=${1:?usage: hello-source.sh FIXTURES-DIR}
suite=bookworm
die() {
	echo "hello-source: $*" >&2
	exit 1
}
[ "$(id -u)" = 0 ] || die "must run as root (tools/check runs it so)"
dir=$fixtures/hello-source
if [ -f "$dir/.complete" ]; then
	echo "hello-source: kept ($(cat "$dir/.complete"))"
	exit 0
fi
. "$(dirname "${BASH_SOURCE[0]}")/mirror.bash"
mirror=$(host_mirror | head -n 1)
[ -n "$mirror" ] || die "no 'deb' source of $suite in the host's apt configuration"

work=$(mktemp -d "$fixtures/.hello-source.XXXXXX")
trap 'rm -rf "$work"' EXIT
# apt's own download and checks, from a deb-src line of our own: the
# host's apt configuration is left as it is
mkdir -p "$work/lists/partial" "$work/src"
echo "deb-src $mirror $suite main" >"$work/sources.list"
apt_own=(-o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
	-o Dir::State::Lists="$work/lists" -o APT::Sandbox::User=root)
apt-get "${apt_own[@]}" update >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; die "apt-get update of $mirror's Sources failed"; }
(cd "$work/src" && apt-get "${apt_own[@]}" source --download-only hello) >>"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log" >&2; die "apt-get source hello failed"; }
dsc=$(ls "$work/src"/hello_*.dsc)
(cd "$work/src" && dpkg-source --no-check -x "$(basename "$dsc")" hello) >>"$work/apt.log" 2>&1 ||
	{ cat "$work/apt.log" >&2; die "dpkg-source -x $(basename "$dsc") failed"; }
echo "$(basename "$dsc") from $mirror, $(date -u +%Y-%m-%dT%H:%MZ)" >"$work/src/.complete"
chmod -R a+rX "$work/src"
rm -rf "$dir"
mv "$work/src" "$dir"
echo "hello-source: $(cat "$dir/.complete")"
