#!/bin/bash
# A short run of the JSON parser's libFuzzer target (tests/fuzz/json: the
# parser of OCI image layouts' index.json, manifests and configs, which
# `veneer image import` reads from untrusted layouts): built with clang,
# ASan and UBSan; about 20 seconds (VENEER_FUZZ_JSON_SECONDS) from the
# seed corpus in the tree.  A crash, leak, sanitizer report or broken
# invariant (every string NUL-terminated, the tree within the depth
# limit, every refusal with a message and an offset inside the input)
# fails.  Skips only where clang is missing.
source "$(dirname "$0")/lib.sh"
command -v clang >/dev/null 2>&1 || skip "clang not installed"

"$IT_DIR/../fuzz/json/run" --seconds "${VENEER_FUZZ_JSON_SECONDS:-20}" --work "$T/fuzz" ||
	fail "the JSON fuzzer failed (above: the input and how to replay it)"
