#!/bin/bash
# Escape test: /proc's magic links.  /proc/self/root, /proc/1/root (the
# sandbox's init), /proc/self/cwd, /proc/self/fd/N and /dev/fd/N lead
# into the union, not to the host: the union's files come back, host-only
# paths do not exist.  /proc/1/root may also be refused (EACCES: the
# kernel's ptrace check on a non-dumpable init), never the host's file.
# Union = the test's layer only.
source "$(dirname "$0")/lib.sh"
require_veneer
make_escape_stack
lower_before=$(snapshot "$L")

vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-read -l \
	/proc/self/root/etc/os-release "/proc/self/root$HOST/secret" \
	"/proc/self/root$HOST/both" "/proc/self/root/../../..$HOST/secret" \
	/proc/thread-self/root/etc/os-release
assert_no_secret "$T/o" "/proc/self/root"
cat >"$T/want" <<LIST
/proc/self/root/etc/os-release => UNION-OS-RELEASE
/proc/self/root$HOST/secret => ERR:ENOENT
/proc/self/root$HOST/both => UNION-BOTH
/proc/self/root/../../..$HOST/secret => ERR:ENOENT
/proc/thread-self/root/etc/os-release => UNION-OS-RELEASE
LIST
assert_files_eq "$T/want" "$T/o" "/proc/self/root leads into the union"

vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-read -l \
	/proc/1/root/etc/os-release "/proc/1/root$HOST/secret" "/proc/1/root$HOST/both"
assert_no_secret "$T/o" "/proc/1/root"
got=$(cat "$T/o")
want="/proc/1/root/etc/os-release => UNION-OS-RELEASE
/proc/1/root$HOST/secret => ERR:ENOENT
/proc/1/root$HOST/both => UNION-BOTH"
refused="/proc/1/root/etc/os-release => ERR:EACCES
/proc/1/root$HOST/secret => ERR:EACCES
/proc/1/root$HOST/both => ERR:EACCES"
if [ "$got" != "$refused" ]; then
	assert_eq "$want" "$got" "/proc/1/root leads into the union"
else
	note "/proc/1/root is refused (EACCES) inside"
fi

vrun_ok "$T/o" "$T/e" --lower "$L" --chdir /etc -- /bin/vt-read -l \
	/proc/self/cwd/os-release "/proc/self/cwd/../../..$HOST/secret"
assert_no_secret "$T/o" "/proc/self/cwd"
assert_eq "/proc/self/cwd/os-release => UNION-OS-RELEASE
/proc/self/cwd/../../..$HOST/secret => ERR:ENOENT" "$(cat "$T/o")" "/proc/self/cwd"

vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-read -l -a /etc \
	/proc/self/fd/@FD@/os-release "/proc/self/fd/@FD@/../../..$HOST/secret" \
	/dev/fd/@FD@/os-release
assert_no_secret "$T/o" "/proc/self/fd/N"
assert_eq "/proc/self/fd/@FD@/os-release => UNION-OS-RELEASE
/proc/self/fd/@FD@/../../..$HOST/secret => ERR:ENOENT
/dev/fd/@FD@/os-release => UNION-OS-RELEASE" "$(cat "$T/o")" "/proc/self/fd/N and /dev/fd/N"

assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "/proc magic links stay in the union"
