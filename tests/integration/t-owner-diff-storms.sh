#!/bin/bash
# Differential tests over a root-owned lower, 26-27 (the rename storm
# and the create/delete storm): each scenario inside veneer as this
# (unprivileged) user against root's native run, with owners
# (tests/root-setup/differential-root.sh records the native side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^2[67]-'
