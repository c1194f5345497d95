#!/bin/bash
# tests/root-setup/differential-root.sh FIXTURES - as root: the oracle of
# the differential suite over a root-owned lower.
#
# Builds FIXTURES/differential-root: the differential fixture owned by
# root and a few other ids (tests/differential/root-fixture.sh), and the
# records of every scenario (tests/differential/scenarios/ and
# scenarios-root/) run natively as root on a copy of it: outputs, exit
# statuses and tree dumps with owners.  The unprivileged user then runs
# the same scenarios inside veneer over that lower and compares
# (tests/differential/run --root-owned, tests/integration/t-owner-diff-*).
# The fixture is made for $VENEER_TEST_USER (default veneer-test), who
# must exist.
#
# Exit status 0 also when a scenario could not be recorded or the
# fixture could not be built: the reason is kept in
# FIXTURES/differential-root and the user's tests fail with it, while the
# rest of tools/check goes on; 2 when it cannot start at all (not root,
# no such user, bad usage).
set -uo pipefail
if [ $# -ne 1 ]; then
	echo "usage: $0 FIXTURES-DIR" >&2
	exit 2
fi
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$1" && chmod 0755 "$1" || exit 2
# the native runs' scratch: root's own
export TMPDIR=${TMPDIR:-/tmp}
start=$(date +%s)
bash "$top/tests/differential/run" --record-root-owned "$1"
status=$?
echo "differential-root: $(($(date +%s) - start))s"
case $status in
0) exit 0 ;;
1)
	echo "differential-root: WARNING: not everything could be recorded (see above);" \
		"the t-owner-diff tests will fail with the reasons" >&2
	exit 0
	;;
*) exit "$status" ;;
esac
