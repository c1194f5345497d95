#!/bin/bash
# Differential tests over a root-owned lower, 40-49 (O_EXCL, open
# unlinked files, errors, mkdir modes, copy-up metadata): each scenario
# inside veneer as this (unprivileged) user against root's native run,
# with owners (tests/root-setup/differential-root.sh records the native
# side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^4[0-9]-'
