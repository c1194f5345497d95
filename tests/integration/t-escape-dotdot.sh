#!/bin/bash
# Escape test: ".." past the root.  "/../../../etc/os-release" and the
# like, from the root, from a cwd, relative to a directory fd (openat),
# and through a symlink in a lower that climbs past the root, all
# resolve to the union's files; a host-only path reached that way does
# not exist.  Union = the test's layer only.
source "$(dirname "$0")/lib.sh"
require_veneer
make_escape_stack
ln -s ../../../../etc "$L/up"
lower_before=$(snapshot "$L")

vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-read -l \
	/../../../etc/os-release "/../../..$HOST/secret" \
	/etc/../../etc/os-release "/etc/../../../..$HOST/both" \
	/up/os-release "/up/../..$HOST/secret"
assert_no_secret "$T/o" "absolute paths with .."
cat >"$T/want" <<LIST
/../../../etc/os-release => UNION-OS-RELEASE
/../../..$HOST/secret => ERR:ENOENT
/etc/../../etc/os-release => UNION-OS-RELEASE
/etc/../../../..$HOST/both => UNION-BOTH
/up/os-release => UNION-OS-RELEASE
/up/../..$HOST/secret => ERR:ENOENT
LIST
assert_files_eq "$T/want" "$T/o" ".. from the root"

rel=(../../../../etc/os-release "../../../../..$HOST/secret" "../../../..$HOST/both")
cat >"$T/want-rel" <<LIST
../../../../etc/os-release => UNION-OS-RELEASE
../../../../..$HOST/secret => ERR:ENOENT
../../../..$HOST/both => UNION-BOTH
LIST
vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-read -l -C /etc "${rel[@]}"
assert_no_secret "$T/o" "relative paths with .. from a cwd"
assert_files_eq "$T/want-rel" "$T/o" ".. from the cwd /etc"

vrun_ok "$T/o" "$T/e" --lower "$L" --chdir /etc -- /bin/vt-read -l "${rel[@]}"
assert_no_secret "$T/o" "relative paths with .. from --chdir"
assert_files_eq "$T/want-rel" "$T/o" ".. from --chdir /etc"

vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-read -l -a /etc "${rel[@]}"
assert_no_secret "$T/o" "openat(dirfd) with .."
assert_files_eq "$T/want-rel" "$T/o" ".. relative to a directory fd"

assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo ".. stops at the union's root"
