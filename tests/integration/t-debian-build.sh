#!/bin/bash
# A real Debian source package, built reproducibly: Debian's `hello`
# (bookworm's source, fetched by tests/root-setup/hello-source.sh) built
# with `dpkg-buildpackage -b` under --policy build, twice, by two callers
# that differ in TZ, LANG, LC_ALL, umask, HOME, extra variables and the
# host path of their copy of the source, each in a sandbox of its own over
# the host's root (which has the build dependencies: the test packages),
# gives byte-identical .deb files; the source tree and the host are left
# as they were (everything the builds wrote is in their uppers).
# it-timeout: 600
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd dpkg-buildpackage dh help2man makeinfo gcc cmp
unless_hostroot "network = none, which the build policy asks (a network namespace)"
src=${VENEER_ROOT_FIXTURES:-}/hello-source
[ -n "${VENEER_ROOT_FIXTURES:-}" ] && [ -f "$src/.complete" ] ||
	skip "no hello source in the root fixtures (tests/root-setup/hello-source.sh makes it)"

mkdir -p "$T/one" "$T/two/deeper"
cp -a "$src/hello" "$T/one/hello"
cp -a "$src/hello" "$T/two/deeper/hello"
before=$(cd "$T/one/hello" && find . -printf '%p %s %T@ %m\n' | sort | md5sum)

# build N DIR ENV...: dpkg-buildpackage in DIR/hello as a caller with ENV
# (the first recorded: --record)
build() {
	local n=$1 dir=$2 record=()
	shift 2
	[ "$n" = 1 ] && record=(--record "$T/1.rec")
	(cd "$dir/hello" && env -i PATH="$PATH" "$@" sh -c 'umask "$UMASK" && exec "$@"' sh \
		"$VENEER" run --policy build --upper "$T/u$n" "${record[@]}" -- \
		sh -c 'dpkg-buildpackage -b -uc -us >/tmp/vt-build.log 2>&1 || { tail -n 30 /tmp/vt-build.log; exit 1; }') \
		>"$T/$n.out" 2>&1 || { show_file "build $n" "$T/$n.out"; fail "build $n of hello failed"; }
}
build 1 "$T/one" UMASK=077 HOME=/home/one USER=one TZ=Asia/Tokyo LANG=de_DE.UTF-8 \
	LC_ALL=fr_FR.UTF-8 TERM=xterm FOO=bar DEB_BUILD_OPTIONS=nocheck
build 2 "$T/two/deeper" UMASK=002 HOME=/srv/two USER=two TZ=America/New_York LANG=C \
	LC_ALL=C.UTF-8 OTHER=1 DEB_BUILD_OPTIONS=nocheck

debs1=$(cd "$T/u1/${T#/}/one" && ls ./*.deb 2>/dev/null || true)
debs2=$(cd "$T/u2/${T#/}/two/deeper" && ls ./*.deb 2>/dev/null || true)
assert_match "hello_.*\.deb" "$debs1" "build 1 made hello's .deb (in its upper)"
assert_eq "$debs1" "$debs2" "the two builds made the same packages"
for deb in $debs1; do
	cmp -s "$T/u1/${T#/}/one/$deb" "$T/u2/${T#/}/two/deeper/$deb" || {
		note "$deb differs: $(cmp "$T/u1/${T#/}/one/$deb" "$T/u2/${T#/}/two/deeper/$deb" 2>&1 | head -n 1)"
		fail "$deb is not byte-identical across the two callers' builds"
	}
done
assert_eq "$before" "$(cd "$T/one/hello" && find . -printf '%p %s %T@ %m\n' | sort | md5sum)" \
	"the source tree on the host is as it was"

# the record of build 1 lists the package's sources and the compiler
# among what it read, with their digests
for input in "$T/one/hello/src/hello.c" "$T/one/hello/debian/rules" \
	"$(readlink -f "$(command -v gcc)")"; do
	line=$(grep -F "{\"path\":\"$input\"," "$T/1.rec" || true)
	assert_match '"read":true,"layer":"/","type":"file","sha256":"'"$(sha256sum <"$input" | cut -d' ' -f1)"'"' \
		"$line" "the record lists $input as read, with its digest"
done
grep -q '"path":"/usr/lib/gcc/[^"]*/cc1","read":true' "$T/1.rec" || fail "the record does not list cc1 as read"
grep -qF "{\"path\":\"$T/one/hello_" "$T/1.rec" || fail "the record does not list the .deb made as changed"
