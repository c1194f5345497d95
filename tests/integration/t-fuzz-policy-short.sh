#!/bin/bash
# A short run of the policy parser's libFuzzer target (tests/fuzz/policy,
# docs/fuzz.md "The policy parser"): built with clang, ASan and UBSan;
# about 20 seconds (VENEER_FUZZ_POLICY_SECONDS) from the seed corpus in
# the tree.  A crash, leak, sanitizer report or broken invariant (host
# sockets absolute, canonical, NUL-terminated, at most
# POLICY_HOST_SOCKETS_MAX; refusals one line naming the input) fails.
# tools/deps.sh installs clang and libFuzzer for CI, so this skips only
# where clang is missing.
source "$(dirname "$0")/lib.sh"
command -v clang >/dev/null 2>&1 || skip "clang not installed"

"$IT_DIR/../fuzz/policy/run" --seconds "${VENEER_FUZZ_POLICY_SECONDS:-20}" --work "$T/fuzz" ||
	fail "the policy fuzzer failed (above: the input and how to replay it)"
