#!/bin/bash
# finding: red team (e0ca356): a file's second and later read-only opens (open, openat) are bound in the view and continued, so the kernel reads the path and the dirfd again
# invariant: whatever the re-read path or dirfd names, the target gets a read-only fd of something the union holds or of a passthrough mount: nothing it does with the fd (write, ftruncate, fchmod, creates relative to it) changes the host, a lower, another sandbox's upper or the view; a file the union removed (a whited-out lower file that was bound) never opens; a presented non-root identity that wins the race may read a bound file it may not (fidelity, not a boundary: reported, with the file's mode unchanged)
# attack: without a race, presented uid 1000 opens root's bound 0600 files by every route ('..' out of /proc, /dev/shm, /sys; /proc/self/root, /proc/1/root, /proc/self/cwd; the magic links of its O_PATH fd; root's O_PATH and directory fds kept across setuid); then a second thread flips the path of open(O_RDONLY) of a bound file between it and a union directory, '..' routes into a lower out of /proc and /dev/shm, /proc/self/root, a planted link to the host home, a bound lower file since unlinked and a root-only file bound by root; another dup2s an O_PATH fd of a root-only directory over openat's dirfd; every fd won is written, truncated, fchmodded and used to create, mkdir and symlink, as root and as presented uid 1000
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd python3 setpriv
U=$T/upper
W=$T/w
LOW=$T/lower
mkdir -p "$W" "$LOW/lw"
put "$LOW/lw/file" "lower file"
put "$LOW/lw/gone" "gone $SEC_MARK"
chmod 0777 "$W"
sec_allow "$U" "$W"
sec_guard_start "$LOW"
trap sec_cleanup_markers EXIT
M=$SEC_MARK
TRIES=${VENEER_SEC_RACE_TRIES:-3000}

cat >"$W/race.py" <<'EOF'
# race.py MODE TRIES MARK BENIGN ATTACK [NAME]
# path:  open(buf, O_RDONLY) while a thread flips buf between BENIGN and ATTACK
# dirfd: openat(N, NAME, O_RDONLY) while a thread dup2s a directory fd of
#        BENIGN and an O_PATH fd of ATTACK over N
# Prints "got LINK type=d|f data=..." for each new object that is not
# BENIGN's file, then "use LINK WHAT: ok|ERRNO" for each use of its fd,
# and last "MODE tries=N benign=N other=N failed=N ERRNO=N...".
import ctypes, errno, os, sys, threading
libc = ctypes.CDLL(None, use_errno=True)
mode, tries, mark, benign, attack = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
buf = ctypes.create_string_buffer(4096)
stop = False
if mode == "path":
    B, A = benign.encode() + b"\0", attack.encode() + b"\0"
    ctypes.memmove(buf, B, len(B))
    bst = os.stat(benign)
    def flip():
        while not stop:
            ctypes.memmove(buf, A, len(A)); ctypes.memmove(buf, B, len(B))
    call = lambda: libc.open(buf, os.O_RDONLY)
else:
    name = sys.argv[6]
    fa = os.open(benign, os.O_RDONLY | os.O_DIRECTORY)
    fb = os.open(attack, os.O_PATH)
    n = os.dup(fa)
    ctypes.memmove(buf, name.encode() + b"\0", len(name) + 1)
    bst = os.stat(name, dir_fd=fa)
    def flip():
        while not stop:
            libc.dup2(fb, n); libc.dup2(fa, n)
    call = lambda: libc.openat(n, buf, os.O_RDONLY)
t = threading.Thread(target=flip)
t.start()
seen, benign_n, other, failed, errs = set(), 0, 0, 0, {}
for i in range(tries):
    fd = call()
    if fd < 0:
        e = errno.errorcode.get(ctypes.get_errno(), "?")
        failed += 1; errs[e] = errs.get(e, 0) + 1
        continue
    st = os.fstat(fd)
    if (st.st_dev, st.st_ino) == (bst.st_dev, bst.st_ino):
        benign_n += 1; os.close(fd); continue
    other += 1
    try: link = os.readlink("/proc/self/fd/%d" % fd)
    except OSError: link = "?"
    if (link, st.st_ino) not in seen:
        seen.add((link, st.st_ino))
        isdir = os.path.isdir("/proc/self/fd/%d" % fd)
        data = "dir"
        if not isdir:
            try: data = os.read(fd, 60).decode(errors="replace").strip().replace("\n", " ")
            except OSError as e: data = "read:" + errno.errorcode.get(e.errno, "?")
        print("got %s type=%s mode=%o data=%s" % (link, "d" if isdir else "f", st.st_mode & 0o7777, data), flush=True)
        for what, fn in (("write", lambda: os.write(fd, mark.encode())),
                         ("ftruncate", lambda: os.ftruncate(fd, 0)),
                         ("fchmod", lambda: os.fchmod(fd, 0o666 if not isdir else 0o777)),
                         ("create", lambda: os.close(os.open(mark + "-f", os.O_CREAT | os.O_WRONLY, 0o644, dir_fd=fd))),
                         ("mkdirat", lambda: os.mkdir(mark + "-d", dir_fd=fd)),
                         ("symlinkat", lambda: os.symlink("/", mark + "-l", dir_fd=fd))):
            try: fn(); r = "ok"
            except OSError as e: r = errno.errorcode.get(e.errno, "?")
            print("use %s %s: %s" % (link, what, r), flush=True)
    os.close(fd)
