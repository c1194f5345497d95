#!/bin/bash
# Differential tests over a root-owned lower, 70-79, the owner scenarios
# (chown to any id, owners of new objects, copy-ups, other identities,
# setuid bits): each scenario inside veneer as this (unprivileged) user
# against root's native run, with owners
# (tests/root-setup/differential-root.sh records the native side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^7[0-9]-'
