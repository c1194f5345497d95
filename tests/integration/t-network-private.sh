#!/bin/bash
# network = private (the lab policy's): two sandboxes bind the same port
# on 127.0.0.1 at once, each fetches its own page there and not the
# other's; the host's loopback services are out of reach (directly and
# through the gateway's address); outbound TCP leaves through pasta; no
# pasta is left when the sandboxes end; and without pasta the run is
# refused with one line naming the package, exit 125, nothing run.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "network namespace"
require_cmd python3

# Refused before anything runs where pasta is missing: a PATH without it
# (the supervisor runs the host's pasta, found in the caller's PATH).
set +e
env PATH=/nonexistent "$VENEER" run --policy lab -- /bin/touch "$T/ran" </dev/null >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "without pasta: exit 125"
assert_eq "veneer: network = private needs pasta, which is not installed (or not in PATH); install it: apt-get install passt" \
	"$(cat "$T/e")" "without pasta: one line naming the package"
[ ! -e "$T/ran" ] || fail "the command ran without pasta"

command -v pasta >/dev/null || skip "pasta is not installed (apt-get install passt)"
[ -r /dev/net/tun ] && [ -w /dev/net/tun ] ||
	skip "/dev/net/tun is not readable and writable here (Debian's udev makes it 0666)"

mkdir "$T/shared"
# A service on the host's loopback: it sends a token to whoever connects.
token="host-loopback-$RANDOM$RANDOM"
python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(8)
open(sys.argv[1] + "/host-port", "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); c.sendall(sys.argv[2].encode()); c.close()' "$T/shared" "$token" &
host_server=$!
trap 'kill "$host_server" 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$T/shared/host-port" ] && break; sleep 0.1; done
host_port=$(cat "$T/shared/host-port")

# Each sandbox serves its name on 127.0.0.1:8000, waits until the other
# serves too, fetches its own page, tries the host's service, and keeps
# serving until the other has fetched.
cat >"$T/shared/student.py" <<'PY'
import functools, http.server, os, socket, sys, threading, time, urllib.request
me, other, shared, host_port, token = sys.argv[1:6]
def wait_for(name):
    for _ in range(300):
        if os.path.exists(os.path.join(shared, name)):
            return
        time.sleep(0.1)
    sys.exit("timed out waiting for " + name)
os.makedirs("/tmp/page", exist_ok=True)
with open("/tmp/page/who", "w") as f:
    f.write(me)
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory="/tmp/page")
handler.log_message = lambda *a: None
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 8000), handler)
threading.Thread(target=srv.serve_forever, daemon=True).start()
open(os.path.join(shared, "up-" + me), "w").close()
wait_for("up-" + other)
print("page=" + urllib.request.urlopen("http://127.0.0.1:8000/who", timeout=10).read().decode())
def try_host(addr):
    try:
        c = socket.create_connection((addr, int(host_port)), timeout=3)
        got = c.recv(100).decode()
        return "reached" if got == token else "other"
    except OSError:
        return "unreachable"
gw = None
for line in open("/proc/net/route").read().splitlines()[1:]:
    f = line.split()
    if f[1] == "00000000":
        gw = socket.inet_ntoa(bytes.fromhex(f[2])[::-1])
print("loopback=" + try_host("127.0.0.1"))
print("gateway=" + (try_host(gw) if gw else "none"))
open(os.path.join(shared, "done-" + me), "w").close()
wait_for("done-" + other)
PY

"$VENEER" run --policy lab --bind "$T/shared" -- python3 "$T/shared/student.py" alice bob \
	"$T/shared" "$host_port" "$token" </dev/null >"$T/alice.out" 2>"$T/alice.err" &
alice=$!
"$VENEER" run --policy lab --bind "$T/shared" -- python3 "$T/shared/student.py" bob alice \
	"$T/shared" "$host_port" "$token" </dev/null >"$T/bob.out" 2>"$T/bob.err" &
bob=$!

# While both serve: each supervisor has its pasta child.
for _ in $(seq 300); do
	[ -e "$T/shared/up-alice" ] && [ -e "$T/shared/up-bob" ] && break
	sleep 0.1
