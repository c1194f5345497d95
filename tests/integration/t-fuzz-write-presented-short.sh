#!/bin/bash
# The write-path fuzzer (t-fuzz-write-short) with presented ownership
# (--ids presented): every path of the union through the owner store and
# the permission checks of the presented root, against the same reference
# (root of a user namespace).  The one thing that reference cannot do,
# keep setuid/setgid bits over a truncation (CAP_FSETID, which the kernel
# grants only in the initial namespace), is left out of its scripts.
# About 20 seconds (VENEER_FUZZ_SECONDS).
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "presented ownership (--ids presented)"
require_free_host_path /vtdata
require_cmd unshare chroot mount timeout "$PY"
unshare -rm true 2>/dev/null ||
	skip "unprivileged user and mount namespaces are not available"

VENEER_FUZZ_SECONDS=${VENEER_FUZZ_SECONDS:-20} \
	fuzz_slice "write fuzzer (--ids presented)" "$PY" "$IT_DIR/../fuzz/write-fuzz.py" \
	--veneer "$VENEER" --avoid all --ids presented
