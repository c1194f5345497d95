#!/bin/bash
# A long copy-up does not hold every other process: the data of a lower
# file of 1 MiB or more is copied without the union's lock (on ptrace, by
# a worker while the caller stays stopped) and linked in when the call
# runs again (docs/design.md, "Copy-up").  While one process opens a
# 256 MiB lower file for appending, another stats in a loop: some of its
# stats begin and end inside that open (none could with the copy under
# the lock).  Then the copies are right (append, chmod, truncate, rename
# of big files), a process killed in its copy-up leaves the work area
# empty and the sandbox running, and the lower is untouched.  And what
# the red team found in the call's first run, before its copy is made
# (helper-30): a rename of a big file over a FIFO that a reader waits on
# must not change the view then (a writer then opens the renamed file,
# as natively, instead of hanging on a new FIFO); an open whose file is
# unlinked while its copy is made leaves no fd behind in the target (on
# notify a reserved fd number cannot be taken back).
# it-timeout: 300
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
require_free_host_path /vtbig

L=$T/L U=$T/U
mkdir -p "$L/vtbig"
# written zeros: data, not holes (a hole is not copied)
for f in big chmodded truncated renamed killed fifo-over leak1 leak2 leak3; do
	dd if=/dev/zero of="$L/vtbig/$f" bs=1M count=256 status=none
done
echo small >"$L/vtbig/other"

cat >"$L/vtbig/stall.py" <<'PY'
import os, signal, sys, time
# The parent opens /vtbig/big for appending; the child stats /vtbig/other
# until told to stop, and says when each stat began and ended.
r, w = os.pipe()
done_r, done_w = os.pipe()
child = os.fork()
if child == 0:
    os.close(r)
    os.close(done_w)
    os.set_blocking(done_r, False)
    spans = []
    os.write(w, b"go")
    while True:
        a = time.monotonic(); os.stat("/vtbig/other"); b = time.monotonic()
        spans.append("%r %r" % (a, b))
        try:
            if os.read(done_r, 1):
                break
        except BlockingIOError:
            pass
    os.write(w, ("\n".join(spans) + "\n").encode())
    os._exit(0)
os.close(w)
os.close(done_r)
os.read(r, 2)
time.sleep(0.05)
start = time.monotonic()
fd = os.open("/vtbig/big", os.O_WRONLY | os.O_APPEND)
end = time.monotonic()
os.write(fd, b"appended\n")
os.close(fd)
os.write(done_w, b"x")
data = b""
while True:
    chunk = os.read(r, 1 << 20)
    if not chunk:
        break
    data += chunk
os.waitpid(child, 0)
spans = [tuple(map(float, line.split())) for line in data.decode().split("\n") if line]
inside = sum(1 for a, b in spans if a >= start and b <= end)
# a stat held by the copy-up lasts as long as the copy: the longest of
# those that overlap the open, against the open
longest = max([b - a for a, b in spans if b >= start and a <= end] or [0])
print("stats inside the copy-up:", inside)
print("longest stat: %d us of the open's %d us" % (longest * 1e6, (end - start) * 1e6))
PY
cat >"$L/vtbig/firstrun.py" <<'PY'
import os, signal, stat, sys, time
# a rename over a FIFO a reader waits on: the writer opens the renamed file
os.mkfifo("/vtbig/ff")
reader = os.fork()
if reader == 0:
    os.open("/vtbig/ff", os.O_RDONLY)   # waits: nobody opens it for writing
    os._exit(0)
time.sleep(0.2)
renamer = os.fork()
if renamer == 0:
    os.rename("/vtbig/fifo-over", "/vtbig/ff")
    os._exit(0)
time.sleep(0.1)
writer = os.fork()
if writer == 0:
    signal.alarm(20)
    fd = os.open("/vtbig/ff", os.O_WRONLY)
    st = os.fstat(fd)
    # the renamed file, or (the rename's copy still being made: a slow
    # machine) the FIFO the reader holds; never a hang, nor anything else
    os._exit(0 if st.st_size == 256 << 20 or stat.S_ISFIFO(st.st_mode) else 3)
