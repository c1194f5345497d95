#!/bin/bash
# finding: 5
# invariant: a pathname socket the sandbox did not bind itself (a lower's, a --bind's) is refused unless the policy names it in host-sockets: connect fails and a datagram sent to a lower's socket reaches nothing; sockets the sandbox bound work, also across runs over one upper
# attack: host stream and datagram servers listen in a lower and in a --bind directory; from inside, under every shipped policy, connect to each, sendto the lower's datagram socket, connect after an O_PATH open, and through a symlink planted in the upper; the host servers must see nothing
source "$(dirname "$0")/lib.sh"
unless_hostroot "--bind, where one of its servers listens: not ported to the rung yet (t-hostroot races a connect to a host socket)"
require_veneer
require_cmd python3
require_free_host_path /vtdata
require_free_host_path /hostbind

L=$T/L B=$T/B
mkdir -p "$L/vtdata/run" "$B"
trap 'kill $(jobs -p) 2>/dev/null' EXIT

# host_server DIR LOG: a stream and a datagram server at DIR/stream.sock
# and DIR/dgram.sock (0777, as many session sockets are) that append to
# LOG every connection and datagram they get
host_server() {
	python3 - "$1" "$2" <<'PY' &
import os, select, socket, sys
d, log = sys.argv[1], sys.argv[2]
st = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
st.bind(d + "/stream.sock"); st.listen(16)
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
dg.bind(d + "/dgram.sock")
for p in ("stream.sock", "dgram.sock"):
    os.chmod(d + "/" + p, 0o777)
open(log, "a").close()
while True:
    r, _, _ = select.select([st, dg], [], [])
    with open(log, "a") as f:
        if st in r:
            c, _ = st.accept()
            f.write("connection\n"); f.flush()
            c.sendall(b"host service\n"); c.close()
        if dg in r:
            f.write("datagram %r\n" % dg.recv(100)); f.flush()
PY
}
host_server "$L/vtdata/run" "$T/lower.log"
host_server "$B" "$T/bind.log"
for s in "$L/vtdata/run/stream.sock" "$L/vtdata/run/dgram.sock" "$B/stream.sock" "$B/dgram.sock"; do
	for _ in $(seq 50); do [ -S "$s" ] && break; sleep 0.1; done
	[ -S "$s" ] || fail "the host server did not bind $s"
done
# the servers answer the host (the attack's target is live)
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); print(s.recv(100).decode().strip())" \
	"$B/stream.sock" >"$T/o"
assert_eq "host service" "$(cat "$T/o")" "the host's stream server answers on the host"
: >"$T/bind.log"
sec_guard_start "$L" "$B"
trap 'kill $(jobs -p) 2>/dev/null; sec_cleanup_markers' EXIT

# PROBE: what a program inside tries; prints one line per attempt
cat >"$T/probe.py" <<'PY'
import errno, os, socket, sys

def attempt(what, fn):
    try:
        r = fn()
        print(what, "ok" if r is None else r)
    except OSError as e:
        print(what, errno.errorcode.get(e.errno, e.errno))

def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    return s.recv(100).decode().strip()

