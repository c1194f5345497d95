#!/bin/bash
# Without --upper, veneer uses a throwaway upper and removes it at exit:
# after a normal exit, a failing command, a target killed by a signal,
# and veneer itself stopped by SIGTERM, TMPDIR (where veneer makes it)
# holds nothing new.  A given --upper is kept.
source "$(dirname "$0")/lib.sh"
require_veneer

tmpd=$T/tmpd
mkdir -p "$tmpd" "$T/io"
left() { find "$tmpd" -mindepth 1 -maxdepth 1 | head -n 5; }

TMPDIR=$tmpd vrun_ok "$T/o" "$T/e" -- true
assert_eq "" "$(left)" "throwaway upper left behind after a normal exit"
TMPDIR=$tmpd vrun "$T/o" "$T/e" -- sh -c 'exit 4'
assert_eq 4 "$VRC" "exit status"
assert_eq "" "$(left)" "throwaway upper left behind after exit 4"
# shellcheck disable=SC2016
TMPDIR=$tmpd vrun "$T/o" "$T/e" -- sh -c 'kill -KILL $$'
assert_eq 137 "$VRC" "exit status"
assert_eq "" "$(left)" "throwaway upper left behind after SIGKILL of the target"

TMPDIR=$tmpd "$VENEER" run --bind "$T/io:/io" -- sh -c 'echo up >/io/ready; sleep 60' \
	>"$T/o" 2>"$T/e" </dev/null &
vpid=$!
for _ in $(seq 400); do [ -s "$T/io/ready" ] && break; sleep 0.05; done
[ -s "$T/io/ready" ] || { kill -KILL $vpid; fail "the target never started"; }
[ -n "$(left)" ] || note "no throwaway upper in TMPDIR while running (kept elsewhere?)"
kill -TERM $vpid
set +e
wait $vpid
rc=$?
set -e
assert_eq 143 "$rc" "exit status after SIGTERM to veneer"
assert_eq "" "$(left)" "throwaway upper left behind after SIGTERM to veneer"

vrun_ok "$T/o" "$T/e" --upper "$T/keep" -- true
[ -d "$T/keep" ] || fail "a given --upper was removed"
echo "throwaway upper: removed"
