# tests/backend.sh - sourced by the suites' runners: the rung to test.
#
# veneer_for_backend VENEER DIR: prints the binary the tests are to run:
# VENEER itself, or, when VENEER_BACKEND is set (meson test --setup NAME
# sets it), a wrapper made in DIR that gives every `veneer run` the option
# --backend $VENEER_BACKEND.  The suites stay one suite whatever the rung.
veneer_for_backend() {
	local real=$1 dir=$2
	if [ -z "${VENEER_BACKEND:-}" ]; then
		printf '%s\n' "$real"
		return 0
	fi
	mkdir -p "$dir" || return 1
	{
		echo '#!/bin/bash'
		echo "# veneer with --backend $VENEER_BACKEND on every run (tests/backend.sh)"
		printf 'if [ "${1:-}" = run ]; then shift; exec %q run --backend %q "$@"; fi\n' \
			"$real" "$VENEER_BACKEND"
		printf 'exec %q "$@"\n' "$real"
	} >"$dir/veneer" && chmod 755 "$dir/veneer" || return 1
	printf '%s\n' "$dir/veneer"
}
