#!/bin/bash
# Escape test: symlinks planted in the upper (and one in a lower) that
# point at host paths outside every layer.  Inside veneer they resolve
# in the union: a target that only the host has gives ENOENT, a target
# the union also has gives the union's file, never the host's.  Also
# through a symlinked directory, relative links climbing past the root,
# and running a host binary through an upper symlink (127, not run).
# The union is only the test's layers (no --lower /), so the host-only
# file really is outside it.
source "$(dirname "$0")/lib.sh"
require_veneer
make_escape_stack

U=$T/U
mkdir -p "$U/sub"
ln -s "$HOST/secret" "$U/abs-secret"
ln -s "$HOST/both" "$U/abs-both"
ln -s "../../../../../../../../../../..$HOST/secret" "$U/rel-secret"
ln -s "../../../../../../../../../..$HOST/both" "$U/sub/rel-both"
ln -s "$HOST" "$U/dirlink"
ln -s /etc/hostname "$U/etc-hostname"
ln -s "$HOST/dir" "$U/sub/dirlink2"
ln -s "$HOST/secret" "$L/low-secret"
mkdir -p "$U/bin"
require_prog vt-read
ln -s "$PROGS/vt-read" "$U/bin/host-exec"
upper_before=$(snapshot "$U" .wh..wh..veneer)
lower_before=$(snapshot "$L")
host_before=$(snapshot "$HOST")

vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" -- /bin/vt-read -l \
	/abs-secret /abs-both /rel-secret /sub/rel-both /dirlink/secret \
	/dirlink/both /dirlink/dir/secret2 /sub/dirlink2/secret2 \
	/etc-hostname /low-secret "$HOST/secret" /etc/os-release
assert_no_secret "$T/o" "upper symlinks to host paths"
cat >"$T/want" <<LIST
/abs-secret => ERR:ENOENT
/abs-both => UNION-BOTH
/rel-secret => ERR:ENOENT
/sub/rel-both => UNION-BOTH
/dirlink/secret => ERR:ENOENT
/dirlink/both => UNION-BOTH
/dirlink/dir/secret2 => ERR:ENOENT
/sub/dirlink2/secret2 => ERR:ENOENT
/etc-hostname => ERR:ENOENT
/low-secret => ERR:ENOENT
$HOST/secret => ERR:ENOENT
/etc/os-release => UNION-OS-RELEASE
LIST
assert_files_eq "$T/want" "$T/o" "symlinks resolve in the union"

# executing a host binary through an upper symlink: not found
vrun "$T/o2" "$T/e2" --upper "$U" --lower "$L" -- /bin/host-exec "$HOST/secret"
assert_no_secret "$T/o2" "exec through an upper symlink"
assert_eq 127 "$VRC" "exec of a host-only binary through an upper symlink: exit status"

assert_eq "$upper_before" "$(snapshot "$U" .wh..wh..veneer)" "the upper changed"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
assert_eq "$host_before" "$(snapshot "$HOST")" "the host files changed"
echo "upper symlinks stay in the union"
