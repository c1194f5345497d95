#!/bin/bash
# finding: 1 (escape through the view: '..' out of passthrough mounts)
# invariant: the target cannot write the view: '..' out of /proc, /dev, /dev/shm, /dev/pts, /sys or a --bind leads back into the union, where a create lands (visible at the plain path and in the upper) or fails with EROFS/EACCES, never in the view tmpfs, never on the host
# attack: '..' past the root of every passthrough mount, then mkdir, open O_CREAT, symlink, mkfifo, rename, chdir there and create relative names; and the issue's reproduction (replace a rendered directory of the view by a symlink to the host's /home, then cd -P through a planted link), with bash and with busybox
source "$(dirname "$0")/lib.sh"
unless_hostroot "--bind or mounts of its own, whose '..' routes the attack takes (a mutation of a host path is EPERM there: t-hostroot)"
require_veneer
require_cmd python3
U=$T/upper
B=$T/bindsrc
B2=$T/bindsrc2
mkdir -p "$B" "$B2"
sec_allow "$U" "$B" "$B2"
sec_guard_start /
trap sec_cleanup_markers EXIT
M=$SEC_MARK
binds=(--bind "$B:/vnsec-b" --bind "$B2:/vnsec-nest/deep")
# a bind two levels down, whose parents the union has (so that '..' from
# it has somewhere to go in the union)
vrun_ok "$T/o" "$T/e" --upper "$U" -- mkdir -p /vnsec-nest/deep

# every route that climbs out of a passthrough mount to the root
ROUTES="/proc/self/../.. /proc/1/../.. /proc/../ /dev/.. /dev/shm/../.. /dev/pts/../.. /sys/.. /vnsec-b/.. /vnsec-nest/deep/../.."

# shellcheck disable=SC2016
CREATES='
import errno, os, stat, sys
routes, mark = sys.argv[1].split(), sys.argv[2]
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
def plain(n):
	"""what the plain route (the union, through the supervisor) shows"""
	try:
		st = os.lstat("/" + n)
	except OSError as e:
		return "plain=" + name(e)
	return "plain=" + stat.filemode(st.st_mode)[0]
def try_op(op, route, n, fn):
	try:
		fn()
	except OSError as e:
		print("%s %s %s: %s" % (op, route, n, name(e)))
		return
	print("%s %s %s: ok %s" % (op, route, n, plain(n)))
for i, r in enumerate(routes):
	tag = "%s-%d" % (mark, i)
	try_op("mkdir", r, "d-" + tag, lambda: os.mkdir(r + "/d-" + tag))
	try_op("creat", r, "f-" + tag,
	       lambda: os.close(os.open(r + "/f-" + tag, os.O_CREAT | os.O_WRONLY, 0o644)))
	try_op("symlink", r, "l-" + tag, lambda: os.symlink("/PWNED", r + "/l-" + tag))
	try_op("mkfifo", r, "p-" + tag, lambda: os.mkfifo(r + "/p-" + tag))
	# a directory of the union, rendered in the view (the cwd once), renamed
	os.mkdir("/mvsrc-" + tag)
	os.chdir("/mvsrc-" + tag)
	os.chdir("/")
	try_op("rename", r, "mvdst-" + tag,
	       lambda: os.rename(r + "/mvsrc-" + tag, r + "/mvdst-" + tag))
	print("rename-source %s mvsrc-%s: %s" % (r, tag, plain("mvsrc-" + tag)))
	# cd there, then relative names
	try:
		os.chdir(r)
	except OSError as e:
		print("chdir %s: %s" % (r, name(e)))
		continue
	try_op("rel-mkdir", r, "rd-" + tag, lambda: os.mkdir("rd-" + tag))
	try_op("rel-creat", r, "rf-" + tag,
	       lambda: os.close(os.open("rf-" + tag, os.O_CREAT | os.O_WRONLY, 0o644)))
	try_op("rel-symlink", r, "rl-" + tag, lambda: os.symlink("/PWNED", "rl-" + tag))
	try_op("rel-mkfifo", r, "rp-" + tag, lambda: os.mkfifo("rp-" + tag))
	os.chdir("/")