stop = True
t.join()
print("%s %s %s tries=%d benign=%d other=%d failed=%d %s" % (mode, benign, attack, tries, benign_n, other, failed,
      " ".join("%s=%d" % kv for kv in sorted(errs.items()))), flush=True)
EOF

cat >"$W/direct.py" <<'EOF'
# no race: root's hot 0600 files (bound in the view) by every route, as
# presented uid 1000, three times each (the reopens a bind would serve)
import os
os.chdir("/vnsec-pub")
held = os.open("/vnsec-priv", os.O_PATH)
heldd = os.open("/vnsec-priv", os.O_RDONLY | os.O_DIRECTORY)
os.setgroups([]); os.setresgid(1000, 1000, 1000); os.setresuid(1000, 1000, 1000)
opath = os.open("/vnsec-pub/own600", os.O_PATH)
routes = [(p, lambda p=p: os.open(p, os.O_RDONLY)) for p in (
    "/vnsec-priv/secret", "/vnsec-pub/own600", "/proc/self/../../vnsec-priv/secret",
    "/dev/shm/../../vnsec-priv/secret", "/sys/../vnsec-priv/secret", "/proc/self/root/vnsec-priv/secret",
    "/proc/1/root/vnsec-priv/secret", "/proc/self/cwd/../vnsec-priv/secret",
    "/proc/self/fd/%d" % opath, "/dev/fd/%d" % opath, "/proc/thread-self/fd/%d" % opath,
    "/proc/self/fd/%d/secret" % heldd)]
routes += [("openat(root's O_PATH fd)", lambda: os.open("secret", os.O_RDONLY, dir_fd=held)),
           ("openat(root's directory fd)", lambda: os.open("secret", os.O_RDONLY, dir_fd=heldd))]
for name, fn in routes:
    for k in range(3):
        try:
            fd = fn(); print("%s: OPENED %r" % (name, os.read(fd, 40))); os.close(fd)
        except OSError as e:
            print("%s: %s" % (name, e.strerror))
EOF

# MODE BENIGN ATTACK [NAME]; the hot files were opened three times first
cat >"$W/table-user" <<EOF
path /vnsec-pub/secret /vnsec-priv/secret
path /vnsec-pub/secret /proc/self/../../vnsec-priv/secret
dirfd /vnsec-pub /vnsec-priv secret
EOF
cat >"$W/table-root" <<EOF
path /vnsec-pub/secret /vnsec-pub
path /vnsec-pub/secret /proc/self/../../lw
path /vnsec-pub/secret /proc/self/../../lw/file
path /vnsec-pub/secret /dev/shm/../../lw
path /vnsec-pub/secret /proc/self/root/lw/file
path /vnsec-pub/secret /vnsec-plant-$M
path /vnsec-pub/secret /vnsec-plant-$M/$M-x
path /vnsec-pub/secret /lw/gone
dirfd /vnsec-pub /lw file
EOF
# shellcheck disable=SC2016
RUNTABLE='
while read -r mode benign attack name; do
	python3 /w/race.py "$mode" '"$TRIES"' '"$M"' "$benign" "$attack" $name >>"$1" 2>>/w/errors ||
		echo "$mode $benign $attack: the race did not run" >>/w/errors
