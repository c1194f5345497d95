#!/bin/bash
# finding: red team (helper-e): a --bind changes a lower under the supervisor (FIFO swapped in at copy-up)
# invariant: the supervisor never blocks on the target's behalf: whatever the target does to a lower through a --bind that lies inside it (any --bind over lower /), every call of the sandbox keeps being answered and veneer run exits when the target does
# attack: over lower / with --bind SRC:/proj, one thread swaps SRC/fN (a regular file) and a FIFO with renameat2(RENAME_EXCHANGE) through /proj, another opens SRC/fN for writing through the union (a copy-up, which opens the lower's fN for its data); a third thread checks that a stat of the union is still answered
source "$(dirname "$0")/lib.sh"
unless_hostroot "--bind, through which the attack changes the lower"
require_veneer
require_cmd python3 timeout
SRC=$T/proj
mkdir -p "$SRC"
sec_allow "$SRC"
sec_guard_start /
trap sec_cleanup_markers EXIT

# shellcheck disable=SC2016
ATTACK='
import ctypes, os, sys, threading, time
P, B, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
libc = ctypes.CDLL(None, use_errno=True)
RENAME_EXCHANGE = 2
cur = [0]
def prepare(i):
	with open("%s/f%d" % (B, i), "w") as f:
		f.write("data\n")
	os.mkfifo("%s/x%d" % (B, i))
def swapper():
	while True:
		i = cur[0]
		libc.renameat2(-100, ("%s/f%d" % (B, i)).encode(), -100,
			       ("%s/x%d" % (B, i)).encode(), RENAME_EXCHANGE)
def opener():
	while True:
		i = cur[0]
		try:
			os.close(os.open("%s/f%d" % (P, i), os.O_WRONLY | os.O_NONBLOCK))
		except OSError:
			continue
		prepare(i + 1)  # f<i> was copied up: race the next name
		cur[0] = i + 1
prepare(0)
threading.Thread(target=swapper, daemon=True).start()
threading.Thread(target=opener, daemon=True).start()
end = time.time() + secs
while time.time() < end:
	done = threading.Event()
	def probe():
		os.stat("/etc/hostname")
		done.set()
	threading.Thread(target=probe, daemon=True).start()
	if not done.wait(5):
		print("HANG: a stat of the union got no answer in 5 s (after %d copy-ups)" % cur[0], flush=True)
		os._exit(3)
	time.sleep(0.2)
print("answered throughout, %d copy-ups raced" % cur[0], flush=True)
os._exit(0)
'

start=$(date +%s)
set +e
timeout -k 5 40 "$VENEER" run --bind "$SRC:/proj" -- \
	python3 -c "$ATTACK" "$SRC" /proj 10 </dev/null >"$T/out" 2>"$T/err"
rc=$?
set -e
took=$(($(date +%s) - start))
cat "$T/out"
if grep -q '^HANG' "$T/out"; then
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "the supervisor blocked in a copy-up on a FIFO swapped into the lower (sandbox hung), and veneer run did not exit after its target did (killed after ${took} s)"
	fi
	fail "the supervisor blocked in a copy-up on a FIFO swapped into the lower: the sandbox hung"
fi
if [ "$rc" -ne 0 ]; then
	show_file stderr "$T/err" >&2
	fail "veneer run exited $rc after ${took} s"
fi
sec_guard_check
echo "the supervisor kept answering while the lower changed under it"
