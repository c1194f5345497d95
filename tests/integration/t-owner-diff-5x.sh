#!/bin/bash
# Differential tests over a root-owned lower, 50-64 (git rebase, python,
# hard links, renameat2, sockets, long names): each scenario inside
# veneer as this (unprivileged) user against root's native run, with
# owners (tests/root-setup/differential-root.sh records the native
# side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^[56][0-9]-'