print("=== done")
'
vrun_ok "$T/creates" "$T/creates.err" --upper "$U" "${binds[@]}" -- \
	python3 -c "$CREATES" "$ROUTES" "$M"
cat "$T/creates"
grep -q '^=== done$' "$T/creates" || fail "the create attacks did not finish"

# every create either landed in the union (the plain route shows it, the
# upper has it) or was refused with EROFS or EACCES
bad=0
while IFS= read -r line; do
	case $line in
	"=== done") continue ;;
	rename-source*)
		# a rename that worked moved the union's directory: the
		# source is gone from the union, or it is still there
		# because the rename failed
		continue
		;;
	esac
	n=$(printf '%s\n' "$line" | sed -n 's/^[a-z-]* [^ ]* \([^ :]*\): .*/\1/p')
	result=${line#*: }
	case $result in
	"ok plain=-" | "ok plain=d" | "ok plain=l" | "ok plain=p")
		if ! [ -e "$U/$n" ] && ! [ -L "$U/$n" ]; then
			echo "  not in the upper: $line" >&2
			bad=1
		fi
		;;
	ok*)
		echo "  made, but not in the union (the view?): $line" >&2
		bad=1
		;;
	EROFS | EACCES) ;;
	*)
		echo "  unexpected answer: $line" >&2
		bad=1
		;;
	esac
done <"$T/creates"
# (the reproduction below runs all the same: it is the acid test)
problems=()
[ "$bad" = 0 ] || problems+=("a create through '..' out of a passthrough mount did not land in the union (lines above)")
# a rename either happened in the union or not at all
while IFS= read -r line; do
	r=$(printf '%s\n' "$line" | cut -d' ' -f2)
	tag=${line#* mvsrc-}
	tag=${tag%%:*}
	dst=$(grep -F "rename $r mvdst-$tag: " "$T/creates" | sed 's/.*: //')
	case $dst in
	"ok plain=d")
		[ "$line" = "rename-source $r mvsrc-$tag: plain=ENOENT" ] ||
			problems+=("a rename through $r left its source in the union")
		;;
	EROFS | EACCES)
		[ "$line" = "rename-source $r mvsrc-$tag: plain=d" ] ||
			problems+=("a refused rename through $r changed the union")
		;;
	esac
done < <(grep '^rename-source ' "$T/creates")

# the issue's reproduction: replace a rendered directory of the view by
# a symlink to the parent of the host home, then cd -P through a link
# planted in the union whose name makes the supervisor render
# <home parent>/<user>/L-MARK on the host
HOME_PARENT=$(dirname "$REAL_HOME")
HOME_BASE=$(basename "$REAL_HOME")
reproduce() { # TAG SHELL-COMMAND... (a sh -c)
	local i=0 r z tag=$1
	shift
	for r in $ROUTES; do
		z=zz-$M-$tag$i
		"$VENEER" run --upper "$U" "${binds[@]}" -- "$@" "
			mkdir -p /$z/$HOME_BASE && ln -s /PWNED /$z/$HOME_BASE/L-$M-$i &&
			cd /$z/$HOME_BASE && ls L-$M-$i >/dev/null 2>&1
			mv $r/$z $r/$z.old; ln -s $HOME_PARENT $r/$z; cd -P L-$M-$i; true" \
			</dev/null >"$T/repro.out" 2>&1 || true
		if [ -e "$REAL_HOME/L-$M-$i" ] || [ -L "$REAL_HOME/L-$M-$i" ]; then
			ls -la "$REAL_HOME/L-$M-$i" >&2
			problems+=("$1: the issue's reproduction through $r made a symlink in the host home (ESCAPE)")
		fi
		i=$((i + 1))
	done
}
reproduce b bash -c
if command -v busybox >/dev/null 2>&1; then
	reproduce x busybox sh -c
else
	note "busybox is not installed: its variant of the reproduction skipped"
fi

if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	sec_guard_check
	fail "${problems[0]}"
fi
sec_guard_check
echo "'..' out of every passthrough mount leads back into the union"
