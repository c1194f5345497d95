#!/bin/bash
# Differential write-path tests 20-29 but the storms: git commits and
# init, make, venv, compileall, dpkg-deb, renames over whiteouts, rmdir.
source "$(dirname "$0")/lib.sh"
differential_slice '^2[0-589]-'
