# tests/differential/integration-slice.sh - for tests/integration/
# t-owner-diff-*.sh (sourced after tests/integration/lib.sh)
# shellcheck shell=bash
#
# root_owned_slice PATTERN: run the differential scenarios whose names
# match the ERE PATTERN inside veneer over the root-owned lower that
# tests/root-setup/differential-root.sh made, as root, in
# $VENEER_ROOT_FIXTURES/differential-root, and compare them with the
# native root runs it recorded there (tests/differential/run
# --root-owned).  Skips when there are no such records; fails unless
# every scenario agrees (or shows exactly its known difference), and when
# the records cannot be used (their set-up failed, they are stale, the
# lower changed): those are printed above.
root_owned_slice() {
	local fixtures=${VENEER_ROOT_FIXTURES:-} status
	require_veneer
	unless_hostroot "root inside over a root-owned lower (presented ownership)"
	require_free_host_path /vtdata
	require_cmd git make gcc setfattr getfattr dpkg-deb tar gzip setpriv
	if [ -z "$fixtures" ]; then
		skip "VENEER_ROOT_FIXTURES is not set: root makes the records first" \
			"(tools/check runs tests/root-setup/*.sh as root and sets it)"
	fi
	if [ ! -d "$fixtures/differential-root" ]; then
		skip "no $fixtures/differential-root: run" \
			"tests/root-setup/differential-root.sh $fixtures as root first"
	fi
	if [ "$(id -u)" = 0 ]; then
		skip "runs as an unprivileged user (root's veneer maps every id)"
	fi
	# a hung side must not eat the runner's whole limit for this test
	export VENEER_DIFF_TIMEOUT=${VENEER_DIFF_TIMEOUT:-40}
	status=0
	"$IT_DIR/../differential/run" --root-owned "$fixtures" "$VENEER" "$1" || status=$?
	case $status in
	0) ;;
	1) fail "differential scenarios '$1' over the root-owned lower differ (see above)" ;;
	*) fail "the root-owned records in $fixtures/differential-root cannot be used (see above)" ;;
	esac
}
