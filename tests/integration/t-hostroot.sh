#!/bin/bash
# The rung without a user namespace, --backend notify-hostroot: the
# target sees the host's root with the union's paths answered.  Real
# tools over a lower of our own and the host: read a lower file, change
# it (the copy goes to the upper), remove one (a whiteout), make and
# enter a new directory (pwd, /bin/pwd, getcwd of python, the
# /proc/self/cwd link all say its union path), run a "#!" script and an
# interpreter that live only in the upper, and a venv made inside.  The
# environment is the caller's own login one (HOME, USER, LOGNAME from
# its passwd entry, a user's PATH), as the target runs as the caller.
# Writes the kernel would walk itself for the target are refused by
# Landlock: through the host's /proc (a passthrough) into the lower's
# real path, and an exec'd program writing to the lower's real path
# straight.  Afterwards the lower is unchanged (snapshot), the host has
# nothing of the sandbox's, and the throwaway upper and the skeleton are
# gone.  And the rung refuses what it cannot give (--bind) in one line.
# Under the ptrace setup (VENEER_BACKEND=ptrace) all of it runs on the
# ptrace rung instead, which has the same layout.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3 sha256sum
require_prog vt-stubswap
rung=notify-hostroot line=hostroot
! on_ptrace || rung=ptrace line=ptrace
grep -q "^$line *usable" <<<"$("$VENEER" doctor 2>/dev/null)" ||
	skip "$rung cannot run here: $("$VENEER" doctor 2>/dev/null | grep "^$line")"

L=$T/lower U=$T/upper
mkdir -p "$L/data/keep" && echo lower >"$L/data/f" && echo gone >"$L/data/g"
before=$(snapshot "$L")

hostroot() { "$VENEER" run --backend "$rung" "$@"; }

hostroot --lower "$L" --lower / --upper "$U" -- sh -c '
	set -e
	cat /data/f
	echo changed >> /data/f
	rm /data/g
	mkdir -p /data/new/sub && cd /data/new/sub
	pwd; /bin/pwd; readlink /proc/self/cwd
	python3 -c "import os; print(os.getcwd())"
	printf "#!/bin/sh\necho script \$0 \$1\n" > /data/s.sh && chmod +x /data/s.sh
	/data/s.sh arg
	mkdir /data/bin && ln -s /bin/sh /data/bin/mysh
	printf "#!/data/bin/mysh\necho interp \$0\n" > /data/t.sh && chmod +x /data/t.sh
	cd /data && ./t.sh
	python3 -m venv --without-pip /data/venv
	/data/venv/bin/python -c "import sys; print(sys.prefix)"
	ls /data | tr "\n" " "; echo
' >"$T/out" 2>"$T/err" || fail "the run failed: $(cat "$T/out" "$T/err")"
assert_eq "lower
/data/new/sub
/data/new/sub
/data/new/sub
/data/new/sub
script /data/s.sh arg
interp ./t.sh
/data/venv
bin f keep new s.sh t.sh venv " "$(cat "$T/out")" "what the tools saw"
assert_eq "lower
changed" "$(cat "$U/data/f")" "the copy in the upper"
[ -e "$U/data/.wh.g" ] || [ -c "$U/data/g" ] || fail "no whiteout of /data/g in the upper"

hostroot -- env >"$T/env" 2>"$T/err" || fail "env: $(cat "$T/err")"
assert_eq "HOME=$(getent passwd "$MY_UID" | cut -d: -f6)
LOGNAME=$(id -un)
PATH=/usr/local/bin:/usr/bin:/bin:/usr/local/games:/usr/games
USER=$(id -un)" "$(grep -E '^(HOME|LOGNAME|PATH|USER)=' "$T/env" | sort)" "the caller's login environment"

# writes the kernel walks for the target: Landlock refuses them
cat >"$T/write.py" <<PYEOF
import os, sys
for p in sys.argv[1:]:
    try:
        with open(p, "a") as f:
            f.write("pwned\n")
        print("wrote", p)
    except OSError as e:
        print("refused", p, e.errno)
PYEOF
shm=/dev/shm/veneer-hostroot-$$
hostroot --lower "$L" --lower / --upper "$U" -- sh -c "
	python3 $T/write.py /proc/self/root$L/data/f /proc/self/root$L/data/new-file $shm