def connect_dgram(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.connect(path)
    s.send(b"from inside, connected")

def sendto(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"from inside", path)

def opath_then_connect(path):
    fd = os.open(path, os.O_PATH)
    return connect("/proc/self/fd/%d" % fd)

def symlink_then_connect(path):
    os.symlink(path, "/vtdata/link")
    return connect("/vtdata/link")

kinds = {"connect": connect, "dgram": connect_dgram, "sendto": sendto,
         "opath": opath_then_connect, "symlink": symlink_then_connect}
for what in sys.argv[1:]:
    kind, path = what.split("=", 1)
    attempt(what, lambda: kinds[kind](path))
PY
ATTACKS=(
	connect=/vtdata/run/stream.sock
	dgram=/vtdata/run/dgram.sock
	sendto=/vtdata/run/dgram.sock
	opath=/vtdata/run/stream.sock
	symlink=/vtdata/run/stream.sock
	connect=/hostbind/stream.sock
	dgram=/hostbind/dgram.sock
	connect=/hostbind/../vtdata/run/stream.sock
)

for policy in default build lab container; do
	U=$T/U-$policy
	vrun "$T/o" "$T/e" -v --policy "$policy" --upper "$U" --lower "$L" --lower / \
		--bind "$B:/hostbind" -- python3 "$T/probe.py" "${ATTACKS[@]}"
	[ "$VRC" -eq 0 ] || { show_file stdout "$T/o" >&2; show_file stderr "$T/e" >&2; fail "--policy $policy: the probe exited $VRC"; }
	if grep -Ev ' (ECONNREFUSED|EACCES|ENOENT)$' "$T/o" >"$T/wrong"; then
		show_file results "$T/o" >&2
		fail "--policy $policy: a host socket was reached from inside: $(tr '\n' ';' <"$T/wrong")"
	fi
	assert_eq "${#ATTACKS[@]}" "$(wc -l <"$T/o")" "--policy $policy: every attempt ran"
	for log in lower bind; do
		[ ! -s "$T/$log.log" ] || fail "--policy $policy: the host server in the $log got: $(tr '\n' ';' <"$T/$log.log")"
	done
	assert_match "refused the host socket /vtdata/run/stream.sock .*host-sockets = /vtdata/run/stream.sock" \
		"$(cat "$T/e")" "--policy $policy: -v says the socket was refused and how to allow it"
	note "--policy $policy: ${#ATTACKS[@]} attempts refused, the host servers got nothing"
done

# ------------------------------------------ named in the policy: allowed
{
	grep -v '^host-sockets' "$SEC_DIR/../../policies/build.policy"
	echo "host-sockets = /vtdata/run/stream.sock /vtdata/run/./dgram.sock /hostbind/stream.sock"
} >"$T/allow.policy"
vrun_ok "$T/o" "$T/e" --policy "$T/allow.policy" --upper "$T/U-allow" --lower "$L" --lower / \
	--bind "$B:/hostbind" -- python3 "$T/probe.py" \
	sendto=/vtdata/run/dgram.sock connect=/vtdata/run/stream.sock dgram=/vtdata/run/dgram.sock \
	connect=/hostbind/stream.sock connect=/hostbind/dgram.sock
assert_eq "sendto=/vtdata/run/dgram.sock ok
connect=/vtdata/run/stream.sock host service
dgram=/vtdata/run/dgram.sock ok
connect=/hostbind/stream.sock host service
connect=/hostbind/dgram.sock ECONNREFUSED" "$(cat "$T/o")" "the sockets a policy file names"
for _ in $(seq 50); do [ "$(wc -l <"$T/lower.log")" -ge 3 ] && break; sleep 0.1; done
assert_eq "connection
datagram b'from inside'
datagram b'from inside, connected'" "$(sort "$T/lower.log")" "what the named lower sockets got"
assert_eq "connection" "$(cat "$T/bind.log")" "what the named --bind socket got"
note "named in host-sockets: reached (a sendto without a connect too)"

# ------------------------------- the sandbox's own sockets, across runs
cat >"$T/own.py" <<'PY'
import os, socket, sys
path = "/vtdata/own/srv.sock"
if sys.argv[1] == "second":
    c = socket.socket(socket.AF_UNIX)
    try:
        c.connect(path); print("stale socket: connected")
    except OSError as e:
        print("stale socket:", os.strerror(e.errno))
    os.unlink(path)
    os.unlink(path + ".dg")
os.makedirs("/vtdata/own", exist_ok=True)
st = socket.socket(socket.AF_UNIX); st.bind(path); st.listen(1)
dg = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); dg.bind(path + ".dg")
c = socket.socket(socket.AF_UNIX); c.connect(path)
a, _ = st.accept(); a.sendall(b"own stream")
print(c.recv(100).decode())
socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"own datagram", path + ".dg")
print(dg.recv(100).decode())
PY
vrun_ok "$T/o" "$T/e" -v --policy build --upper "$T/U-own" --lower "$L" --lower / -- python3 "$T/own.py" first
assert_eq "own stream
own datagram" "$(cat "$T/o")" "sockets the sandbox bound (first run)"
vrun_ok "$T/o" "$T/e" -v --policy build --upper "$T/U-own" --lower "$L" --lower / -- python3 "$T/own.py" second
assert_eq "stale socket: Connection refused
own stream
own datagram" "$(cat "$T/o")" "sockets the sandbox bound (second run over the same upper)"
assert_no_match "refused the host socket" "$(cat "$T/e")" \
	"the socket an earlier run left in the upper is the sandbox's own, not refused"
note "the sandbox's own sockets: bound, connected, sent to, and found again by a second run"

sec_guard_check
echo "host sockets refused unless named; the sandbox's own work"