done
pastas=$(ps -o pid=,args= --ppid "$alice,$bob" | awk '/--config-net/ { print $1 }' | tr '\n' ' ') || true
set +e
wait "$alice"; alice_rc=$?
wait "$bob"; bob_rc=$?
set -e
for who in alice bob; do
	rc_var=${who}_rc
	if [ "${!rc_var}" -ne 0 ]; then
		show_file "$who stdout" "$T/$who.out" >&2
		show_file "$who stderr" "$T/$who.err" >&2
		fail "$who's sandbox exited ${!rc_var} (both bind 127.0.0.1:8000: no EADDRINUSE)"
	fi
done
assert_eq "page=alice" "$(sed -n 1p "$T/alice.out")" "alice fetches her own page from 127.0.0.1:8000"
assert_eq "page=bob" "$(sed -n 1p "$T/bob.out")" "bob fetches his own page from 127.0.0.1:8000"
for who in alice bob; do
	assert_eq "loopback=unreachable" "$(sed -n 2p "$T/$who.out")" \
		"$who cannot reach the host's loopback service at 127.0.0.1:$host_port"
	assert_no_match "=reached" "$(sed -n 3p "$T/$who.out")" \
		"$who cannot reach the host's loopback through the gateway's address"
done

# pasta ends with its sandbox
read -r -a pasta_pids <<<"$pastas"
assert_eq 2 "${#pasta_pids[@]}" "one pasta per sandbox while they run (found: $pastas)"
for pid in "${pasta_pids[@]}"; do
	if [ -e "/proc/$pid" ] && grep -q -- --config-net "/proc/$pid/cmdline" 2>/dev/null; then
		fail "pasta $pid outlived its sandbox"
	fi
done

# ... and with a supervisor killed outright (its death signal reaches pasta)
"$VENEER" run --policy lab -- sleep 60 </dev/null >/dev/null 2>&1 &
sup=$!
pasta=
for _ in $(seq 100); do
	# (ps fails while the supervisor has no child yet: not an error here)
	pasta=$(ps -o pid=,args= --ppid "$sup" | awk '/--config-net/ { print $1 }') || true
	[ -n "$pasta" ] && break
	sleep 0.1
done
[ -n "$pasta" ] || fail "no pasta child of the supervisor under the lab policy"
kill -KILL "$sup"
wait "$sup" 2>/dev/null || true
for _ in $(seq 50); do
	grep -q -- --config-net "/proc/$pasta/cmdline" 2>/dev/null || break
	sleep 0.1
done
if grep -q -- --config-net "/proc/$pasta/cmdline" 2>/dev/null; then
	fail "pasta $pasta outlived its supervisor's SIGKILL"
fi

# Outbound: the Debian mirror, when the host itself reaches it.
reach='import socket, sys
s = socket.create_connection(("deb.debian.org", 80), timeout=5)
s.sendall(b"HEAD /debian/ HTTP/1.0\r\nHost: deb.debian.org\r\n\r\n")
sys.exit(0 if s.recv(5) == b"HTTP/" else 1)'
if python3 -c "$reach" 2>/dev/null; then
	vrun_ok "$T/o" "$T/e" --policy lab -- python3 -c "$reach"
else
	note "the host reaches no deb.debian.org: outbound TCP through pasta not checked"
fi
# Outbound UDP: a DNS query to resolv.conf's first name server, when the
# host gets an answer from it (a loopback resolver is the host's own,
# which the sandbox must not reach: not checked then).
dns='import socket, sys
ns = [l.split()[1] for l in open("/etc/resolv.conf") if l.startswith("nameserver")]
if not ns or ns[0].startswith("127.") or ns[0] == "::1":
    sys.exit(2)
s = socket.socket(socket.AF_INET6 if ":" in ns[0] else socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(bytes.fromhex("beef01000001000000000000") + b"\x03deb\x06debian\x03org\x00\x00\x01\x00\x01",
         (ns[0], 53))
sys.exit(0 if s.recv(512)[:2] == bytes.fromhex("beef") else 1)'
if python3 -c "$dns" 2>/dev/null; then
	vrun_ok "$T/o" "$T/e" --policy lab -- python3 -c "$dns"
else
	note "no non-loopback name server answers the host: outbound UDP through pasta not checked"
fi
echo "network = private: the same port twice, loopbacks apart, outbound through pasta"
