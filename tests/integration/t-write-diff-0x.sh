#!/bin/bash
# Differential write-path tests 00-09: appends, sed -i, cp -a, mv of
# files and lower dirs, hard links, symlinks, rm -rf.
#
# Each scenario of tests/differential/scenarios matching '^0[0-9]-' runs
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
"$IT_DIR/../differential/run" "$VENEER" '^0[0-9]-' ||
	fail "differential scenarios '^0[0-9]-' differ (see above)"
