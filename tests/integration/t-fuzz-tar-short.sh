#!/bin/bash
# A short run of the tar reader's libFuzzer target (tests/fuzz/tar: the
# reader of the archives `veneer import` and `veneer image import` take
# from untrusted hands): built with clang, ASan and UBSan; about 20
# seconds (VENEER_FUZZ_TAR_SECONDS) from the seed corpus in the tree
# (ustar, pax, GNU long names, every sparse form, xattrs, a truncated
# archive).  A crash, leak, sanitizer report or broken invariant (every
# member with a path, links with their targets, sparse segments in order
# and within the file, every byte of a stream read to its end shown to
# on_bytes, every refusal with a message) fails.  Skips only where clang
# is missing.
source "$(dirname "$0")/lib.sh"
command -v clang >/dev/null 2>&1 || skip "clang not installed"

"$IT_DIR/../fuzz/tar/run" --seconds "${VENEER_FUZZ_TAR_SECONDS:-20}" --work "$T/fuzz" ||
	fail "the tar fuzzer failed (above: the input and how to replay it)"
