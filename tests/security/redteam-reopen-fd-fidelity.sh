#!/bin/bash
# finding: red team (e0ca356): files read again and again are bound in the view and their opens continued; the fd is then the kernel's open of the view's bind
# invariant: an fd from a continued read-only open (a file's second and later opens) is the union's file as natively: after the file is renamed, unlinked, renamed over, its directory renamed, chmodded, truncated or copied up (by the holder or another process), its readlink through /proc/self/fd, fstat, fstatvfs's read-only flag, content and fchmod by its owner are what a host program holding the same file would see; and every later open of the path reads what the union holds
# attack: a fixed sequence of holders (three opens of each file: the first injected, the others continued) then a change of the file by the holder or a child, run inside (over a lower and in the upper) and natively with the answers compared line by line
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
U=$T/upper
W=$T/w
LOW=$T/lower
mkdir -p "$W" "$LOW/lw" "$T/native/lw" "$T/native/u"
for f in a b c d; do
	put "$LOW/lw/$f" "low $f" 0644
	put "$T/native/lw/$f" "low $f" 0644
done
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT

cat >"$W/fid.py" <<'EOF'
import os, sys, subprocess
R = sys.argv[1].rstrip("/")
inside = R == ""
def desc(fd):
    try: l = os.readlink("/proc/self/fd/%d" % fd)
    except OSError as e: l = "readlink:" + os.strerror(e.errno)
    if R and l.startswith(R): l = l[len(R):]
    st = os.fstat(fd)
    data = os.pread(fd, 100, 0).decode(errors="replace").split()
    ro = os.fstatvfs(fd).f_flag & os.ST_RDONLY
    # fchmod to the mode it has: what an fd's owner may do, natively ok
    try: os.fchmod(fd, st.st_mode & 0o7777); ch = "ok"
    except OSError as e: ch = os.strerror(e.errno)
    return "link=%s mode=%o size=%d nlink=%d ro=%d data=%s fchmod=%s" % (l, st.st_mode, st.st_size, st.st_nlink, ro, data, ch)
def bound(path):
    with open("/proc/self/mountinfo") as m:
        return any(line.split()[4] == path for line in m)
out, notbound = [], []
def scen(name, path, op, setup=None):
    if setup: setup()
    p = R + path
    fds = [os.open(p, os.O_RDONLY) for i in range(3)]  # the 2nd and 3rd continue
    if inside and not bound(path): notbound.append(name)
    op()
    os.stat(R + "/")  # an intercepted call: pending repoints land
    for i, fd in enumerate(fds):
        out.append("%s fd%d: %s" % (name, i, desc(fd)))
        os.close(fd)
    for i in range(3):
        try:
            with open(p) as f: r = f.read().split()
        except OSError as e: r = os.strerror(e.errno)
        out.append("%s open %d: %s" % (name, i, r))
def mk(p, s):
    def f():
        os.makedirs(os.path.dirname(R + p), exist_ok=True)
        with open(R + p, "w") as w: w.write(s)
    return f
def sh(cmd):
    return lambda: subprocess.run(["sh", "-c", cmd.replace("@", R)], check=False)
scen("rename", "/u/r", lambda: os.rename(R + "/u/r", R + "/u/r2"), mk("/u/r", "r\n"))
scen("unlink", "/u/x", lambda: os.unlink(R + "/u/x"), mk("/u/x", "x\n"))
scen("rename-over", "/u/o", lambda: (mk("/u/o2", "new\n")(), os.rename(R + "/u/o2", R + "/u/o")), mk("/u/o", "old\n"))
scen("dir-rename", "/u/dd/f", lambda: os.rename(R + "/u/dd", R + "/u/de"), mk("/u/dd/f", "dd\n"))
scen("chmod", "/u/c", lambda: os.chmod(R + "/u/c", 0o600), mk("/u/c", "c\n"))
scen("truncate-other", "/u/t", sh("truncate -s 1 @/u/t"), mk("/u/t", "tttt\n"))
scen("unlink-other", "/u/y", sh("rm @/u/y"), mk("/u/y", "y\n"))
scen("rename-other", "/u/z", sh("mv @/u/z @/u/z2"), mk("/u/z", "z\n"))
scen("lower-append-self", "/lw/a", lambda: open(R + "/lw/a", "a").write("more\n"))
scen("lower-append-other", "/lw/b", sh("echo more >>@/lw/b"))
scen("lower-chmod", "/lw/c", lambda: os.chmod(R + "/lw/c", 0o600))
scen("lower-truncate-other", "/lw/d", sh("truncate -s 2 @/lw/d"))
print("\n".join(out))
if notbound: print("not bound: " + " ".join(notbound))
EOF

(cd "$T/native" && python3 "$W/fid.py" "$T/native") >"$T/native.out" 2>"$T/native.err" ||
	{ show_file stderr "$T/native.err" >&2; fail "the sequence does not run natively"; }
vrun_ok "$T/inside.out" "$T/inside.err" --upper "$U" --lower "$LOW" --lower / -- python3 "$W/fid.py" /
if grep '^not bound:' "$T/inside.out" >&2; then
	fail "a file opened three times was not bound in the view: the attack did not reach continued opens"
fi
problems=()
if ! cmp -s "$T/native.out" "$T/inside.out"; then
	echo "  diff -u native inside:" >&2
	diff -u "$T/native.out" "$T/inside.out" | sed 's/^/  /' >&2 || true
	problems+=("an fd from a continued open is not the union's file as natively (see the diff)")
fi
# the lower is as it was, seen from inside too
vrun_ok "$T/after" "$T/after.err" --upper "$U" --lower "$LOW" --lower / -- sh -c 'cat /lw/a /lw/b /lw/d; stat -c %a /lw/c'
assert_files_eq <(printf 'low a\nmore\nlow b\nmore\nlo600\n') "$T/after" "the union after the sequence"
sec_guard_check
[ ${#problems[@]} -eq 0 ] || fail "${problems[0]}"
echo "fds from continued opens are the union's files, as natively"
