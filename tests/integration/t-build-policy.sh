#!/bin/bash
# The build policy removes what varies between the callers of a build: a
# deliberately leaky build (the time of day of a fixed instant, a sort of
# mixed-case lines, the modes of a new file and directory, the host and
# domain names, the kernel's release and version (uname), the user, $HOME, the names of every environment variable,
# $SOURCE_DATE_EPOCH, and `ls -U` of a directory whose files it made in a
# random order) run by two callers that differ in TZ, LANG, LC_ALL, umask,
# HOME, USER, extra variables and the host path of their copy of the
# source gives the same output under --policy build, and the listing is in
# byte order; under --policy default the same two runs differ (so this
# test can tell).  SOURCE_DATE_EPOCH: the newest time of the source's
# files when the caller has none (.git left out), the caller's when it
# has one, --env's over both.  Bad policy values are one line, exit 125.
# (Both callers are one Unix user here: the suite runs as one; inside,
# either is root, so the uid itself reaches nothing.)
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd shuf

# the source, twice, at two host paths; its files dated 2023-11-14
mkdir -p "$T/one/src" "$T/two/deeper/src"
cat >"$T/one/src/leaky.sh" <<'SH'
echo "time: $(date -d @86400 +%H:%M)"
echo "sort: $(printf 'b\nA\na\nB\n_x\n' | sort | tr '\n' ' ')"
touch /tmp/vt-new-file && mkdir /tmp/vt-new-dir
echo "modes: $(stat -c %a /tmp/vt-new-file /tmp/vt-new-dir | tr '\n' ' ')"
if [ "$1" = names ]; then
	echo "host: $(hostname) $(uname -n) $(cat /proc/sys/kernel/domainname)"
fi
echo "kernel: $(uname -r) / $(uname -v)"
echo "user: $(id -un) HOME=$HOME"
echo "env: $(env | cut -d= -f1 | sort | tr '\n' ' ')"
echo "epoch: $SOURCE_DATE_EPOCH"
mkdir /tmp/vt-order
for f in $(shuf -e n1 n2 n3 n4 n5 n6 n7 n8 n9 Z z _ .dot '~t' +p); do touch "/tmp/vt-order/$f"; done
echo "order: $(ls -AU /tmp/vt-order | tr '\n' ' ')"
SH
echo 'int main(void) { return 0; }' >"$T/one/src/main.c"
touch -d @1700000000 "$T/one/src/main.c"
touch -d @1690000000 "$T/one/src/leaky.sh"
mkdir "$T/one/src/.git" && echo newer >"$T/one/src/.git/index" # not the source
cp -a "$T/one/src/." "$T/two/deeper/src/"
names=names
# the source at /build; without a user namespace (no mounts, no UTS
# namespace) where it is, with the host's names
one=(--bind "$T/one/src:/build" --chdir /build -- sh /build/leaky.sh)
two=(--bind "$T/two/deeper/src:/build" --chdir /build -- sh /build/leaky.sh)
build=build
if on_hostroot; then
	names=""
	one=(-- sh ./leaky.sh)
	two=(-- sh ./leaky.sh)
	# and the build policy less what needs namespaces
	grep -Ev '^(network|sys|hostname|domainname|capabilities) ' "$IT_DIR/../../policies/build.policy" >"$T/build.policy"
	build=$T/build.policy
fi

# caller SRC POLICY: the build as one caller runs it (its own environment,
# umask and copy of the source), its output to stdout
caller_one() {
	(cd "$T/one/src" && env -i PATH="$PATH" HOME=/home/one USER=one TZ=Asia/Tokyo \
		LANG=de_DE.UTF-8 LC_ALL=fr_FR.UTF-8 TERM=xterm FOO=bar \
		sh -c 'umask 077 && exec "$@"' sh \
		"$VENEER" run --policy "$1" "${one[@]}" $names)
}
caller_two() {
	(cd "$T/two/deeper/src" && env -i PATH="$PATH" HOME=/srv/two USER=two TZ=America/New_York \
		LANG=C LC_ALL=C.UTF-8 COLORTERM=truecolor OTHER=1 \
		sh -c 'umask 002 && exec "$@"' sh \
		"$VENEER" run --policy "$1" "${two[@]}" $names)
}

caller_one "$build" >"$T/1.out" 2>"$T/1.err" || { show_file stderr "$T/1.err"; fail "caller one's build exited $?"; }
caller_two "$build" >"$T/2.out" 2>"$T/2.err" || { show_file stderr "$T/2.err"; fail "caller two's build exited $?"; }
assert_files_eq "$T/1.out" "$T/2.out" "two callers' builds under --policy build"
out=$(cat "$T/1.out")
assert_match "time: 00:00" "$out" "TZ=UTC"
assert_match "sort: A B _x a b " "$out" "LANG=C.UTF-8 sorts bytewise"
assert_match "modes: 644 755 " "$out" "umask 022"
[ -z "$names" ] || assert_match "host: build build build" "$out" "host and domain names"
assert_match "kernel: 6.1.0 / 1 SMP veneer build" "$out" "uname's release and version are the policy's"
# (without a user namespace the sandbox's user is the caller's own)
on_hostroot || assert_match "user: root HOME=/root" "$out" "the user and HOME are the union's root's"
assert_match "env: HOME LANG LOGNAME OLDPWD PATH PWD SHELL SOURCE_DATE_EPOCH TZ USER $|env: HOME LANG LOGNAME PATH PWD SHELL SOURCE_DATE_EPOCH TZ USER $" \
	"$out" "nothing of the caller's environment"