" >"$T/out" 2>"$T/err" || fail "the attack run failed: $(cat "$T/err")"
# through /proc/self/root the union answers (the copy goes to the upper);
# /dev is the host's, walked by the kernel: Landlock refuses
assert_eq "wrote /proc/self/root$L/data/f
wrote /proc/self/root$L/data/new-file
refused $shm 13" "$(cat "$T/out")" "the writes"
[ ! -e "$shm" ] || { rm -f "$shm"; fail "the sandbox wrote $shm on the host"; }
assert_eq "$before" "$(snapshot "$L")" "the lower changed"
[ ! -e "$L/data/new-file" ] || fail "a file was made in the lower"
grep -q pwned "$U$L/data/f" || fail "the write through /proc/self/root did not reach the upper"

# the red team's ways to change host metadata or contents without a
# view, each refused: a file the union no longer names linked back
# (B1), chmod through a path that climbs out of /sys (B2), fchmod and
# fsetxattr of an injected lower fd whose name is gone (B3), chmod of
# /proc/self/exe (B4), chattr by ioctl (B5), a signal to a host process
# (B9).  The victims (a host file, reached through lower /, whose union
# name the attack removes first; the lower's file) keep mode, times,
# xattrs and contents
V=$T/host-victim
echo host >"$V"
chmod 644 "$V"
vsnap=$(stat -c '%a %Y %s' "$V" "$L/data/f"; sha256sum "$V" "$L/data/f"; getfattr -d "$V" "$L/data/f" 2>/dev/null)
sleep 1000 &
victim_pid=$!
cat >"$T/attack.py" <<PYEOF
import ctypes, fcntl, os, signal, struct
def attempt(name, f):
    try:
        f(); print(name, "done")
    except OSError as e:
        print(name, "refused")
fd = os.open("$V", os.O_RDONLY)
os.unlink("$V")
attempt("link", lambda: os.link("/proc/self/fd/%d" % fd, "$T/alias"))
attempt("fchmod", lambda: os.fchmod(fd, 0o777))
attempt("fsetxattr", lambda: os.setxattr(fd, "user.pwned", b"1"))
attempt("chattr", lambda: fcntl.ioctl(fd, 0x40086602, struct.pack("l", 0x80)))
attempt("climb", lambda: os.chmod("/sys/kernel/../..$V", 0o777))
attempt("exe", lambda: os.chmod("/proc/self/exe", 0o777))
attempt("signal", lambda: os.kill($victim_pid, signal.SIGTERM))
PYEOF
hostroot --lower "$L" --lower / --upper "$T/upper2" -- python3 "$T/attack.py" >"$T/out" 2>"$T/err" ||
	fail "the attack run failed: $(cat "$T/err")"
kill -0 "$victim_pid" 2>/dev/null || fail "the sandbox killed a host process"
kill "$victim_pid"
assert_eq "link refused
fchmod refused
fsetxattr refused
chattr refused
climb refused
exe refused
signal refused" "$(cat "$T/out")" "the attacks"
assert_eq "$vsnap" "$(stat -c '%a %Y %s' "$V" "$L/data/f"; sha256sum "$V" "$L/data/f"; getfattr -d "$V" "$L/data/f" 2>/dev/null)" \
	"the host's and the lower's files"
assert_eq "$before" "$(snapshot "$L")" "the lower changed"

# the second red team's: an fd call checked on a pipe while another
# thread dup2()s a lower file over it (the kernel would look the fd up
# again), and metadata of a host file the caller owns (/dev/shm) through
# a read-only fd, and the inode version by ioctl: each refused or made on
# the checked file; the lower's files and the host's keep mode, times
# and xattrs
require_prog vt-fdswap
S=$T/swap
mkdir -p "$S/f"
for i in $(seq 0 59); do echo "$i" >"$S/f/$i"; done
swap_before=$(snapshot "$S")
for op in chmod xattr times; do
	hostroot --lower "$S" --lower / --upper "$T/swap-upper" -- "$PROGS/vt-fdswap" /f 60 "$op" \
		>"$T/out" 2>&1 || fail "vt-fdswap $op: $(cat "$T/out")"
done
assert_eq "$swap_before" "$(snapshot "$S")" "the lower's files after the fd swap race"
shm_victim=/dev/shm/veneer-hostroot-victim-$$
echo host >"$shm_victim"
chmod 600 "$shm_victim"
shm_before=$(stat -c '%a %Y %u' "$shm_victim"; getfattr -d "$shm_victim" 2>/dev/null)
cat >"$T/meta.py" <<'PYEOF'
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
for name, f in [("fchmod", lambda: os.fchmod(fd, 0o644)),
                ("fsetxattr", lambda: os.setxattr(fd, "user.vt", b"1")),
                ("futimens", lambda: os.utime(fd, (1, 1))),
                ("fchown", lambda: os.fchown(fd, os.getuid(), os.getgid())),
                ("setversion", lambda: fcntl.ioctl(os.open(sys.argv[2], os.O_RDONLY), 0x40087602, b"\0" * 8))]:
    try:
        f(); print(name, "done")
    except OSError as e:
        print(name, "refused")
