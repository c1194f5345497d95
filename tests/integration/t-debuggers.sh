#!/bin/bash
# gdb and strace inside the sandbox.  On the notify rungs the target's own
# ptrace is the kernel's: strace -f shows a command's opens of union
# files (a file only the upper has, by its union path) and the command
# still gets their contents; gdb stops a program built inside at a
# breakpoint, prints an argument and a backtrace, and lets it finish.  On
# the ptrace rung every process already has a tracer (veneer's), so the
# target's PTRACE_TRACEME, PTRACE_ATTACH and PTRACE_SEIZE fail with EPERM:
# strace and gdb say so and fail, and the command they would have run
# never starts (docs/design.md, "ptrace").  On notify-hostroot the same
# holds (its tracer holds every process).
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd strace gdb gcc

mkdir -p "$T/U/tmp/vt-debuggers"
chmod 700 "$T/U"
echo "only in the upper" >"$T/U/tmp/vt-debuggers/upper-file"
cat >"$T/g.c" <<'C'
#include <stdio.h>
int twice(int x) { return x * 2; }
int main(void) { printf("%d\n", twice(21)); return 0; }
C
script='
cd /tmp/vt-debuggers || exit 9
strace -f -e trace=openat,open -o trace cat upper-file || exit 10
grep -q "\"upper-file\"" trace || { cat trace; exit 11; }
gcc -g -O0 -o g "$1" || exit 12
gdb -q -batch -ex "break twice" -ex run -ex "print x" -ex bt -ex continue ./g 2>&1
'
vrun "$T/o" "$T/e" --upper "$T/U" -- sh -c "$script" sh "$T/g.c"

if on_hostroot; then
	[ "$VRC" -eq 10 ] || { show_file stderr "$T/e"; fail "strace inside $VENEER_BACKEND: exit $VRC, expected strace to fail (10)"; }
	assert_match 'Operation not permitted' "$(cat "$T/e")" "strace says why it cannot trace"
	[ ! -s "$T/o" ] || fail "the command strace would have run ran untraced: $(cat "$T/o")"
	vrun "$T/o" "$T/e" -- gdb -q -batch -ex run --args /bin/echo traced
	assert_no_match 'traced' "$(cat "$T/o")" "gdb's program ran untraced on $VENEER_BACKEND"
	assert_match 'not permitted|Could not trace' "$(cat "$T/o" "$T/e")" "gdb says why it cannot trace"
	echo "debuggers on $VENEER_BACKEND: refused with EPERM"
	exit 0
fi
[ "$VRC" -eq 0 ] || { show_file stdout "$T/o"; show_file stderr "$T/e"; fail "strace and gdb inside: exit $VRC"; }
assert_match 'only in the upper' "$(cat "$T/e" "$T/o")" "cat under strace printed the upper's file"
assert_match '\$1 = 21' "$(cat "$T/o")" "gdb printed the argument at the breakpoint"
assert_match '#1 .* main \(\) at ' "$(cat "$T/o")" "gdb printed a backtrace"
assert_match '^42$' "$(cat "$T/o")" "the program finished after the breakpoint"
grep -q upper-file "$T/U/tmp/vt-debuggers/trace" || fail "strace's trace did not land in the upper"
echo "debuggers inside: strace and gdb work"
