#!/bin/bash
# The command line: --help and --version print to stdout and exit 0;
# "run" passes arguments through untouched (spaces, empty ones, ones
# that look like options), keeps the environment, and reads stdin.
source "$(dirname "$0")/lib.sh"
require_veneer

set +e
"$VENEER" --help >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 0 "$rc" "veneer --help: exit status"
grep -q 'run' "$T/o" || fail "veneer --help does not mention 'run'"
set +e
"$VENEER" --version >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 0 "$rc" "veneer --version: exit status"
grep -qi 'veneer' "$T/o" || fail "veneer --version does not say veneer: $(cat "$T/o")"

vrun_ok "$T/o" "$T/e" -- printf '[%s]\n' "a b" "" "--lower" "-v" '$HOME' "*"
assert_eq '[a b]
[]
[--lower]
[-v]
[$HOME]
[*]' "$(cat "$T/o")" "arguments reach the command as given"

VENEER_TEST_VAR="x y" vrun_ok "$T/o" "$T/e" -- sh -c 'echo "$VENEER_TEST_VAR"'
assert_eq "x y" "$(cat "$T/o")" "the environment reaches the command"

set +e
printf 'line one\nline two\n' | "$VENEER" run -- sh -c 'wc -l' >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 0 "$rc" "stdin: exit status"
assert_eq 2 "$(cat "$T/o")" "stdin reaches the command"

vrun_ok "$T/o" "$T/e" -v -- true
echo "command line: fine"

# veneer doctor: says what run would choose; --help; bad input is one line
"$VENEER" doctor --help >"$T/o" 2>"$T/e" || fail "veneer doctor --help failed"
assert_match '^Usage: veneer doctor' "$(head -n 1 "$T/o")" "veneer doctor --help"
"$VENEER" doctor >"$T/o" 2>"$T/e" || fail "veneer doctor: $(cat "$T/o" "$T/e")"
for key in kernel 'user ns' backend ownership subids; do
	grep -q "^$key " "$T/o" || fail "veneer doctor does not report '$key': $(cat "$T/o")"
done
mkdir -p "$T/mine"
"$VENEER" doctor --lower "$T/mine" >"$T/o" 2>"$T/e" || fail "veneer doctor --lower: $(cat "$T/e")"
if [ "$MY_UID" != 0 ]; then
	assert_match "^ownership +kernel: every layer is yours" "$(grep '^ownership' "$T/o")" \
		"doctor over a lower the caller owns"
fi
set +e
"$VENEER" doctor --bogus >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "veneer doctor --bogus: exit status"
assert_eq 1 "$(wc -l <"$T/e")" "veneer doctor --bogus: one line of error"
set +e
"$VENEER" run --ids sometimes -- true >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "--ids sometimes: exit status"
assert_eq "veneer: --ids sometimes: unknown mode; use auto, presented or kernel" "$(cat "$T/e")" \
	"--ids with an unknown mode"
