#!/bin/bash
# Differential write-path tests 00-09: appends, sed -i, cp -a, mv of
# files and lower dirs, hard links, symlinks, rm -rf.
source "$(dirname "$0")/lib.sh"
differential_slice '^0[0-9]-'
