#!/bin/bash
# Processes and threads under fire, on the rung under test and, where the
# notify rung runs, nested (veneer inside veneer: the ptrace rung's SIGSYS
# mode):
#   - exec from a thread that is not the leader while 8 other threads make
#     file calls (the exec wins; the program it starts prints);
#   - 300 posix_spawn (vfork) and 100 subprocess runs of union programs,
#     every one exiting 0;
#   - a signal storm: 3000 SIGUSR1 at a process in a loop of stat, open,
#     read and listdir of union files: every call answers right (no
#     EINTR leaks out of a call SA_RESTART restarts), the handler counts
#     what arrived;
#   - a thread forks while others make calls, and the child makes its own.
# Each part prints a line the test checks; the lower is unchanged after.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3

L=$T/lower
mkdir -p "$L/data" && for i in 1 2 3 4 5; do echo "file $i" >"$L/data/f$i"; done
before=$(snapshot "$L")
cat >"$T/storm.py" <<'PY'
import os, signal, subprocess, sys, threading, time

def exec_from_thread():
    code = r'''
import os, threading, time
stop = False
def busy():
    while not stop:
        os.stat("/data/f1"); os.listdir("/data")
for _ in range(8):
    threading.Thread(target=busy, daemon=True).start()
def do_exec():
    time.sleep(0.2)
    os.execv("/bin/sh", ["sh", "-c", "echo exec from a thread: ok"])
threading.Thread(target=do_exec).start()
time.sleep(30)
print("exec from a thread: never happened")
'''
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    print(out.stdout.strip())

def spawns():
    ok = 0
    for _ in range(300):
        pid = os.posix_spawn("/bin/true", ["true"], os.environ)
        _, status = os.waitpid(pid, 0)
        ok += os.waitstatus_to_exitcode(status) == 0
    for i in range(100):
        ok += subprocess.run(["/bin/cat", "/data/f%d" % (i % 5 + 1)], capture_output=True).stdout == \
            b"file %d\n" % (i % 5 + 1)
    print("spawned: %d of 400 ok" % ok)

def storm():
    got = [0]
    signal.signal(signal.SIGUSR1, lambda s, f: got.__setitem__(0, got[0] + 1))
    me = os.getpid()
    done = threading.Event()
    def shooter():
        for _ in range(3000):
            os.kill(me, signal.SIGUSR1)
        done.set()
    t = threading.Thread(target=shooter)
    bad = 0
    t.start()
    n = 0
    while not done.is_set() or n < 200:
        n += 1
        try:
            bad += os.stat("/data/f2").st_size != 7
            with open("/data/f3") as f:
                bad += f.read() != "file 3\n"
            bad += sorted(os.listdir("/data")) != ["f1", "f2", "f3", "f4", "f5"]
        except OSError as e:
            print("storm: call failed:", e)
            bad += 1
    t.join()
    print("storm: %d wrong answers, signals handled: %s" % (bad, "yes" if got[0] > 0 else "no"))

def fork_in_thread():
    result = {}
    stop = False
    def busy():
        while not stop:
            os.stat("/data/f4")
    workers = [threading.Thread(target=busy) for _ in range(4)]
    for w in workers:
        w.start()
    def forker():
        pid = os.fork()
        if pid == 0:
            with open("/data/f5") as f:
                os._exit(0 if f.read() == "file 5\n" else 1)
        result["status"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    f = threading.Thread(target=forker)
    f.start(); f.join()
    stop = True
    for w in workers:
        w.join()
    print("fork in a thread: child exit", result.get("status"))

exec_from_thread()
spawns()
storm()
fork_in_thread()
PY

check_storm() { # OUT-FILE WHAT
	local out
	out=$(cat "$1")
	assert_match 'exec from a thread: ok' "$out" "$2: exec from a thread"
	assert_match 'spawned: 400 of 400 ok' "$out" "$2: posix_spawn and subprocess"
	assert_match 'storm: 0 wrong answers, signals handled: yes' "$out" "$2: the signal storm"
	assert_match 'fork in a thread: child exit 0' "$out" "$2: fork in a thread"
}

vrun "$T/o" "$T/e" --lower "$L" --lower / -- timeout 300 python3 "$T/storm.py"
[ "$VRC" -eq 0 ] || { show_file stdout "$T/o"; show_file stderr "$T/e"; fail "the storm: exit $VRC"; }
check_storm "$T/o" "${VENEER_BACKEND:-auto}"

if [ -z "${VENEER_BACKEND:-}" ] && grep -q '^backend *notify:' <<<"$("$VENEER" doctor 2>/dev/null)"; then
	vrun "$T/o" "$T/e" --lower "$L" --lower / -- sh -c \
		'"$0" run --upper /dev/shm/storm-upper -- timeout 300 python3 "$1"' \
		"$(veneer_binary)" "$T/storm.py"
	[ "$VRC" -eq 0 ] || { show_file stdout "$T/o"; show_file stderr "$T/e"; fail "the nested storm: exit $VRC"; }
	check_storm "$T/o" "nested"
fi
assert_eq "$before" "$(snapshot "$L")" "the lower is unchanged"
echo "process storm: fine"
