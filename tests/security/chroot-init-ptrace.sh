#!/bin/bash
# finding: chroot inside (issue 10): the sandbox's init chrooted by the target
# invariant: the supervisor takes nothing about the sandbox from init's root, which the target can change (it may ptrace init): the terminal still reads as /dev/console, directories opened are the union's, /proc/1/root/... follows init's root as the kernel does, nothing lands outside the union, the sandbox's /dev/shm or a --bind, and veneer still exits with the command's status
# attack: on a pseudo-terminal, ptrace the sandbox's init (pid 1) and make it chroot into /dev/shm (a root the supervisor cannot resolve), then into a union directory; after each, read the terminal's name through /proc/self/fd/0, list a directory, create, mkdir and plant a symlink to the host home through /proc/1/root and /proc/1/root/../.., write a lower file through /proc/1/root, copy a lower file up while another process holds it open, and exit with a status of its own
source "$(dirname "$0")/lib.sh"
unless_hostroot "chroot (root inside)"
require_veneer
sec_race_setup vt-chroot
put "$LOW/lw/held" "held lower file"
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT
M=$SEC_MARK

# on_pty OUT ARG...: run ARG... on a new pseudo-terminal (stdin, stdout
# and stderr), its output to OUT; the exit status is the command's
cat >"$T/on-pty.py" <<'EOF'
import os, pty, select, sys, time
out = open(sys.argv[1], "wb")
pid, master = pty.fork()
if pid == 0:
	os.execvp(sys.argv[2], sys.argv[2:])
deadline = time.time() + 120
while time.time() < deadline:
	r, _, _ = select.select([master], [], [], 1)
	if r:
		try:
			data = os.read(master, 4096)
		except OSError:
			break
		if not data:
			break
		out.write(data)
else:
	os.kill(pid, 9)
	sys.exit(124)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
EOF
on_pty() {
	local out=$1
	shift
	set +e
	"$PY" "$T/on-pty.py" "$out" "$@"
	VRC=$?
	set -e
	tr -d '\r' <"$out" >"$out.txt"
}

# ROOT (init's new root) LABEL: what every run tries after the chroot
# shellcheck disable=SC2016
INSIDE='
M=$1 PLANT=$2 ROOT=$3 L=$4
mkdir -p /cr /dev/shm/held || exit 3
exec 7</lw/held
/w/vt-chroot inject 1 "$ROOT" || exit 4
echo "init-root: $(readlink /proc/1/root)"
echo "tty: $(readlink /proc/self/fd/0)"
echo "ls-etc: $(ls /etc | grep -cx passwd)"
try() {
	for last; do :; done
	if "$@" 2>/dev/null; then echo "$L|$1|$last|ok"; else echo "$L|$1|$last|failed"; fi
}
try touch "/proc/1/root/$M-$L-creat"
try mkdir "/proc/1/root/$M-$L-mkdir"
try ln -s "$PLANT" "/proc/1/root/$M-$L-plant"
try touch "/proc/1/root/../../$M-$L-dotdot"
try mkdir "/proc/1/root/../../$M-$L-dotdotmkdir"
try sh -c "echo $M >>/proc/1/root/lw/file" /proc/1/root/lw/file
try sh -c "echo $M >>/proc/1/root/../../lw/file" /proc/1/root/../../lw/file
try sh -c "echo $M >>/lw/held" /lw/held
echo "held-after: $(cat <&7)"
ls /dev/shm | sed "s/^/shm: /"
exit 7
'
for root in /dev/shm /cr; do
	label=shm
	[ "$root" = /cr ] && label=cr
	on_pty "$T/out-$label" "$VENEER" run --upper "$U" --lower "$LOW" --lower / --bind "$W:/w" --chdir / -- \
		sh -c "$INSIDE" sh "$M" "$REAL_HOME" "$root" "$label"
	sed 's/^/# /' "$T/out-$label.txt"
	[ "$VRC" = 7 ] || fail "init chrooted into $root: veneer exited $VRC, not the command's 7"
	grep -qx "inject chroot($root) = 0" "$T/out-$label.txt" ||
		fail "the chroot injected into init did not work ($root)"
	grep -qx "init-root: $root" "$T/out-$label.txt" || fail "init's root is not $root"
	grep -qx "tty: /dev/console" "$T/out-$label.txt" ||
		fail "init chrooted into $root: the terminal does not read as /dev/console"
	grep -qx "ls-etc: 1" "$T/out-$label.txt" ||
		fail "init chrooted into $root: a directory listed is not the union's"
	grep -q "^held-after: held lower file" "$T/out-$label.txt" ||
		fail "init chrooted into $root: a file held open did not keep reading the lower's data"
done

# where the creates went: init's root /dev/shm is the sandbox's own (no
# trace on the host, which the guard checks); /proc/1/root/../.. climbs
# out of it into the view (the kernel's walk: read-only); under a union
# root, into the union
bad=0
while IFS='|' read -r label call path result; do
	[ "$result" = ok ] || continue
	case $label,$call,$path in
	shm,sh,/lw/held | cr,sh,/lw/held)
		[ -f "$U/lw/held" ] && continue
		;;
	cr,sh,*/lw/file)
		[ -f "$U/lw/file" ] && continue
		;;
	shm,*,/proc/1/root/$M-*)
		grep -qx "shm: ${path#/proc/1/root/}" "$T/out-shm.txt" && continue
		;;
	cr,*)
		[ -n "$(find "$U" -name "${path##*/}" -print -quit)" ] && continue
		;;
	esac
	echo "  made outside the union and /dev/shm (the view?): $label $call $path" >&2
	bad=1
done < <(cat "$T/out-shm.txt" "$T/out-cr.txt" | grep '^[a-z]*|')
[ "$bad" = 0 ] || fail "a create through init's root landed outside the union (lines above)"
# under a union root, /proc/1/root is that directory of the union
[ -e "$U/cr/$M-cr-creat" ] || fail "/proc/1/root/NAME under init's chroot into /cr did not make /cr/NAME in the union"
[ "$(cat "$LOW/lw/file")" = "lower file" ] || fail "the lower file changed"
sec_guard_check
