#!/bin/bash
# finding: 8 of the brief (nothing writable shared with the host): the kernel's keyrings
# invariant: the caller's session keyring (Kerberos tickets, fs encryption keys) is not shared with the sandbox: no key of the host session can be read, changed or added from inside
# attack: add a secret key to the caller's session keyring, then from inside (every shipped policy) read it by its serial, search the session keyring for it, add a key to the session keyring and unlink the secret
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
sec_guard_start

KEYS='
import ctypes, errno, sys
l = ctypes.CDLL(None, use_errno=True); l.syscall.restype = ctypes.c_long
SESSION = ctypes.c_long(-3)
def call(*a):
    r = l.syscall(*a)
    return r if r >= 0 else -ctypes.get_errno()
def name(r):
    return "ok %d" % r if r >= 0 else errno.errorcode.get(-r, str(-r))
'
# the host side (this script's session): a secret in the session keyring
serial=$(python3 -c "$KEYS"'
r = call(248, b"user", b"vnsec-secret", b"host-secret-value", ctypes.c_size_t(17), SESSION)
print(r)')
[ "$serial" -gt 0 ] 2>/dev/null || skip "this kernel has no keyrings for the test user (add_key: $serial)"
trap 'python3 -c "$KEYS""call(250, 9, ctypes.c_long($serial), SESSION)" >/dev/null 2>&1; sec_cleanup_markers' EXIT

PROBE="$KEYS"'
serial = int(sys.argv[1])
buf = ctypes.create_string_buffer(64)
print("read", name(call(250, 11, ctypes.c_long(serial), buf, ctypes.c_size_t(64))))
print("search", name(call(250, 10, SESSION, b"user", b"vnsec-secret", 0)))
print("add", name(call(248, b"user", b"vnsec-planted", b"x", ctypes.c_size_t(1), SESSION)))
print("unlink", name(call(250, 9, ctypes.c_long(serial), SESSION)))
'
policies="default build lab container"
! on_hostroot || policies=default # the rung refuses the others
for policy in $policies; do
	vrun_ok "$T/o" "$T/e" --policy "$policy" -- python3 -c "$PROBE" "$serial"
	note "$policy: $(tr '\n' ' ' <"$T/o")"
	grep -q ' ok' "$T/o" && fail "under $policy a keyring call reached the host session's keys"
done
# the host's session keyring still holds the secret, and nothing planted
python3 -c "$KEYS"'
buf = ctypes.create_string_buffer(64)
n = call(250, 11, ctypes.c_long('"$serial"'), buf, ctypes.c_size_t(64))
assert n == 17 and buf.raw[:17] == b"host-secret-value", "the secret changed: %r" % (n,)
assert call(250, 10, SESSION, b"user", b"vnsec-planted", 0) < 0, "a key was planted"
' || fail "the host session keyring changed"
sec_guard_check
echo "the host session's keyring stayed out of reach"
