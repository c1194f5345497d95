#!/bin/bash
# finding: red team (issue 11, 5951220): the view's table of rendered directories (4,096 slots, stamped with the view's generation)
# invariant: what the table says the view holds is what the view holds: after a rendered directory is renamed, removed, replaced by another directory (rename over an empty one, RENAME_EXCHANGE), by a file, or by a symlink (relative, absolute, to /dev/shm, to a --bind), a directory open, chdir and O_PATH open of its old and new names answer as on the host; with more directories than slots too; and while one process replaces directories another walks, every directory it opens holds what one of the union's states held, and nothing lands on the host, in a lower or in the view
# attack: a fixed sequence of renders and replacements run inside and natively (the answers compared line by line), 5,000 rendered directories then all moved and a sample replaced by links; then a process replacing a rendered directory by symlinks to /dev/shm, a --bind, / and /proc/self/cwd and by a renamed copy, racing another that opens, enters and creates below its old name
source "$(dirname "$0")/lib.sh"
unless_hostroot "view of rendered binds"
require_veneer
require_cmd python3
U=$T/upper
W=$T/w
mkdir -p "$W" "$T/native/r/s" "$T/native/shm"
sec_allow "$U" "$W"
sec_guard_start /
trap sec_cleanup_markers EXIT
M=$SEC_MARK

# SEQ BASE SHM BIND: renders (directory open, chdir, O_PATH) and
# replacements under BASE; SHM and BIND are directories outside BASE
# (inside: /dev/shm and a --bind) holding x/y/g; one line per answer,
# free of BASE
cat >"$W/seq.py" <<'EOF'
import ctypes, errno, os, sys
B, SHM, BIND = sys.argv[1], sys.argv[2], sys.argv[3]
libc = ctypes.CDLL(None, use_errno=True)
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
def show(label, rel):
	p = B + "/" + rel
	out = []
	try:
		fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY)
		out.append("open=" + ",".join(sorted(os.listdir(fd))))
		os.close(fd)
	except OSError as e:
		out.append("open=" + name(e))
	try:
		here = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
		os.chdir(p)
		out.append("chdir=" + ",".join(sorted(os.listdir("."))))
		os.fchdir(here)
		os.close(here)
	except OSError as e:
		out.append("chdir=" + name(e))
	try:
		fd = os.open(p, os.O_PATH)
		out.append("opath=" + ("d" if os.path.isdir("/proc/self/fd/%d" % fd) else "-"))
		os.close(fd)
	except OSError as e:
		out.append("opath=" + name(e))
	print(label, rel, " ".join(out))
def mkfile(rel, data="f"):
	with open(B + "/" + rel, "w") as f:
		f.write(data)
def exchange(a, b):
	AT_FDCWD, RENAME_EXCHANGE = -100, 2
	if libc.renameat2(AT_FDCWD, (B + "/" + a).encode(), AT_FDCWD, (B + "/" + b).encode(), RENAME_EXCHANGE) < 0:
		print("exchange", name(OSError(ctypes.get_errno(), "")))
for d in (SHM, BIND):
	os.makedirs(d + "/x/y", exist_ok=True)
	mkfile(os.path.relpath(d + "/x/y/g", B))
os.chdir(B)
os.makedirs("a/x/y"); mkfile("a/x/y/f")
show(1, "a/x/y"); show(1, "a/x")
os.rename("a", "b")
show(2, "a/x/y"); show(2, "b/x/y")
os.makedirs("a/x")
show(3, "a/x/y"); show(3, "a/x")
os.rmdir("a/x"); os.rmdir("a")
os.symlink("b", "a")
show(4, "a/x/y"); show(4, "a")
os.unlink("a"); os.symlink(B + "/b", "a")
show(5, "a/x/y")
os.unlink("a"); os.symlink(SHM, "a")
show(6, "a/x/y"); show(6, "a/x")
os.unlink("a"); os.symlink(BIND, "a")
show(7, "a/x/y")
os.unlink("a"); mkfile("a")
show(8, "a/x/y"); show(8, "a")
os.unlink("a"); os.rename("b", "a")
show(9, "a/x/y")
# a rendered empty directory replaced by rename(2) over it
os.makedirs("p/q"); os.makedirs("o/q/z")
show(10, "p/q")
os.rename("o/q", "p/q")
show(10, "p/q"); show(10, "o/q")
# two rendered directories exchanged
os.makedirs("e1/in1"); os.makedirs("e2/in2")
show(11, "e1"); show(11, "e2")
exchange("e1", "e2")
show(11, "e1"); show(11, "e2"); show(11, "e1/in2")
# a directory replaced by a symlink to its own parent, then ".."
os.makedirs("c/d"); show(12, "c/d")
os.rename("c", "c2"); os.symlink(".", "c")
show(12, "c/d"); show(12, "c/c/c2/d")
# more rendered directories than the table has slots
N = 5000
for i in range(N):
	os.makedirs("m/d%d/s" % i)
	os.chdir("m/d%d/s" % i); os.chdir(B)