PYEOF
hostroot --lower "$S" --lower / --upper "$T/swap-upper" -- python3 "$T/meta.py" "$shm_victim" /f/0 \
	>"$T/out" 2>&1 || fail "the metadata run: $(cat "$T/out")"
shm_after=$(stat -c '%a %Y %u' "$shm_victim"; getfattr -d "$shm_victim" 2>/dev/null)
rm -f "$shm_victim"
assert_eq "fchmod refused
fsetxattr refused
futimens refused
fchown refused
setversion refused" "$(cat "$T/out")" "metadata through an fd of a host file, and the inode version"
assert_eq "$shm_before" "$shm_after" "the host's /dev/shm file"
assert_eq "$swap_before" "$(snapshot "$S")" "the lower's files after the ioctl"

# and a connect whose address another thread flips between a host
# socket's path and an abstract name: the host's listener sees nothing
require_prog vt-connect-race
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(64); s.settimeout(30)
open(sys.argv[2], "w").close()
try:
    while True:
        c, _ = s.accept(); open(sys.argv[2], "a").write("connection\n")
except OSError:
    pass
' "$T/hs.sock" "$T/hs.log" &
listener=$!
for _ in $(seq 100); do [ -e "$T/hs.log" ] && break; sleep 0.05; done
hostroot -- "$PROGS/vt-connect-race" "$T/hs.sock" 20000 >"$T/out" 2>&1 ||
	fail "vt-connect-race: $(cat "$T/out")"
kill "$listener" 2>/dev/null || true
wait "$listener" 2>/dev/null || true
assert_eq "direct: Connection refused
raced: refused" "$(cat "$T/out")" "a connect raced to a host socket"
assert_eq "" "$(cat "$T/hs.log")" "what the host's listener got"

# nothing left behind: the skeleton (in the upper's state directory) and
# a throwaway upper
[ ! -e "$U/.wh..wh..veneer/view" ] || fail "the skeleton was left in the upper"
# (in TMPDIR when that is a tmpfs, as this directory on /dev/shm is)
shm=$(mktemp -d /dev/shm/t-hostroot.XXXXXX)
TMPDIR=$shm hostroot -- sh -c 'echo x > /tmp/throwaway-check; cat /tmp/throwaway-check' \
	>"$T/out" 2>&1 || fail "a run with a throwaway upper: $(cat "$T/out")"
assert_eq x "$(cat "$T/out")" "a run with a throwaway upper"
ls -d "$shm"/veneer-upper-* >/dev/null 2>&1 && fail "the throwaway upper was left"
[ ! -e /tmp/throwaway-check ] || fail "the throwaway run wrote to the host's /tmp"
rmdir "$shm"

# the third red team's (the ptrace rung's): a listener of the target's
# own would take the traced calls from the tracer (USER_NOTIF beats
# TRACE) and have the kernel run them on the host: refused, EBUSY, as the
# kernel refuses a second one; and the calls the tracer injects to move
# an fd after a copy-up, run from the target's `syscall` instruction,
# which another thread rewrites (into a chmod of a host file, a spin) or
# unmaps: the target dies, nothing is run, the supervisor goes on
cat >"$T/listener.py" <<'PY'
import ctypes, ctypes.util, os, struct, sys, threading
libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long
# chmod (90) and fchmodat (268) to the listener, the rest allowed
code = [(0x20, 0, 0, 0), (0x15, 2, 0, 90), (0x15, 1, 0, 268),
        (0x06, 0, 0, 0x7fff0000), (0x06, 0, 0, 0x7fc00000)]
insns = ctypes.create_string_buffer(b"".join(struct.pack("HBBI", *i) for i in code))
prog = struct.pack("HxxxxxxP", len(code), ctypes.addressof(insns))
libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
fd = libc.syscall(317, 1, 8, ctypes.c_char_p(prog))  # seccomp(SET_MODE_FILTER, NEW_LISTENER)
print("own listener:", "refused, " + os.strerror(ctypes.get_errno()) if fd < 0 else "installed")
if fd >= 0:
    # what the attack is for: every chmod let through to the kernel
    # (SECCOMP_USER_NOTIF_FLAG_CONTINUE), on the host's paths
    def answer():
        req = ctypes.create_string_buffer(80)
        while True:
            if libc.ioctl(fd, ctypes.c_ulong(0xc0502100), req) < 0:
                return
            resp = struct.pack("QqiI", struct.unpack_from("Q", req.raw)[0], 0, 0, 1)
            libc.ioctl(fd, ctypes.c_ulong(0xc0182101), ctypes.create_string_buffer(resp))
    threading.Thread(target=answer, daemon=True).start()
