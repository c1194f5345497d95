#!/bin/bash
# Differential write-path tests 26-27: the rename storm (1,000 renames)
# and the create/delete storm (10,000 files).
source "$(dirname "$0")/lib.sh"
differential_slice '^2[67]-'