os.rename("m", "n"); os.mkdir("m")
for i in range(0, N, 250):
	show(13, "m/d%d/s" % i); show(13, "n/d%d/s" % i)
for i in range(0, N, 500):
	os.symlink("../n/d%d" % (i + 1), "m/d%d" % i)
	show(14, "m/d%d/s" % i)
EOF

# RACE BASE SHM BIND MARK SECONDS: a child replaces BASE/ra (holding
# x/f) by links to SHM and BIND (holding x/g, x/h), to / (x/k), to
# /proc/self/cwd (the walker's cwd is BASE: x/c), and by a copy, while
# the parent opens, enters and creates below BASE/ra/x; prints what the
# parent found there other than the union's states, then counts
cat >"$W/race.py" <<'EOF'
import errno, os, shutil, sys, time
B, SHM, BIND, MARK, SECS = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
os.chdir(B)
os.makedirs("ra/x"); open("ra/x/f", "w").close()
os.makedirs(SHM + "/x", exist_ok=True); open(SHM + "/x/g", "w").close()
os.makedirs(BIND + "/x", exist_ok=True); open(BIND + "/x/h", "w").close()
os.makedirs("/x", exist_ok=True); open("/x/k", "w").close()
os.makedirs("x", exist_ok=True); open("x/c", "w").close()
good = {("f",), ("g",), ("h",), ("k",), ("c",), ()}  # () while the copy is made
pid = os.fork()
if pid == 0:
	end = time.time() + SECS
	while time.time() < end:
		for t in (SHM, BIND, "/", "/proc/self/cwd", None):
			try:
				os.rename("ra", "rb")
				if t:
					os.symlink(t, "ra")
					os.unlink("ra")
				else:
					os.makedirs("ra/x"); open("ra/x/f", "w").close()
					while os.path.lexists("ra"):  # the walker creates in it meanwhile
						shutil.rmtree("ra", ignore_errors=True)
				os.rename("rb", "ra")
			except OSError as e:
				print("replacer:", e, flush=True); os._exit(1)
	os._exit(0)
n = wrong = 0
errs = {}
done = False
while not done:
	w, status = os.waitpid(pid, os.WNOHANG)
	done = w != 0
	if done and status != 0:
		print("replacer failed")
	for how in ("open", "chdir"):
		try:
			if how == "open":
				fd = os.open("ra/x", os.O_RDONLY | os.O_DIRECTORY)
			else:
				os.chdir("ra/x")
				fd = os.open(".", os.O_RDONLY | os.O_DIRECTORY)
			names = tuple(sorted(x for x in os.listdir(fd) if MARK not in x))
			try:
				os.close(os.open(MARK + "-" + how, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
			except OSError as e:
				k = "create-" + errno.errorcode.get(e.errno, str(e.errno))
				errs[k] = errs.get(k, 0) + 1
			os.close(fd)
			os.chdir(B)
			n += 1
			if names not in good:
				wrong += 1
				print("wrong", how, names)
		except OSError as e:
			os.chdir(B)
			k = errno.errorcode.get(e.errno, str(e.errno))
			errs[k] = errs.get(k, 0) + 1
print("race opened=%d wrong=%d errors=%s" % (n, wrong, sorted(errs.items())))
EOF

# natively, then inside (/r/s over lower /; /dev/shm; the --bind /w)
python3 "$W/seq.py" "$T/native/r/s" "$T/native/shm" "$T/native/bind" >"$T/native.out" 2>&1 ||
	{ show_file native "$T/native.out" >&2; fail "the sequence did not run natively"; }
vrun_ok "$T/inside.out" "$T/inside.err" --upper "$U" --bind "$W:/w" -- sh -c \
	'mkdir -p /r/s && python3 /w/seq.py /r/s /dev/shm/vnsec-shm /w/bind &&
	 mkdir -p /r/t && python3 /w/race.py /r/t /dev/shm/vnsec-shm2 /w/bind2 '"$M"' 6'
grep -v '^race \|^wrong \|^replacer' "$T/inside.out" >"$T/inside.seq"
assert_files_eq "$T/native.out" "$T/inside.seq" "renders after replacements answered unlike the host"
grep '^race \|^wrong ' "$T/inside.out" | sort | uniq -c | sed 's/^/  /'
grep -q '^race opened=[1-9]' "$T/inside.out" || fail "the race opened nothing"
! grep -q '^replacer' "$T/inside.out" || fail "the replacer failed"
! grep -q '^wrong ' "$T/inside.out" || fail "a directory opened under a replaced name held what no state of the union held"

# the creates of the race landed in the union, /dev/shm or the --bind:
# the upper has them at ra/x (or rb/x), the bind at bind2/x
find "$U" "$W" -name "*$M*" | sed "s|^$T/|  made: |" | sort | uniq | head -n 10
sec_guard_check
echo "the rendered-directory table followed every replacement"
