#!/bin/bash
# finding: red team (issue 11, de47924): readlink answered by readlinkat(the directory cache's parent fd, name); getxattr reads its name before the path under one ID_VALID check
# invariant: readlink and getxattr answer for the object the path names now, as on the host: never from a stale parent directory fd after the parent was renamed, removed, made anew or copied up, never for a name with '/' or '..' (impossible by construction: the name is the canonical path's last component), with the kernel's errors for bad names (ERANGE before ENOENT) and trailing slashes; a name flipped during getxattr yields one of the two names' answers
# attack: a fixed sequence over a lower (links in a copied-up directory, replaced links, the parent renamed, removed and made anew, '..' and '.' routes, trailing slashes, readlinkat of an O_PATH fd with an empty name, a 4,000-byte target, xattrs of a lower and an upper file and bad names) run inside and natively with the answers compared line by line; then a thread flips getxattr's name between two set names (and a name longer than 255 bytes) while another flips a readlink path between a link and its renamed parent
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
U=$T/upper
W=$T/w
LOW=$T/lower
mkdir -p "$W" "$LOW/vnl/d/sub" "$T/native"
ln -s t1 "$LOW/vnl/d/l1"
ln -s t2 "$LOW/vnl/d/sub/l2"
ln -s sub "$LOW/vnl/d/ldir"
echo file >"$LOW/vnl/d/file"
echo file >"$LOW/vnl/xl"
python3 -c 'import os,sys; os.setxattr(sys.argv[1], "user.vnsec", b"lowervalue")' "$LOW/vnl/xl" ||
	skip "the scratch file system has no user xattrs"
cp -a "$LOW/vnl" "$T/native/vnl"
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT

cat >"$W/seq.py" <<'EOF'
import errno, os, shutil, sys
os.chdir(sys.argv[1])
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
def rl(p, **kw):
	try:
		r = os.readlink(p, **kw)
		print("readlink", p or "''", "=", r if len(r) < 100 else "%d bytes" % len(r))
	except OSError as e:
		print("readlink", p or "''", name(e))
def gx(p, n, follow=True):
	try:
		print("getxattr", p, n[:40], len(n), "=", os.getxattr(p, n, follow_symlinks=follow))
	except OSError as e:
		print("getxattr", p, n[:40], len(n), name(e))
def routes():
	for p in ("d/l1", "d/sub/l2", "d/ldir", "d/file", "d", "d/missing", "d/l1/", "d/ldir/",
		  "d/sub/..", "d/./l1", "d/sub/../l1", "d//l1", "d/ldir/l2", "d/ldir/../l1"):
		rl(p)
print("-- as the lower has them"); routes()
open("d/new", "w").close()            # copies d up
print("-- d copied up"); routes()
os.unlink("d/l1"); os.symlink("t1b", "d/l1")
print("-- l1 replaced"); routes()
os.rename("d", "e")
print("-- d renamed to e"); routes(); rl("e/l1"); rl("e/sub/l2"); rl("e/ldir/l2")
os.makedirs("d/sub"); os.symlink("t3", "d/l1"); os.symlink("t3s", "d/sub/l2")
print("-- d made anew"); routes(); rl("e/l1"); rl("e/sub/l2")
shutil.rmtree("e"); os.mkdir("e"); os.symlink("t4", "e/l1")
print("-- e removed and made anew"); rl("e/l1"); rl("e/sub/l2")
os.rename("d/l1", "e/l5"); rl("e/l5"); rl("d/l1")
os.rename("e", "d/sub/e"); rl("d/sub/e/l5"); rl("d/sub/e/l1"); rl("e/l1")
fd = os.open("d/sub/e/l5", os.O_PATH | os.O_NOFOLLOW)
rl("", dir_fd=fd); os.close(fd)
fd = os.open("d/sub", os.O_PATH | os.O_DIRECTORY)
rl("e/l5", dir_fd=fd); rl("../ldir", dir_fd=fd); rl(".", dir_fd=fd); os.close(fd)
os.symlink("x" * 4000, "long"); rl("long")
print("-- xattrs")
os.mkdir("x"); shutil.copy("xl", "x/up")
os.setxattr("x/up", "user.vnsec", b"uppervalue")
os.symlink("up", "x/lk")
for p in ("xl", "x/up", "x/lk", "x/missing"):
	for n in ("user.vnsec", "user.none", "", "user." + "n" * 250, "user." + "n" * 251):
		gx(p, n)
	gx(p, "user.vnsec", follow=False)
