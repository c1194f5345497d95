#!/bin/bash
# Differential write-path tests 50 and up: git stash/rebase, fd calls,
# hard links, shutil, renameat2, sockets, readdir, concurrent writers.
source "$(dirname "$0")/lib.sh"
differential_slice '^[5-9][0-9]-'