_, status = os.waitpid(writer, 0)
print("writer:", os.waitstatus_to_exitcode(status))
os.waitpid(renamer, 0)
os.kill(reader, 9)
os.waitpid(reader, 0)
# an open whose file goes while its copy is made: no fd left behind
fds = len(os.listdir("/proc/self/fd"))
for i, delay in ((1, 0.01), (2, 0.03), (3, 0.06)):
    remover = os.fork()
    if remover == 0:
        time.sleep(delay)
        os.unlink("/vtbig/leak%d" % i)
        os._exit(0)
    try:
        os.close(os.open("/vtbig/leak%d" % i, os.O_WRONLY | os.O_APPEND))
    except FileNotFoundError:
        pass
    os.waitpid(remover, 0)
print("fds left:", len(os.listdir("/proc/self/fd")) - fds)
PY
lower_before=$(snapshot "$L")

vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- python3 /vtbig/stall.py
inside=$(sed -n 's/^stats inside the copy-up: //p' "$T/o")
[ -n "$inside" ] || { show_file stdout "$T/o"; show_file stderr "$T/e"; fail "no count"; }
longest=$(sed -n 's/^longest stat: \([0-9]*\) us.*/\1/p' "$T/o")
open_us=$(sed -n "s/^longest stat: .* of the open's \([0-9]*\) us/\1/p" "$T/o")
note "stats of another process inside the copy-up: $inside; $(grep '^longest' "$T/o")"
[ "$inside" -gt 0 ] || fail "no stat of another process ran while the 256 MiB copy-up was made"
[ "$longest" -lt $((open_us / 2)) ] || fail "a stat of another process waited for the copy-up"
(cat "$L/vtbig/big"; echo appended) | cmp -s - "$U/vtbig/big" || fail "the appended copy is not the lower's data and the line"

# ------------------------------------------ the other copy-ups of big files
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- sh -c '
	chmod 600 /vtbig/chmodded && truncate -s 1000 /vtbig/truncated &&
	mv /vtbig/renamed /vtbig/moved && stat -c "%a %s" /vtbig/chmodded /vtbig/truncated /vtbig/moved'
assert_eq "600 268435456
644 1000
644 268435456" "$(cat "$T/o")" "chmod, truncate and rename of 256 MiB lower files"
cmp -s "$L/vtbig/chmodded" "$U/vtbig/chmodded" || fail "the chmodded copy's data"
head -c 1000 "$L/vtbig/truncated" | cmp -s - "$U/vtbig/truncated" || fail "the truncated copy's data"
cmp -s "$L/vtbig/renamed" "$U/vtbig/moved" || fail "the renamed copy's data"

# ------------------------------------------ killed in its copy-up
# the appender is killed 20 ms into its open (well inside a 256 MiB copy);
# the sandbox goes on, and the file is the lower's, or its whole copy
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- sh -c '
	sh -c "exec 3>>/vtbig/killed; echo never >&3" & pid=$!
	sleep 0.02; kill -9 $pid; wait $pid; echo "killed: $?"
	wc -c </vtbig/killed'
assert_eq "killed: 137
268435456" "$(cat "$T/o")" "a process killed in its copy-up"
if [ -e "$U/vtbig/killed" ]; then
	cmp -s "$L/vtbig/killed" "$U/vtbig/killed" || fail "a copy-up cut short shows half a file"
fi
# ------------------------------------------ the first run changes nothing
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- python3 /vtbig/firstrun.py
assert_eq "writer: 0
fds left: 0" "$(cat "$T/o")" "the first run of a call that asked for its copy"

assert_eq "" "$(ls -A "$U/.wh..wh..veneer/work")" "the work area after the copy-ups"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower after the copy-ups"