EOF

# RACE: flip getxattr's name and readlink's path in the target's memory
cat >"$W/race.py" <<'EOF'
import ctypes, errno, os, threading, time
libc = ctypes.CDLL(None, use_errno=True)
os.chdir("/vnl")
os.mkdir("r"); open("r/f", "w").close()
os.setxattr("r/f", "user.a", b"AAAA"); os.setxattr("r/f", "user.b", b"BB")
os.mkdir("q"); os.symlink("qq", "q/l")
names = [b"user.a\0", b"user.b\0", b"user." + b"z" * 300 + b"\0"]
namebuf = ctypes.create_string_buffer(512)
paths = [b"/vnl/q/l\0", b"/vnl/p/l\0"]
pathbuf = ctypes.create_string_buffer(64)
ctypes.memmove(namebuf, names[0], len(names[0])); ctypes.memmove(pathbuf, paths[0], len(paths[0]))
stop = False
def flip():
	i = 0
	while not stop:
		i += 1
		ctypes.memmove(namebuf, names[i % 3], len(names[i % 3]))
		ctypes.memmove(pathbuf, paths[i % 2], len(paths[i % 2]))
def mover():
	while not stop:
		os.rename("q", "p"); os.rename("p", "q")
threads = [threading.Thread(target=flip), threading.Thread(target=mover)]
for t in threads: t.start()
seen = {}
val = ctypes.create_string_buffer(64)
end = time.time() + 4
while time.time() < end:
	n = libc.getxattr(b"/vnl/r/f", namebuf, val, 64)
	k = "getxattr=" + (val.raw[:n].decode() if n >= 0 else errno.errorcode[ctypes.get_errno()])
	seen[k] = seen.get(k, 0) + 1
	n = libc.readlink(pathbuf, val, 64)
	k = "readlink=" + (val.raw[:n].decode() if n >= 0 else errno.errorcode[ctypes.get_errno()])
	seen[k] = seen.get(k, 0) + 1
stop = True
for t in threads: t.join()
for k in sorted(seen): print("race", k, seen[k])
EOF

# the scripts come in by a --bind; without namespaces (no --bind there)
# the sandbox reads them where they are, through the lower /
scripts=(--bind "$W:/w")
wdir=/w
if on_hostroot; then
	scripts=()
	wdir=$W
fi
python3 "$W/seq.py" "$T/native/vnl" >"$T/native.out" 2>&1 ||
	{ tail -n 5 "$T/native.out" >&2; fail "the sequence did not run natively"; }
vrun_ok "$T/inside.out" "$T/inside.err" --upper "$U" --lower "$LOW" --lower / "${scripts[@]}" -- \
	python3 "$wdir/seq.py" /vnl
assert_files_eq "$T/native.out" "$T/inside.out" "readlink or getxattr answered unlike the host"
vrun_ok "$T/race.out" "$T/race.err" --upper "$U" --lower "$LOW" --lower / "${scripts[@]}" -- \
	python3 "$wdir/race.py"
sed 's/^/  /' "$T/race.out"
# every answer is one a name or path of the flip gives: A's or B's
# value, ERANGE for the long name; the link's body, ENOENT while moved
bad=$(grep -Ev '^race (getxattr=(AAAA|BB|ERANGE)|readlink=(qq|ENOENT)) [0-9]+$' "$T/race.out" || true)
[ -z "$bad" ] || fail "an answer no flipped name or path gives: $bad"
grep -q '^race getxattr=AAAA' "$T/race.out" && grep -q '^race readlink=qq' "$T/race.out" ||
	fail "the race never read the set name or the link"

# the lower is as it was (the guard compares it too)
assert_eq "$(readlink "$LOW/vnl/d/l1")" t1 "the lower's link"
sec_guard_check
echo "readlink and getxattr answered for the union's objects"
