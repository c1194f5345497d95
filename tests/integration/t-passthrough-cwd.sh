#!/bin/bash
# A cwd or dirfd inside a passthrough mount continues its name there:
# readlink and stat of "self/fd/N" relative to a dirfd on /proc (or
# /proc/self, or a cwd in /proc/self/fd) name the union's file, never the
# supervisor's layer path (/tmp/lower/N/...); ".." out of /proc, /dev/shm
# or a --bind's directory leads back into the union (meson's build.ninja
# names its sources as ../src/... from a bound build directory), never into
# the view's skeleton or onto the host.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "--bind (a mount)"
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
# from a --bind's directory: its parent is the union's
mkdir -p "$T/L/p/src" "$T/host/build"
echo "project = 1" >"$T/L/p/src/meson.build"
vrun_ok "$T/o" "$T/e" --lower "$T/L" --lower / --upper "$T/U2" --bind "$T/host/build:/p/build" -- sh -c '
	cd /p/build
	cat ../src/meson.build
	ls ..
	python3 -c "import os; d = os.open(\".\", os.O_RDONLY); print(os.stat(\"../src/meson.build\", dir_fd=d).st_size)"
	echo made >../made-from-bind
	cd /dev/shm && ls -d ../../p/src'
assert_eq "project = 1
build
src
12
../../p/src" "$(cat "$T/o")" "relative paths out of a --bind's directory"
assert_eq "made" "$(cat "$T/U2/p/made-from-bind")" "a file made through .. of a --bind"
[ -z "$(ls -A "$T/host/build")" ] || fail "the bound host directory changed: $(ls -A "$T/host/build")"
[ ! -e "$T/host/made-from-bind" ] || fail "a file made through .. of a --bind landed on the host"
echo "relative paths from passthrough directories name the union's objects"