assert_match "epoch: 1700000000" "$out" "SOURCE_DATE_EPOCH: the newest source file's time, .git left out"
assert_match "order: \+p \.dot Z _ n1 n2 n3 n4 n5 n6 n7 n8 n9 z ~t $" "$out" "readdir = sorted: ls -U in byte order"

# the same two callers leak into a build without the policy
caller_one default >"$T/1d.out" 2>/dev/null || fail "caller one, --policy default"
caller_two default >"$T/2d.out" 2>/dev/null || fail "caller two, --policy default"
! cmp -s "$T/1d.out" "$T/2d.out" || fail "under --policy default the two callers' builds did not differ: this test cannot tell"

# uname's host and domain names are the sandbox's, live: set inside, shown
if [ -n "$names" ]; then
	# (the build policy keeps no CAP_SYS_ADMIN to set it with)
	echo "uname-release = 6.1.0" >"$T/uname.policy"
	"$VENEER" run --policy "$T/uname.policy" -- sh -c 'hostname inner && uname -n && uname -r' >"$T/o"
	assert_eq "$(printf 'inner\n6.1.0')" "$(cat "$T/o")" "a host name set inside shows in uname, with the policy's release"
fi

# the caller's SOURCE_DATE_EPOCH, then --env's
(cd "$T/one/src" && SOURCE_DATE_EPOCH=42 "$VENEER" run --policy "$build" -- sh -c 'echo $SOURCE_DATE_EPOCH') >"$T/o"
assert_eq 42 "$(cat "$T/o")" "the caller's SOURCE_DATE_EPOCH"
(cd "$T/one/src" && SOURCE_DATE_EPOCH=42 "$VENEER" run --policy "$build" --env SOURCE_DATE_EPOCH=7 -- sh -c 'echo $SOURCE_DATE_EPOCH') >"$T/o"
assert_eq 7 "$(cat "$T/o")" "--env SOURCE_DATE_EPOCH over the caller's"

# --build-user: the build as an unprivileged user of the union, made in
# the upper when the base has none (the least id from 1000 it has free)
if ! on_hostroot; then
	passwd_before=$(md5sum </etc/passwd)
	(cd "$T/one/src" && "$VENEER" run --policy build --build-user builder --upper "$T/bu" --chdir / -- sh -c '
		id -un; echo "HOME=$HOME USER=$USER"
		touch /tmp/vt-built && stat -c %U:%G /tmp/vt-built
		touch /etc/vt-no 2>/dev/null || echo "no root"') >"$T/o" 2>"$T/e" ||
		{ show_file stderr "$T/e"; fail "--build-user builder exited $?"; }
	assert_eq "builder
HOME=/nonexistent USER=builder
builder:builder
no root" "$(cat "$T/o")" "--build-user: who the build runs as"
	assert_match "^builder:x:[0-9]+:[0-9]+::/nonexistent:/bin/sh$" "$(grep '^builder:' "$T/bu/etc/passwd")" \
		"--build-user: the user made in the upper's /etc/passwd"
	assert_eq "$passwd_before" "$(md5sum </etc/passwd)" "--build-user: the host's /etc/passwd unchanged"
	vrun "$T/o" "$T/e" --build-user Bad -- true
	assert_eq 125 "$VRC" "--build-user Bad: exit status"
	assert_match "build-user 'Bad': it must start with a lowercase letter" "$(cat "$T/e")" "--build-user Bad: the line"
fi

# bad input
bad_policy() { # WHAT TEXT PATTERN
	printf '%s\n' "$2" >"$T/bad.policy"
	vrun "$T/o" "$T/e" --policy "$T/bad.policy" -- true
	assert_eq 125 "$VRC" "$1: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$1: one line"
	assert_match "$3" "$(cat "$T/e")" "$1: the line"
}
bad_policy "umask 0999" "umask = 0999" "bad.policy:1: umask = '0999': give octal digits"
bad_policy "readdir random" "readdir = random" "bad.policy:1: .*readdir"
bad_policy "domainname with a space" "domainname = a b" "bad.policy:1: domainname = 'a b'"
bad_policy "uname-release too long" "uname-release = $(printf 'x%.0s' $(seq 1 65))" \
	"bad.policy:1: uname-release = 'x*': give 1 to 64 printable ASCII characters"
mkdir -p "$T/empty"
(cd "$T/empty" && SOURCE_DATE_EPOCH= "$VENEER" run --policy "$build" -- true) 2>"$T/e" && fail "a build from a directory without files ran"
assert_match "source-date-epoch: .* holds no file to date the build by" "$(cat "$T/e")" \
	"source-date-epoch over an empty directory"
(cd "$T/one/src" && SOURCE_DATE_EPOCH=soon "$VENEER" run --policy "$build" -- true) 2>"$T/e" && fail "SOURCE_DATE_EPOCH=soon was taken"
assert_match "SOURCE_DATE_EPOCH=soon is not a number" "$(cat "$T/e")" "a caller's SOURCE_DATE_EPOCH that is no number"
