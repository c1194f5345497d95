#!/bin/bash
# finding: red team (chroot inside, issue 10): the upper's host path in mountinfo by routes the filter did not recognise
# invariant: /proc/<pid>/mountinfo read by any route, without a race, never shows the host path of a rendered bind's file (an upper file's path under the user's home): not by a non-canonical path, not relative to a /proc directory fd or cwd, not from a chroot
# attack: exec two upper binaries (so that they are rendered binds), then read mountinfo as /proc/./self/mountinfo, /proc/self/./mountinfo, /proc/self//mountinfo, /proc/self/task/../mountinfo, /proc/1/../self/mountinfo, /proc/thread-self/../../mountinfo, /proc/net/../mountinfo, through /proc/self/cwd and /proc/self/fd/N of a directory in /proc, relative to a cwd and a directory fd in /proc, after chroot into /proc, and from a chroot into a union directory (whose mountinfo does not start with the view's line) by a path relative to a cwd outside it
source "$(dirname "$0")/lib.sh"
unless_hostroot "mount table of its own: the host's mountinfo is read there, out of this rung's scope"
require_veneer
require_cmd python3
MARK=MOUNTINFOMARK
U=$T/upper-$MARK
sec_allow "$U"
sec_guard_start

# shellcheck disable=SC2016
PROBE='
import os, shutil, subprocess, sys
os.makedirs("/cr/bin", exist_ok=True)
for b in ("/cr/bin/t1", "/cr/bin/t2"):
	shutil.copy("/bin/true", b)
	subprocess.run([b], check=True)
def show(route, read):
	try:
		text = read()
	except OSError as e:
		print("%s: ERR %s" % (route, e))
		return
	print("%s: %d lines" % (route, len(text.splitlines())))
	for line in text.splitlines():
		print("%s | %s" % (route, line))
def plain(p):
	return lambda: open(p).read()
for p in ("/proc/self/mountinfo", "/proc/./self/mountinfo", "/proc/self/./mountinfo",
	  "/proc/self//mountinfo", "/proc/self/task/../mountinfo", "/proc/1/../self/mountinfo",
	  "/proc/thread-self/../../mountinfo", "/proc/net/../mountinfo",
	  "/proc/thread-self/mountinfo", "/proc/1/mountinfo"):
	show(p, plain(p))
os.chdir("/proc")
show("cwd /proc + self/mountinfo", plain("self/mountinfo"))
os.chdir("/proc/self")
show("cwd /proc/self + mountinfo", plain("mountinfo"))
show("cwd /proc/self + /proc/self/cwd/mountinfo", plain("/proc/self/cwd/mountinfo"))
dself = os.open("/proc/self", os.O_RDONLY | os.O_DIRECTORY)
show("/proc/self/fd/N/mountinfo", plain("/proc/self/fd/%d/mountinfo" % dself))
os.chdir("/")
d = os.open("/proc", os.O_RDONLY | os.O_DIRECTORY)
show("fd /proc + self/mountinfo", lambda: os.read(os.open("self/mountinfo", os.O_RDONLY, dir_fd=d), 1 << 20).decode())
def in_child(route, root, path):
	sys.stdout.flush()
	pid = os.fork()
	if pid == 0:
		os.chroot(root)
		show(route, plain(path))
		sys.stdout.flush()
		os._exit(0)
	os.waitpid(pid, 0)
in_child("chroot /proc + /self/mountinfo", "/proc", "/self/mountinfo")
in_child("chroot /cr + proc/self/mountinfo (cwd /)", "/cr", "proc/self/mountinfo")
print("=== done")
'
vrun_ok "$T/out" "$T/err" --upper "$U" --lower / --chdir / -- python3 -c "$PROBE"
grep -q '^=== done$' "$T/out" || fail "the probe did not finish"
grep ': [0-9]* lines$\|: ERR' "$T/out" | sed 's/^/# /'
grep -q '^/proc/self/mountinfo | .* /cr/bin/t1 /cr/bin/t1 ' "$T/out" ||
	fail "the plain route does not show the rendered bind by its mount point"
if grep -F "$U" "$T/out" | sed 's/^/  /' >&2; then
	fail "mountinfo showed the upper's host path (lines above)"
fi
if grep -F "$MARK" "$T/out" | sed 's/^/  /' >&2; then
	fail "mountinfo showed a host path (lines above)"
fi
sec_guard_check
