#!/bin/bash
# The sandbox as the target sees it: uid/gid 0; a new pid namespace
# (the target's parent is pid 1); a fresh /proc (only sandbox pids); a
# minimal /dev (null zero full random urandom tty pts shm fd stdin
# stdout stderr, none of the host's disks or /dev/kmsg, /dev/mem), where
# /dev/null, /dev/zero and /dev/shm work; /sys mounted read-only; /tmp
# taken from the union (here the host's /tmp via --lower /); the cwd is
# the caller's when the union has it, else /, or --chdir's.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "sandbox's own /dev, /dev/shm, /sys or pid 1 (mount and pid namespaces)"

# shellcheck disable=SC2016
vrun_ok "$T/o" "$T/e" -- sh -c '
	echo "uid=$(id -u) gid=$(id -g)"
	echo "ppid=$PPID"
	echo "cwd=$(pwd)"
	for d in null zero full random urandom tty pts shm fd stdin stdout stderr; do
		[ -e /dev/$d ] || [ -L /dev/$d ] || echo "missing /dev/$d"
	done
	for d in kmsg mem port vda sda nvme0 loop0 console; do
		[ -e /dev/$d ] && echo "host device /dev/$d"
	done
	echo "null=$(echo gone >/dev/null && echo ok)"
	echo "zero=$(head -c 4 /dev/zero | od -An -tx1 | tr -d " ")"
	echo "urandom=$(head -c 16 /dev/urandom | wc -c)"
	echo shm-data >/dev/shm/veneer-test && echo "shm=$(cat /dev/shm/veneer-test)" && rm /dev/shm/veneer-test
	awk "\$2 == \"/sys\" { split(\$4, o, \",\"); print \"sys=\" o[1] }" /proc/self/mounts
	if touch /sys/veneer-test 2>/dev/null; then echo "sys-writable"; fi
	echo "proc-self=$(readlink /proc/self | grep -Ec "^[0-9]+$")"
	[ -d "$1" ] && echo "tmp-from-union=yes"
' sh "$T"
cat "$T/o"
assert_eq "uid=0 gid=0
ppid=1
cwd=$T
null=ok
zero=00000000
urandom=16
shm=shm-data
sys=ro
proc-self=1
tmp-from-union=yes" "$(cat "$T/o")" "the sandbox environment"

vrun_ok "$T/o" "$T/e" --chdir /usr/share -- pwd
assert_eq "/usr/share" "$(cat "$T/o")" "--chdir"

# a cwd the union does not have: a lower makes the caller's cwd opaque
require_layer_formats
L=$T/L
mkdir -p "$L$T/cwd" "$T/cwd/not-in-union"
: >"$L$T/cwd/.wh..wh..opq"
(cd "$T/cwd/not-in-union" && vrun_ok "$T/o" "$T/e" --lower "$L" --lower / -- pwd)
assert_eq "/" "$(cat "$T/o")" "cwd when the union lacks the caller's cwd"
echo "sandbox environment: as specified"
