#!/bin/bash
# finding: 8 (host paths shown inside)
# invariant: mountinfo, mounts, mountstats, maps, map_files, exe and fd links show neutral names (union paths, or the supervisor's stage), never the upper's or a lower's host path or the host home
# attack: with a lower and an upper at distinctive host paths, exec a binary and a script of the upper, hold and mmap upper and lower files, then read every /proc file that prints paths
source "$(dirname "$0")/lib.sh"
unless_hostroot "/proc of its own: the host's /proc prints the layers' host paths there, out of this rung's scope (reads are the caller's)"
require_veneer
require_cmd python3
MARK=HOSTPATHMARK
LOW=$T/lower-$MARK
U=$T/upper-$MARK
mkdir -p "$LOW/hp"
put "$LOW/hp/lowerfile" "lower data, mapped inside"
sec_allow "$U"
sec_guard_start "$LOW"
# --chdir /: the scratch directory is a union path too (lower / holds it),
# and a cwd there would name it, as natively
layers=(--upper "$U" --lower "$LOW" --lower / --chdir /)

# vrun_piped OUT ERR ARG...: vrun_ok with stdout and stderr through
# pipes: a file of the scratch directory as fd 1 would show its own
# host path in /proc/self/fd, which is the caller's doing, not a leak
vrun_piped() {
	local out=$1 err=$2 rc
	shift 2
	set +e
	"$VENEER" run "$@" </dev/null 2> >(cat >"$err") | cat >"$out"
	rc=${PIPESTATUS[0]}
	set -e
	wait
	if [ "$rc" -ne 0 ]; then
		show_file stdout "$out" >&2
		show_file stderr "$err" >&2
		fail "veneer run exited $rc"
	fi
}

# the upper's files, made inside: a copy of a binary, a script, data
vrun_ok "$T/o" "$T/e" "${layers[@]}" -- sh -c '
	cp /bin/sleep /hp/upperbin &&
	printf "#!/bin/sh\nexec /hp/upperbin 30\n" >/hp/upperscript &&
	chmod 755 /hp/upperscript &&
	echo "upper data, mapped inside" >/hp/upperfile'

# shellcheck disable=SC2016
PROBE='
import mmap, os, subprocess, sys, time
up = open("/hp/upperfile", "rb")
lo = open("/hp/lowerfile", "rb")
maps = [mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ) for f in (up, lo)]
d = os.open("/hp", os.O_RDONLY | os.O_DIRECTORY)
binary = subprocess.Popen(["/hp/upperbin", "30"])
script = subprocess.Popen(["/hp/upperscript"])
for child in (binary, script):
	# the child has exec-ed once its maps show the binary
	for _ in range(100):
		with open("/proc/%d/maps" % child.pid) as f:
			if "upperbin" in f.read():
				break
		time.sleep(0.05)
	else:
		sys.exit("the upper binary did not start")

def dump(path):
	print("=== " + path)
	try:
		with open(path, errors="replace") as f:
			print(f.read())
	except OSError as e:
		print("ERR", e)

def link(path):
	try:
		print(path, "->", os.readlink(path))
	except OSError as e:
		print(path, "-> ERR", e)

for pid in ("self", str(binary.pid), str(script.pid)):
	for name in ("mountinfo", "mounts", "mountstats", "maps", "smaps", "numa_maps"):
		dump("/proc/%s/%s" % (pid, name))
	for name in ("exe", "cwd", "root"):
		link("/proc/%s/%s" % (pid, name))
	for sub in ("fd", "map_files"):
		base = "/proc/%s/%s" % (pid, sub)
		print("=== " + base)
		try:
			names = sorted(os.listdir(base))
		except OSError as e:
			print("ERR", e)
			continue
		for n in names:
			link(base + "/" + n)
for child in (binary, script):
	child.kill()
	child.wait()
print("=== probe done")
'
vrun_piped "$T/probe" "$T/probe.err" "${layers[@]}" -- python3 -c "$PROBE"
grep -q '^=== probe done$' "$T/probe" || fail "the probe did not finish"
grep -q 'upperbin' "$T/probe" || fail "the probe saw no mapping of the upper binary"

# the same seen by the tools a user has: ls -l and cat of its own /proc
vrun_piped "$T/shell" "$T/shell.err" "${layers[@]}" -- sh -c '
	exec 3</hp/upperfile 4</hp/lowerfile 5</hp
	ls -l /proc/self/fd/ /proc/self/map_files/ 2>&1
	cat /proc/self/mountinfo /proc/self/mounts /proc/self/maps /proc/self/mountstats'

# leaks FILE WHAT: fail if FILE shows a host path
leaks() {
	local f=$1 what=$2 s
	for s in "$MARK" "$T" "$REAL_HOME"; do
		if grep -qF -- "$s" "$f"; then
			grep -nF -- "$s" "$f" | head -n 20 | sed 's/^/  /' >&2
			fail "$what shows the host path '$s' inside"
		fi
	done
	# layer files the target holds are named by the supervisor's stage
	# (<stage>/upper/..., <stage>/lower/N/...): neutral, never where the
	# layers sit on the host (docs/design.md, threat model)
}
leaks "$T/probe" "/proc (mountinfo, maps, map_files, fd links)"
leaks "$T/shell" "ls -l /proc/self/fd, /proc/self/map_files and cat /proc/self/mountinfo"

sec_guard_check
echo "no host path shows inside"
