#!/bin/bash
# Differential write-path tests 26-27: the rename storm (1,000 renames)
# and the create/delete storm (10,000 files).
#
# Each scenario of tests/differential/scenarios matching '^2[67]-' runs
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
"$IT_DIR/../differential/run" "$VENEER" '^2[67]-' ||
	fail "differential scenarios '^2[67]-' differ (see above)"
