#!/bin/bash
# finding: 5 (host services reachable: abstract sockets)
# invariant: the host's abstract AF_UNIX sockets (X11's @/tmp/.X11-unix/X0, D-Bus buses) cannot be reached from inside, even under network = host; abstract sockets made inside still work
# attack: under every shipped policy, connect and sendto to a host abstract stream and datagram socket from inside; the host servers must see nothing
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
if ! python3 -c 'import ctypes, sys
l = ctypes.CDLL(None, use_errno=True); l.syscall.restype = ctypes.c_long
sys.exit(0 if l.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint(1)) >= 6 else 1)'; then
	skip "this kernel has no Landlock scoping (Linux 6.12+): veneer doctor says so"
fi
sec_guard_start

NAME=vnsec-abstract-$SEC_MARK
# the host's servers: count what reaches them until told to stop
python3 - "$NAME" "$T/served" <<'PY' &
import os, socket, sys, time
name, out = sys.argv[1], sys.argv[2]
st = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); st.bind("\0" + name + "-stream"); st.listen(8)
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); dg.bind("\0" + name + "-dgram")
st.setblocking(False); dg.setblocking(False)
got = 0
open(out + ".ready", "w").close()
while not os.path.exists(out + ".stop"):
    for s, take in ((st, lambda s: s.accept()), (dg, lambda s: s.recv(64))):
        try:
            take(s); got += 1
        except BlockingIOError:
            pass
    time.sleep(0.02)
open(out, "w").write("%d\n" % got)
PY
SERVER=$!
trap 'touch "$T/served.stop"; wait $SERVER 2>/dev/null; sec_cleanup_markers' EXIT
while [ ! -e "$T/served.ready" ]; do sleep 0.05; done

PROBE='
import errno, socket, sys
name = sys.argv[1]
def attempt(what, fn):
    try:
        fn(); print(what, "ok")
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, e.errno))
attempt("stream", lambda: socket.socket(socket.AF_UNIX).connect("\0" + name + "-stream"))
attempt("dgram-connect", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).connect("\0" + name + "-dgram"))
attempt("dgram-sendto", lambda: socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"x", "\0" + name + "-dgram"))
own = socket.socket(socket.AF_UNIX); own.bind("\0" + name + "-inside"); own.listen(1)
attempt("own", lambda: socket.socket(socket.AF_UNIX).connect("\0" + name + "-inside"))
'
# (notify-hostroot refuses the policies with a network namespace, and
# answers a connect to an abstract name ECONNREFUSED, its own included:
# the supervisor, outside the Landlock domain that scopes them, would
# reach the host's)
policies="default build lab container"
! on_hostroot || policies=default
for policy in $policies; do
	vrun_ok "$T/o" "$T/e" --policy "$policy" -- python3 -c "$PROBE" "$NAME"
	note "$policy: $(tr '\n' ' ' <"$T/o")"
	for what in stream dgram-connect dgram-sendto; do
		grep -q "^$what ok" "$T/o" && fail "under $policy the host's abstract socket was reached ($what)"
	done
	on_hostroot || grep -q '^own ok$' "$T/o" ||
		fail "under $policy an abstract socket made inside could not be reached"
done
touch "$T/served.stop"
wait $SERVER
assert_eq 0 "$(cat "$T/served")" "what reached the host's abstract sockets"
sec_guard_check
echo "the host's abstract sockets stayed out of reach"
