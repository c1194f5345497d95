#!/bin/bash
# Escape test: the other system call ABIs of x86-64.  A 64-bit program
# issuing open and mkdir through "int $0x80" (i386 numbers) or with the
# x32 bit set gets -ENOSYS inside veneer, and nothing is created.  Run
# natively first to show whether the host's kernel would have served
# the i386 calls (then the sandbox result is what stops them).
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-int80
[ "$(uname -m)" = x86_64 ] || skip "x86-64 only (i386/x32 ABIs)"

L=$T/L U=$T/U
mkdir -p "$L/bin" "$L/vtdata" "$U"
cp "$PROGS/vt-int80" "$L/bin/"
put "$L/vtdata/file" "a file in the lower"
lower_before=$(snapshot "$L")

"$PROGS/vt-int80" "$L/vtdata/file" "$T/native-dir" >"$T/native"
sed 's/^/# native: /' "$T/native"
if grep -q '^int80_open=[0-9]' "$T/native"; then
	note "the host kernel serves int \$0x80 (IA32 emulation on)"
fi

vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" -- /bin/vt-int80 /vtdata/file /vtdata/newdir
assert_eq "int80_open=-ENOSYS
int80_mkdir=-ENOSYS
int80_getpid=-ENOSYS
x32_open=-ENOSYS
x32_mkdir=-ENOSYS" "$(cat "$T/o")" "i386 and x32 calls inside veneer"
[ ! -e "$L/vtdata/newdir" ] || fail "int \$0x80 mkdir created a directory in the lower"
[ -z "$(find "$U" -name newdir)" ] || fail "int \$0x80 mkdir created a directory in the upper"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "other ABIs: ENOSYS"
