#!/bin/bash
# Differential write-path tests 40-49: O_EXCL, deleted open files,
# error cases, big and sparse files, redirections, modes, copy-up metadata.
source "$(dirname "$0")/lib.sh"
differential_slice '^4[0-9]-'
