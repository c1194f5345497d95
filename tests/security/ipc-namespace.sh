#!/bin/bash
# finding: 4 (no IPC namespace)
# invariant: the sandbox has an IPC namespace of its own under every shipped policy: the host's SysV and POSIX IPC objects cannot be seen, attached or written, and the sandbox's own do not appear on the host
# attack: under each policy, list the host's SysV segments, attach and overwrite a host segment by id and by key, open a host POSIX message queue, create a POSIX message queue and a SysV segment to be found on the host
source "$(dirname "$0")/lib.sh"
unless_hostroot "IPC namespace: SysV IPC and POSIX queues are the host's there, out of this rung's scope"
require_veneer
require_cmd python3 ipcs
sec_guard_start /

# IPC PY: the ctypes preamble of every snippet below
IPC_PY='
import ctypes, errno, os, sys
libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
libc.shmat.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
libc.mq_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p]
IPC_CREAT, IPC_EXCL, IPC_RMID = 0o1000, 0o2000, 0
def err(): return errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
'
KEY=$((0x5EC00000 + RANDOM))
HOSTMQ="/$SEC_MARK-host"
INMQ="/$SEC_MARK-inside"
INKEY=$((0x5EC10000 + RANDOM))
HOSTMARK="HOST-SHM-$SEC_MARK"

# the host's objects: a segment holding HOSTMARK, a message queue
SHMID=$(python3 -c "$IPC_PY
shmid = libc.shmget($KEY, 4096, IPC_CREAT | IPC_EXCL | 0o600)
if shmid < 0: sys.exit('shmget: ' + err())
p = libc.shmat(shmid, None, 0)
if p in (None, ctypes.c_void_p(-1).value): sys.exit('shmat: ' + err())
ctypes.memmove(p, b'$HOSTMARK', len('$HOSTMARK'))
q = libc.mq_open(b'$HOSTMQ', os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600, None)
if q < 0: sys.exit('mq_open: ' + err())
print(shmid)") || fail "could not make the host's IPC objects"

# remove the host objects whatever happens, and what a sandbox made on
# the host's namespace if the attack worked
cleanup() {
	python3 -c "$IPC_PY
for key in ($KEY, $INKEY):
	i = libc.shmget(key, 0, 0)
	if i >= 0: libc.shmctl(i, IPC_RMID, None)
for name in (b'$HOSTMQ', b'$INMQ'):
	libc.mq_unlink(name)" || true
	sec_cleanup_markers
}
trap cleanup EXIT

# host_segment: the first bytes of the host's segment
host_segment() {
	python3 -c "$IPC_PY
p = libc.shmat($SHMID, None, 0o10000)  # SHM_RDONLY
if p in (None, ctypes.c_void_p(-1).value): sys.exit('shmat: ' + err())
print(ctypes.string_at(p, len('$HOSTMARK')).decode(errors='replace'))"
}
assert_eq "$HOSTMARK" "$(host_segment)" "the host segment holds its marker"

# inside: each line of output is "what: result"
INSIDE="$IPC_PY
def attach(how, shmid):
	if shmid < 0:
		print(how + ': ' + err()); return
	p = libc.shmat(shmid, None, 0)
	if p in (None, ctypes.c_void_p(-1).value):
		print(how + ': ' + err()); return
	ctypes.memmove(p, b'OVERWRITTEN', 11)
	print(how + ': WROTE')
attach('shmat by id', $SHMID)
attach('shmat by key', libc.shmget($KEY, 0, 0))
q = libc.mq_open(b'$HOSTMQ', os.O_RDWR, 0, None)
print('mq_open host queue: ' + (err() if q < 0 else 'OPENED'))
q = libc.mq_open(b'$INMQ', os.O_CREAT | os.O_RDWR, 0o600, None)
print('mq_open new queue: ' + (err() if q < 0 else 'made'))
i = libc.shmget($INKEY, 4096, IPC_CREAT | 0o600)
print('shmget new segment: ' + (err() if i < 0 else 'made'))
"
for policy in default build lab container; do
	vrun_ok "$T/ipcs" "$T/ipcs.err" --policy "$policy" -- ipcs -m
	if grep -qi -- "$(printf '0x%08x' "$KEY")" "$T/ipcs"; then
		show_file "ipcs -m inside" "$T/ipcs" >&2
		fail "--policy $policy: ipcs inside lists the host's segment"
	fi
	vrun_ok "$T/o" "$T/e" --policy "$policy" -- python3 -c "$INSIDE"
	cat "$T/o"
	assert_match '^shmat by id: E' "$(grep '^shmat by id' "$T/o")" \
		"--policy $policy: the host's segment was attached by its id"
	assert_match '^shmat by key: E' "$(grep '^shmat by key' "$T/o")" \
		"--policy $policy: the host's segment was found by its key"
	assert_eq "mq_open host queue: ENOENT" "$(grep '^mq_open host' "$T/o")" \
		"--policy $policy: the host's message queue was opened"
	assert_eq "$HOSTMARK" "$(host_segment)" \
		"--policy $policy: the host segment's content changed"
	# what the sandbox made stays in its namespace
	python3 -c "$IPC_PY
q = libc.mq_open(b'$INMQ', os.O_RDONLY, 0, None)
if q >= 0: sys.exit('a message queue made inside is on the host')
i = libc.shmget($INKEY, 0, 0)
if i >= 0: sys.exit('a segment made inside is on the host')" ||
		fail "--policy $policy: what the sandbox made is in the host's IPC namespace"
done

sec_guard_check
echo "the sandbox has its own IPC namespace"
