#!/bin/bash
# finding: red team (e0ca356): every file read twice becomes a bind in the target's mount table, at most 4,096 (vn_view_binds)
# invariant: the target cannot grow the view's mount table past the cap by reopening files, also from several processes at once; past the cap every open still answers with the right file; binds of removed files leave the mount table and the count (new files are bound again), and the supervisor keeps answering
# attack: four processes at once each read 1,500 distinct files three times, then a late file; all are removed and new files read again; the mount table is counted at each step and every read is checked
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
U=$T/upper
W=$T/w
mkdir -p "$W"
sec_allow "$U" "$W"
sec_guard_start
trap sec_cleanup_markers EXIT
M=$SEC_MARK

cat >"$W/cap.py" <<'EOF'
import os, sys
M, P, N = sys.argv[1], 4, 1500
def mounts():
    with open("/proc/self/mountinfo") as m: return sum(1 for _ in m)
def rd(p):
    with open(p) as f: return f.read()
m0 = mounts()
os.makedirs("/x-" + M, exist_ok=True)
names = ["/x-%s/f%d" % (M, i) for i in range(P * N)]
for i, n in enumerate(names):
    with open(n, "w") as w: w.write("%d\n" % i)
kids = []
for p in range(P):
    pid = os.fork()
    if pid == 0:
        bad = sum(rd(names[i]) != "%d\n" % i for i in range(p * N, (p + 1) * N) for k in range(3))
        os._exit(1 if bad else 0)
    kids.append(pid)
bad = sum(os.waitstatus_to_exitcode(os.waitpid(k, 0)[1]) != 0 for k in kids)
print("processes with a wrong read: %d" % bad)
print("binds past the cap: %d" % max(0, mounts() - m0 - 4096))
late = "/x-%s/late" % M
with open(late, "w") as w: w.write("late\n")
print("late reads: %s" % " ".join(rd(late).strip() for k in range(3)))
for n in names + [late]: os.unlink(n)
print("binds left after removal: %d" % (mounts() - m0))
for i in range(20):
    n = "/x-%s/g%d" % (M, i)
    with open(n, "w") as w: w.write("g\n")
    for k in range(3): rd(n)
print("new files bound after removal: %d" % (mounts() - m0))
os.stat("/")
EOF
vrun_ok "$T/out" "$T/err" --upper "$U" --lower / -- python3 "$W/cap.py" "$M"
assert_files_eq <(printf '%s\n' "processes with a wrong read: 0" "binds past the cap: 0" \
	"late reads: late late late" "binds left after removal: 0" "new files bound after removal: 20") \
	"$T/out" "the view's binds after 6,000 files read thrice by four processes"
sec_guard_check
echo "reopen binds stay under the cap, leave with their files, and every read is right"
