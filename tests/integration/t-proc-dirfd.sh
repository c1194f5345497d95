#!/bin/bash
# /proc reached by a directory fd or a cwd inside it means what /proc/...
# by its whole name means: readlink and stat of "self/fd/N" relative to a
# dirfd on /proc (or /proc/self, or a cwd in /proc/self/fd) name the
# union's file, never the supervisor's layer path (/tmp/lower/N/...), and
# ".." out of it leads back into the union.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3

mkdir -p "$T/L/etc" "$T/L/d"
echo marker >"$T/L/etc/mark"
vrun_ok "$T/o" "$T/e" --lower "$T/L" --lower / --upper "$T/U" -- python3 -c '
import os
fd = os.open("/etc/mark", os.O_RDONLY)
proc = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
self_ = os.open("/proc/self", os.O_RDONLY | os.O_DIRECTORY)
print("whole:", os.readlink(f"/proc/self/fd/{fd}"))
print("dirfd /proc:", os.readlink(f"self/fd/{fd}", dir_fd=proc))
print("dirfd /proc/self:", os.readlink(f"fd/{fd}", dir_fd=self_))
print("stat size:", os.stat(f"fd/{fd}", dir_fd=self_).st_size)
os.chdir("/proc/self/fd")
print("cwd /proc/self/fd:", os.readlink(str(fd)))
os.chdir("/proc")
print("cwd /proc:", os.readlink(f"self/fd/{fd}"))
print("dotdot:", sorted(n for n in os.listdir("../d")), os.path.exists("../etc/mark"))
os.mkdir("../made-from-proc")
'
assert_eq "whole: /etc/mark
dirfd /proc: /etc/mark
dirfd /proc/self: /etc/mark
stat size: 7
cwd /proc/self/fd: /etc/mark
cwd /proc: /etc/mark
dotdot: [] True" "$(cat "$T/o")" "fd links read relative to /proc"
[ -d "$T/U/made-from-proc" ] || fail "mkdir ../made-from-proc from /proc did not land in the upper"
assert_no_match "/tmp/lower" "$(cat "$T/o" "$T/e")" "a layer path leaked"
[ ! -e "$T/L/made-from-proc" ] || fail "mkdir through /proc/.. wrote the lower"
echo "relative /proc paths name the union's objects"
