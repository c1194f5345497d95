#!/bin/bash
# finding: chroot inside (issue 10): a continued chroot, whose path the kernel reads again, and roots the supervisor cannot resolve in
# invariant: whatever root a process ends up with, also one that changes under its calls (the one checked, or any directory a racing thread swaps into chroot's path: a passthrough mount, a --bind, a removed directory, a view directory whose name ends in " (deleted)" or holds a newline), its later calls make nothing in the view, on the host or in a lower: a create lands in the union, in the sandbox's /dev/shm or in a --bind, or fails
# attack: chroot directly into /dev/shm, /proc, /sys, /proc/1/root/dev, a --bind, a removed directory (/proc/PID/cwd of a holder), "/d (deleted)", a name with a newline and a union directory; then, 200 times each, race chroot's path between a union directory and each of those; after every root that is not the checked one, create by absolute and cwd-relative names (the cwd left outside the root), write and create in a lower directory, create, mkdir and plant a symlink to the host home through /proc/1/root and /proc/self/../.. (an fd kept from before the chroot), and climb out by chdir("../../..") from the cwd (the classic escape) and create there; last, a thread switches the root between a union directory and /dev/shm, and a --bind (fchdir to a kept fd, chroot ".") under another's creates, mkdirs and symlinks by absolute, relative and '..' names
source "$(dirname "$0")/lib.sh"
unless_hostroot "chroot (root inside)"
require_veneer
sec_race_setup vt-chroot
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT
M=$SEC_MARK
TRIES=${VENEER_SEC_CHROOT_TRIES:-200}

# inside: the roots to try (a holder keeps a removed directory as its
# cwd), lw/file rendered in the view (so that a kernel-resolved write
# finds the read-only bind, not nothing), then each root directly and raced
# shellcheck disable=SC2016
INSIDE='
M=$1 PLANT=$2 TRIES=$3
nl="
"
mkdir -p /cr "/cr2 (deleted)" "/cr3${nl}x" /gone || exit 3
python3 -c "import os; os.close(os.open(\"/lw/file\", os.O_PATH))" || exit 3
(cd /gone && rmdir /gone && exec sleep 600) &
HOLD=$!
for _ in $(seq 50); do
	case $(readlink /proc/$HOLD/cwd) in *"(deleted)") break ;; esac
	sleep 0.1
done
case $(readlink /proc/$HOLD/cwd) in *"(deleted)") ;; *) echo "no removed cwd"; exit 3 ;; esac
i=0
for root in /dev/shm /proc /sys /proc/1/root/dev /w "/proc/$HOLD/cwd" "/cr2 (deleted)" "/cr3${nl}x" /cr; do
	echo "=== direct $i"
	/w/vt-chroot race 1 "$M-d$i" "$PLANT" "$root" "$root" || exit 4
	if [ "$root" != /cr ]; then
		echo "=== race $i"
		/w/vt-chroot race "$TRIES" "$M-r$i" "$PLANT" /cr "$root" || exit 4
	fi
	i=$((i + 1))
done
kill $HOLD
# a thread switches the root (fchdir, chroot ".") under the calls of another
echo "=== flip shm"
/w/vt-chroot flip "$TRIES" "$M-fs" "$PLANT" /cr /dev/shm || exit 4
echo "=== flip bind"
/w/vt-chroot flip "$TRIES" "$M-fb" "$PLANT" /cr /w || exit 4
echo "=== done"
'
vrun_ok "$T/out" "$T/err" --upper "$U" --lower "$LOW" --lower / --bind "$W:/w" --chdir / -- \
	sh -c "$INSIDE" sh "$M" "$REAL_HOME" "$TRIES"
grep -q '^=== done$' "$T/out" || fail "the attacks did not finish"
grep -E '^(=== |race )' "$T/out" | sed 's/^/# /'

# every create that worked is in the union (the upper has it), in the
# --bind, or was made in the sandbox's /dev/shm (by an absolute name under
# a root there, or listed there by a flip); a write to lw/file that
# worked went to the union's copy
# every name in the upper and the --bind, and in the flips' second roots
declare -A seen
while IFS= read -r n; do
	seen[$n]=1
done < <(find "$U" "$W" -printf '%f\n'; sed -n 's/^dir: //p' "$T/out")
bad=0 root= won=0 section=
while IFS= read -r line; do
	case $line in
	"=== "*)
		root=
		section=${line#=== }
		section=${section%% *}
		;;
	"flip tries="*) note "$line" ;;
	"race tries="*)
		w=${line#*won=}
		[ "$section" = race ] && won=$((won + ${w%% *}))
		;;
	t[0-9]*" root="*) root=${line#* root=} ;;
	t[0-9]*": ok")
		probe=$(printf '%s\n' "$line" | cut -d' ' -f2)
		name=$(printf '%s\n' "$line" | cut -d' ' -f3)
		name=${name%:}
		case $probe in
		*lower-write)
			[ -f "$U/lw/file" ] && continue
			;;
		*)
			[ -n "${seen[$name]:-}" ] && continue
			case $root,$probe in
			/dev/shm,abs-*) continue ;;
			esac
			;;
		esac
		echo "  root $root: made, but not in the union, the --bind or /dev/shm (the view?): $line" >&2
		bad=1
		;;
	esac
done <"$T/out"
[ "$bad" = 0 ] || fail "a create from a chroot landed outside the union (lines above)"
# the race was run, not only tried: some raced chroots took the
# swapped-in path, not the one the supervisor checked
[ "$won" -gt 0 ] || fail "no raced chroot took another root than the checked one"
note "raced chroots that took the swapped-in root: $won"
# the direct roots behave as the kernel's: a chroot into /dev/shm makes
# there, the union's root keeps creates in the union
grep -q "^t0 abs-creat $M-d0-t0-abscreat: ok$" "$T/out" ||
	fail "a create under a root in /dev/shm did not work"
grep -q "^t0 abs-creat $M-d8-t0-abscreat: ok$" "$T/out" && [ -e "$U/cr/$M-d8-t0-abscreat" ] ||
	fail "a create under a chroot into a union directory did not land there in the union"
[ "$(cat "$LOW/lw/file")" = "lower file" ] || fail "the lower file changed"
sec_guard_check
