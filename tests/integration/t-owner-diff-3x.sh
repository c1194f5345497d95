#!/bin/bash
# Differential tests over a root-owned lower, 30-39 (type swaps, find
# -delete, cp --reflink, install, xattrs, listings): each scenario
# inside veneer as this (unprivileged) user against root's native run,
# with owners (tests/root-setup/differential-root.sh records the native
# side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^3[0-9]-'
