#!/bin/bash
# finding: 1 (the supervisor follows links planted in the view)
# invariant: the supervisor never follows a link it did not resolve: whatever the target plants, by whatever route, rendering never creates anything on the host, and a plant that worked landed in the union
# attack: by every route to a directory of the view ('..' out of /proc and /dev/shm, O_PATH and O_DIRECTORY fds of a union directory with renameat/symlinkat/mkdirat, /proc/self/cwd, /proc/self/root, /proc/self/fd/N, /dev/fd/N), move a rendered directory (a former cwd) away and plant a symlink to a host directory in its place, then make the supervisor render under it (chdir, exec, O_PATH and directory opens, mkfifo and open)
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3
U=$T/upper
sec_allow "$U"
HOSTDIR=$T/host-target
mkdir -p "$HOSTDIR"
sec_guard_start /
trap sec_cleanup_markers EXIT

# shellcheck disable=SC2016
PLANT='
import errno, os, stat, subprocess, sys
host, subname, mark = sys.argv[1], sys.argv[2], sys.argv[3]
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
def plain(p):
	try:
		return stat.filemode(os.lstat(p).st_mode)[0]
	except OSError as e:
		return name(e)
def attempt(what, fn):
	try:
		r = fn()
		if isinstance(r, int) and r > 2:
			os.close(r)
	except (OSError, subprocess.SubprocessError) as e:
		print("  %s: %s" % (what, name(e) if isinstance(e, OSError) else "exit"))
		return
	print("  %s: ok" % what)

os.chdir("/")
root_opath = os.open("/", os.O_PATH | os.O_DIRECTORY)
root_dir = os.open("/", os.O_RDONLY | os.O_DIRECTORY)
routes = [
	("dotdot-proc", None, "/proc/self/../../"),
	("dotdot-devshm", None, "/dev/shm/../../"),
	("opath-dirfd", root_opath, ""),
	("dir-dirfd", root_dir, ""),
	("proc-cwd", None, "/proc/self/cwd/../../"),
	("proc-root", None, "/proc/self/root/"),
	("proc-fd", None, "/proc/self/fd/%d/" % root_opath),
	("dev-fd", None, "/dev/fd/%d/" % root_dir),
]
for i, (route, fd, prefix) in enumerate(routes):
	os.chdir("/")
	p = "P%d-%s" % (i, mark)
	sub = "/%s/%s" % (p, subname)
	os.makedirs(sub + "/d-" + mark)
	with open(sub + "/f-" + mark, "w") as f:
		f.write("union file\n")
	with open(sub + "/x-" + mark, "w") as f:
		f.write("#!/bin/sh\nexit 0\n")
	os.chmod(sub + "/x-" + mark, 0o755)
	# /P/SUB is the cwd (rendered in the view); /P of the view is moved
	# away and replaced by a link to the host directory that holds SUB: a
	# render of SUB/NAME that follows it makes HOST/SUB/NAME
	os.chdir(sub)
	os.lstat("f-" + mark)               # a relative lookup from the cwd
	print("route %s %s" % (route, p))
	attempt("rename", lambda: os.rename(prefix + p, prefix + p + ".old",
					    src_dir_fd=fd, dst_dir_fd=fd))
	attempt("mkdirat", lambda: os.mkdir(prefix + "mk-" + p, dir_fd=fd))
	attempt("symlinkat", lambda: os.symlink(host, prefix + p, dir_fd=fd))
	print("  plain: %s" % plain("/" + p))
	# make the supervisor render under the name, relative to the cwd
	attempt("exec", lambda: subprocess.run(["./x-" + mark], check=True))
	attempt("opath-file", lambda: os.open("f-" + mark, os.O_PATH))
	attempt("opath-dir", lambda: os.open("d-" + mark, os.O_PATH | os.O_DIRECTORY))
	attempt("open-dir", lambda: os.open("d-" + mark, os.O_RDONLY | os.O_DIRECTORY))
	attempt("mkfifo", lambda: os.mkfifo("fifo-" + mark))
	attempt("open-fifo", lambda: os.open("fifo-" + mark, os.O_RDONLY | os.O_NONBLOCK))
	attempt("symlink", lambda: os.symlink("d-" + mark, "ln-" + mark))
	attempt("chdir-link", lambda: os.chdir("ln-" + mark))
	attempt("chdir", lambda: os.chdir("d-" + mark))
	attempt("opath-up", lambda: os.open("../f-" + mark, os.O_PATH))
print("=== done")
'

problems=()
# where the planted symlinks point, and the name under it that exists
# on the host: a directory of the scratch tree outside the upper, and
# the parent of the real home (so that a render that follows the link
# makes a name in the home, as in the issue)
mkdir -p "$HOSTDIR/sub"
k=0
for target in "$HOSTDIR:sub" "$(dirname "$REAL_HOME"):$(basename "$REAL_HOME")"; do
	k=$((k + 1))
	vrun_ok "$T/plant" "$T/plant.err" --upper "$U" -- \
		python3 -c "$PLANT" "${target%%:*}" "${target#*:}" "${SEC_MARK}t$k"
	cat "$T/plant"
	grep -q '^=== done$' "$T/plant" || fail "the plant attacks did not finish"
	# a symlink that was made is in the union, not only in the view
	route=
	while IFS= read -r line; do
		case $line in
		"route "*) route=${line#route } ;;
		"  symlinkat: ok") made=1 ;;
		"  symlinkat: "*) made=0 ;;
		"  plain: "*)
			if [ "$made" = 1 ] && [ "$line" != "  plain: l" ]; then
				problems+=("$route: a symlink made through it is not in the union (${line#  }): it went into the view")
			fi
			;;
		esac
	done <"$T/plant"
	hits=$(sec_marker_hits)
	if [ -n "$hits" ]; then
		printf '%s\n' "$hits" | head -n 20 | while IFS= read -r h; do ls -ld "$h"; done >&2
		problems+=("rendering followed a planted symlink to ${target%%:*} (ESCAPE)")
	fi
	sec_cleanup_markers
done

if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	fail "${problems[0]}"
fi
sec_guard_check
echo "no planted link is followed by the supervisor"
