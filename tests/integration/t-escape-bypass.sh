#!/bin/bash
# Escape test: interfaces that reach files without the path calls the
# supervisor answers.  io_uring_setup must fail inside veneer (io_uring
# would do opens the filter never sees); open_by_handle_at with a handle
# of a host-only file (taken on the host, same file system as the
# layer) must fail, with a mount fd that is a union file of the layer.
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-bypass
make_escape_stack
cp "$PROGS/vt-bypass" "$L/bin/"
put "$L/vtdata/file" "a union file"
lower_before=$(snapshot "$L")

note "native: $("$PROGS/vt-bypass" io_uring)"
vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-bypass io_uring
assert_match '^io_uring_setup=-E[A-Z0-9]+$' "$(cat "$T/o")" "io_uring_setup must fail inside veneer"

handle=$("$PROGS/vt-bypass" handle "$HOST/secret")
case $handle in
*=-E*)
	note "no file handles on this file system ($handle): open_by_handle_at not tried"
	;;
*)
	vrun_ok "$T/o" "$T/e" --lower "$L" -- /bin/vt-bypass open-handle /vtdata/file "$handle"
	assert_no_secret "$T/o" "open_by_handle_at"
	assert_match '^open_by_handle_at=-E[A-Z0-9]+$' "$(cat "$T/o")" \
		"open_by_handle_at must fail inside veneer"
	;;
esac
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "io_uring and file handles: refused"
