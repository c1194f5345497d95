#!/bin/bash
# Differential write-path tests 50 and up: git stash/rebase, fd calls,
# hard links, shutil, renameat2, sockets, readdir, concurrent writers.
#
# Each scenario of tests/differential/scenarios matching '^[5-9][0-9]-' runs
# natively on a copy of the fixture and inside veneer over it; outputs,
# exit statuses and resulting trees must agree and the lower must not
# change (see tests/differential/run).  The scenarios are split over
# several t-write-diff-*.sh so that each stays well under the runner's
# time limit, also under AddressSanitizer.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtdata
require_cmd git make gcc setfattr getfattr dpkg-deb tar gzip
# a hung side must not eat the runner's whole limit for this test
export VENEER_DIFF_TIMEOUT=${VENEER_DIFF_TIMEOUT:-40}
"$IT_DIR/../differential/run" "$VENEER" '^[5-9][0-9]-' ||
	fail "differential scenarios '^[5-9][0-9]-' differ (see above)"