done <"$2"'
# shellcheck disable=SC2016
INSIDE='
set -e
mkdir -p /vnsec-priv /vnsec-pub
echo "root secret" >/vnsec-priv/secret; chmod 600 /vnsec-priv/secret; chmod 700 /vnsec-priv
echo public >/vnsec-pub/secret; chmod 644 /vnsec-pub/secret; echo pubfile >/vnsec-pub/file
echo "root own" >/vnsec-pub/own600; chmod 600 /vnsec-pub/own600
ln -s '"$REAL_HOME"' /proc/self/../../vnsec-plant-'"$M"' || true
for i in 1 2 3; do cat /vnsec-priv/secret /vnsec-pub/secret /vnsec-pub/file /vnsec-pub/own600 /lw/file /lw/gone >/dev/null; done
awk "{print \$5}" /proc/self/mountinfo | grep -E "^/(vnsec-p|lw/)" | sort >/w/bound
rm /lw/gone
set +e
python3 /w/direct.py >/w/direct-user 2>>/w/errors
setpriv --reuid=1000 --regid=1000 --clear-groups sh -c "$0" sh /w/results-user /w/table-user
sh -c "$0" sh /w/results-root /w/table-root
: >/w/ready
i=0; while [ ! -e /w/go ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done'
"$VENEER" run --upper "$U" --lower "$LOW" --lower / --bind "$W:/w" -- sh -c "$INSIDE" "$RUNTABLE" \
	</dev/null >"$T/run.out" 2>"$T/run.err" &
VPID=$!
sec_wait_ready "$W/ready" "$VPID" "$T/run.err" 200
[ ! -s "$W/errors" ] || { show_file "errors" "$W/errors" >&2; fail "a race could not run"; }
assert_files_eq <(printf '/lw/file\n/lw/gone\n/vnsec-priv/secret\n/vnsec-pub/file\n/vnsec-pub/own600\n/vnsec-pub/secret\n') "$W/bound" \
	"the files opened three times are bound in the view (else the attack reaches no continued open)"
grep -E '^(path|dirfd) .*tries=' "$W/results-user" "$W/results-root" | sed 's/^/  /'
assert_eq "$(($(wc -l <"$W/table-user") + $(wc -l <"$W/table-root")))" \
	"$(cat "$W/results-user" "$W/results-root" | grep -c ' tries=')" "every race ran"
sort -u "$W/results-user" | grep -E '^(got|use) ' | sed 's/^/  uid 1000 /' | head -n 30 || true
sort -u "$W/results-root" | grep -E '^(got|use) ' | sed 's/^/  root /' | head -n 60 || true

problems=()
# without a race, no route opens root's bound files for uid 1000
[ "$(wc -l <"$W/direct-user")" -eq 42 ] || { show_file direct-user "$W/direct-user" >&2; fail "the routes without a race did not all run"; }
if grep -v ': Permission denied$' "$W/direct-user" >&2; then
	problems+=("without a race, presented uid 1000 opened (or got another answer than EACCES for) root's bound 0600 file")
fi
# a read-only open gives no fd that writes: not the file, nor its mode
if grep -E '^use .* (write|ftruncate): ok$' "$W/results-user" "$W/results-root" >&2; then
	problems+=("an fd from a continued read-only open wrote or truncated its file")
fi
if grep -E '^use .* fchmod: ok$' "$W/results-user" >&2; then
	problems+=("uid 1000 changed the mode of a file it does not own through a won fd")
fi
# a whited-out lower file that had been bound must not open
if grep -E '^got .*/lw/gone' "$W/results-root" >&2; then
	problems+=("a bound lower file opened after the union removed it (the view kept a stale bind)")
fi
# uid 1000 reading root's bound 0600 file: the accepted class, reported
if grep -qE '^got /vnsec-priv/secret .*data=root secret' "$W/results-user"; then
	note "ACCEPTED CLASS (presented identities are fidelity, not a boundary): uid 1000 won a" \
		"race and read root's 0600 /vnsec-priv/secret through its bind in the view"
fi
made=$(sec_view_made_by_target "$VPID" "$U" "$M") ||
	fail "the view cannot be seen from the host (no /proc/$VPID/root/*/view)"
while IFS= read -r rel; do
	[ -z "$rel" ] || problems+=("the target made $rel in the view")
done <<<"$made"
: >"$W/go"
wait "$VPID" || problems+=("the sandbox exited $?")

# seen from inside afterwards: root's secret keeps its mode and content,
# the removed file stays removed, the lower file reads as the lower
vrun_ok "$T/after" "$T/after.err" --upper "$U" --lower "$LOW" --lower / -- sh -c \
	'stat -c "%a %U" /vnsec-priv/secret; cat /vnsec-priv/secret; ls /lw/gone 2>&1 | grep -c "No such"; head -c 10 /lw/file; echo'
assert_files_eq <(printf '600 root\nroot secret\n1\nlower file\n') "$T/after" "the union after the races"
if [ ${#problems[@]} -gt 0 ]; then
	printf '  %s\n' "${problems[@]}" >&2
	sec_guard_check
	fail "${problems[0]}"
fi
sec_guard_check
echo "a continued reopen's re-read path and dirfd reached nothing the target may not use"
