#!/bin/bash
# Differential tests over a root-owned lower, 20-29 but the storms (git,
# make, venv, compileall, dpkg-deb): each scenario inside veneer as this
# (unprivileged) user against root's native run, with owners
# (tests/root-setup/differential-root.sh records the native side).
source "$(dirname "$0")/lib.sh"
source "$IT_DIR/../differential/integration-slice.sh"
root_owned_slice '^2[0-589]-'
