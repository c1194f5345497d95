#!/bin/bash
# Differential tests over a root-owned lower, 10-19 (whiteouts, chmod
# -R, chown, touch -d, truncate, mkfifo, tar, git): each scenario inside
# veneer as this (unprivileged) user against root's native run, with
# owners (tests/root-setup/differential-root.sh records the native
# side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^1[0-9]-'
