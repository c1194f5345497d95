#!/bin/bash
# Differential write-path tests 30-39: type swaps, symlink swaps,
# find -delete, reflink, install -m, mv -T, xattrs, deep copy-up,
# listings, Python os calls.
source "$(dirname "$0")/lib.sh"
differential_slice '^3[0-9]-'
