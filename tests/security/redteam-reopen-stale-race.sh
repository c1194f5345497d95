#!/bin/bash
# finding: red team (e0ca356): a reopen binds the file its second walk found, under the view's bind lock, while another process may have renamed, removed or replaced that name in between
# invariant: once a rename, unlink or rename-over of a bound file has returned, the view holds no bind at the old name (no name the union lacks is listed, opened or mounted) and every later open of the name reads what the union holds, however many processes were reopening it at that moment
# attack: for each of 600 files read twice (bound), two processes reopen it in a loop while a third renames it away, unlinks it or renames another file over it; afterwards the mount table, the directory's listing and three opens of each name are compared with the union
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
N=${VENEER_SEC_RACE_TRIES:-600}

cat >"$W/stale.py" <<'EOF'
import os, sys, time
M, N, how = sys.argv[1], int(sys.argv[2]), sys.argv[3]
d = "/st-%s-%s" % (M, how)
os.makedirs(d)
def rd(p):
    try:
        with open(p) as f: return f.read().strip()
    except OSError as e: return e.strerror
for i in range(N):
    p = "%s/f%d" % (d, i)
    with open(p, "w") as w: w.write("old %d\n" % i)
    if how == "over":
        with open(p + "-new", "w") as w: w.write("new %d\n" % i)
    for k in range(2): rd(p)
    pids = []
    for j in range(2):
        pid = os.fork()
        if pid == 0:
            for k in range(150):
                try: os.close(os.open(p, os.O_RDONLY))
                except OSError: pass
            os._exit(0)
        pids.append(pid)
    time.sleep(0.0002 * (i % 10))
    if how == "rename": os.rename(p, "%s/moved%d" % (d, i))
    elif how == "unlink": os.unlink(p)
    else: os.rename(p + "-new", p)
    for pid in pids: os.waitpid(pid, 0)
want = set("f%d" % i for i in range(N)) if how == "over" else set()
with open("/proc/self/mountinfo") as m:
    mounted = set(l.split()[4] for l in m if l.split()[4].startswith(d + "/f"))
extra_binds = sorted(x for x in mounted if os.path.basename(x) not in want)
listed = set(n for n in os.listdir(d) if n.startswith("f"))
wrong = ["%s=%s" % (n, r) for n in sorted(listed ^ want) for r in [rd(d + "/" + n)]]
bad = []
for i in range(N):
    p = "%s/f%d" % (d, i)
    exp = "new %d" % i if how == "over" else "No such file or directory"
    bad += ["%s: %s" % (p, r) for r in (rd(p), rd(p), rd(p)) if r != exp]
print("%s: binds at names the union lacks: %d %s" % (how, len(extra_binds), extra_binds[:3]))
print("%s: names listed that the union lacks or lists not: %d %s" % (how, len(wrong), wrong[:3]))
print("%s: opens that read other than the union: %d %s" % (how, len(bad), bad[:3]))
EOF
for how in rename unlink over; do
	vrun_ok "$T/out.$how" "$T/err.$how" --upper "$U" --lower / -- python3 "$W/stale.py" "$M" "$N" "$how"
done
assert_files_eq <(for how in rename unlink over; do
	printf '%s: binds at names the union lacks: 0 []\n' "$how"
	printf '%s: names listed that the union lacks or lists not: 0 []\n' "$how"
	printf '%s: opens that read other than the union: 0 []\n' "$how"
done) <(cat "$T/out.rename" "$T/out.unlink" "$T/out.over") "the view after names were changed under reopens"
sec_guard_check
echo "no bind outlived the name it was made for"