try:
    os.chmod(sys.argv[1], 0o777)
    print("chmod: done")
except OSError as e:
    print("chmod:", e.strerror)
PY
echo victim >"$T/listener-victim" && chmod 600 "$T/listener-victim"
hostroot -- python3 "$T/listener.py" "$T/listener-victim" >"$T/out" 2>&1 || fail "the listener attack: $(cat "$T/out")"
assert_eq "own listener: refused, Device or resource busy
chmod: done" "$(cat "$T/out")" "a listener of the target's own"
assert_eq 600 "$(stat -c %a "$T/listener-victim")" "the host file after the listener attack"
S=$T/stub-lower
mkdir -p "$S/d" && for i in $(seq 0 29); do echo x >"$S/d/f$i"; done
echo victim >"$T/stub-victim" && chmod 600 "$T/stub-victim"
for mode in chmod hang fault; do
	start=$(date +%s)
	set +e
	timeout 60 "$VENEER" run --backend "$rung" --lower "$S" --lower / --upper "$T/stub-upper-$mode" -- \
		"$PROGS/vt-stubswap" "$mode" /d "$T/stub-victim" 30 >"$T/out" 2>&1
	rc=$?
	set -e
	[ "$rc" -ne 124 ] || fail "the stub attack ($mode) hung the supervisor"
	[ $(($(date +%s) - start)) -le 30 ] || fail "the stub attack ($mode) took $(($(date +%s) - start)) s"
	assert_eq 600 "$(stat -c %a "$T/stub-victim")" "the host file after the stub attack ($mode)"
done

# a process may not make itself non-dumpable (EPERM): a supervisor
# without capabilities could not read its memory, and every path call
# would fail with EFAULT
hostroot -- python3 -c '
import ctypes, os
r = ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)
print("dumpable 0:", os.strerror(ctypes.get_errno()) if r else "set", "| stat:", os.stat("/etc/hostname").st_size > 0)
' >"$T/out" 2>&1 || fail "the dumpable check: $(cat "$T/out")"
assert_eq "dumpable 0: Operation not permitted | stat: True" "$(cat "$T/out")" "PR_SET_DUMPABLE 0"

# a /proc file the supervisor answers itself (mountinfo, filtered; on the
# ptrace rung a copy in the skeleton the kernel opens) reads whole
hostroot -- sh -c 'n=$(wc -l </proc/self/mountinfo) && [ "$n" -gt 2 ] && echo "mountinfo: more than 2 lines"' \
	>"$T/out" 2>&1 || fail "reading mountinfo: $(cat "$T/out")"
assert_eq "mountinfo: more than 2 lines" "$(cat "$T/out")" "mountinfo reads"

# openat2 with O_PATH: its flags are in the caller's memory, so the
# tracer cannot point it at a real path as it does open's; the answer
# is an fd of the union's object (it was EFAULT on the ptrace rung)
# shellcheck disable=SC2016
hostroot -- "$PY" -c '
import ctypes, os, struct
libc = ctypes.CDLL(None, use_errno=True)
how = struct.pack("QQQ", os.O_PATH | os.O_CLOEXEC, 0, 0)
for path in (b"/etc/hostname", b"/usr/bin"):
    fd = libc.syscall(437, -100, path, how, len(how))
    if fd < 0:
        print(path.decode(), os.strerror(ctypes.get_errno()))
        continue
    st, ref = os.fstat(fd), os.stat(path)
    print(path.decode(), "same" if (st.st_dev, st.st_ino) == (ref.st_dev, ref.st_ino) else "other")
' >"$T/out" 2>&1 || fail "openat2(O_PATH): $(cat "$T/out")"
assert_eq "/etc/hostname same
/usr/bin same" "$(cat "$T/out")" "openat2(O_PATH) opens the union's objects"

# what the rung cannot give: one line, nothing made
set +e
hostroot --bind "$T:/mnt/x" --upper "$T/never" -- true >"$T/out" 2>"$T/err"
rc=$?
set -e
assert_eq 125 "$rc" "--bind on $rung: exit status"
assert_eq 1 "$(wc -l <"$T/err")" "--bind on $rung: one line"
assert_match 'bind' "$(cat "$T/err")" "the line names --bind"
[ ! -e "$T/never" ] || fail "the refused run made its upper"
