#!/bin/bash
# Differential write-path tests 10-19: whiteouts and opaque dirs, chmod,
# chown, touch, truncate, mkfifo, tar x and c, git reading.
source "$(dirname "$0")/lib.sh"
differential_slice '^1[0-9]-'
