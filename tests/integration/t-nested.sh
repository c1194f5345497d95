#!/bin/bash
# veneer inside veneer: under an outer notify sandbox the kernel gives no
# second listener, so the inner veneer's auto takes the ptrace rung's
# nested mode (calls trapped with SIGSYS; -v says so).  Inside the outer
# one:
#   - the inner one's writes land in its own upper, never in the outer
#     view (a throwaway upper in /dev/shm, the outer's own tmpfs, or one
#     given), and a lower the outer one made is unchanged by the inner
#     one's write, chmod, rm and mv of its files;
#   - real tools work nested: gcc builds and runs a program, git commits,
#     python lists a directory, a FIFO carries a line between two
#     processes, a "#!" script runs;
#   - a hostile program inside the inner one cannot use the outer view:
#     a metadata change of the lower by its path, through /proc/self/root
#     or a /proc/self/fd link of an fd of the lower file, leaves the lower
#     file's mode as it was (a change is never run again past the inner
#     filter, and Landlock refuses writes there).
# The second red team's attacks on what the inner tracer runs again (a
# cookie read from /proc/self/task/TID/syscall and forged on a write
# open, a passthrough path flipped to the lower's, the real path below
# the red zone overwritten; vt-rerun) leave the outer view's lower file
# as it was: a rerun open can neither write nor make a file, and a file
# the target may write comes over a socket, never from the outer.
# Afterwards the outer upper holds the lower the outer made, unchanged,
# and nothing of the inner runs.  The rungs are this test's own (outer
# notify, inner auto), so it runs once, not again per test setup.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd gcc git python3
require_prog vt-rerun
[ -z "${VENEER_BACKEND:-}" ] || skip "chooses its own rungs (outer notify, inner nested ptrace)"
VENEER=$(veneer_binary)
grep -q '^backend *notify:' <<<"$("$VENEER" doctor 2>/dev/null)" || skip "the notify rung cannot run here"
grep -q '^ptrace *usable' <<<"$("$VENEER" doctor 2>/dev/null)" || skip "the ptrace rung cannot run here"

OU=$T/outer-upper
mkdir -p "$OU" && chmod 700 "$OU"
cat >"$T/inner.sh" <<'SH'
set -e
echo inner >/tmp/nested-write
cat /tmp/nested-write
echo changed >/lower/f
chmod 600 /lower/f
rm /lower/g
mv /lower/h /lower/h2
ls /lower | tr '\n' ' '; echo
stat -c 'inner sees %a' /lower/f
cd /tmp && mkdir -p build && cd build
printf 'int main(void) { return 7; }\n' >a.c && gcc a.c -o a && { ./a || echo "program exit $?"; }
git init -q repo && cd repo && echo x >f && git add f &&
	git -c user.email=t@t -c user.name=t commit -qm one && echo "git commits: $(git rev-list --count HEAD)"
python3 -c 'import os; print("python lists", len(os.listdir("/usr/bin")) > 10)'
mkfifo /tmp/fifo && { echo "through the fifo" >/tmp/fifo & } && cat /tmp/fifo
printf '#!/bin/sh\necho "script runs: $0"\n' >/tmp/s.sh && chmod +x /tmp/s.sh && /tmp/s.sh
# a file written after every fd was closed (the socket files come over
# is made again), and an exec from a thread while the leader waits in
# the open of a FIFO (a rerun)
python3 -c 'import os; open("/tmp/a", "w").write("1"); os.closerange(3, 1024); open("/tmp/b", "w").write("2"); print("after closerange:", open("/tmp/b").read())'
python3 - <<'PY'
import os, threading, time
os.mkfifo("/tmp/blockfifo")
def exec_soon():
    time.sleep(0.3)
    os.execv("/bin/sh", ["sh", "-c", "echo exec while the leader waits: ok"])
threading.Thread(target=exec_soon).start()
open("/tmp/blockfifo")
PY
# a writer of a FIFO outside the union with no reader, through its fd
# (/dev/fd/N): it waits, and the sandbox goes on (the third red team froze
# the tracer this way), and it dies of a signal as a waiting writer does
python3 -c 'import os; fd = os.open("/dev/shm/nested-fifo", os.O_PATH); os.open("/dev/fd/%d" % fd, os.O_WRONLY)' &
writer=$!
sleep 1
echo "beside a waiting FIFO writer: $(ls /lower | wc -l) names"
kill $writer && { wait $writer || echo "the waiting writer ended: $?"; }
# hostile: the lower file's metadata through routes the kernel would
# resolve in the outer view
python3 - <<'PY'
import os
for how, path in (("path", "/lower/keep"), ("root", "/proc/self/root/lower/keep")):
    try:
        os.chmod(path, 0o777)
    except OSError as e:
        pass
fd = os.open("/lower/keep", os.O_RDONLY)
for op in (lambda: os.chmod("/proc/self/fd/%d" % fd, 0o777), lambda: os.fchmod(fd, 0o777)):
    try:
        op()
    except OSError:
        pass
print("hostile done")
PY
SH
outer_script='
set -e
mkfifo /dev/shm/nested-fifo
mkdir -p /lower && echo lower >/lower/f && echo g >/lower/g && echo h >/lower/h && echo keep >/lower/keep
chmod 644 /lower/f /lower/keep
"$0" run -v --lower /lower --lower / --upper /dev/shm/iu -- sh "$1" 2>/tmp/inner.err || { cat /tmp/inner.err; exit 3; }
grep "veneer: backend" /tmp/inner.err
echo "outer after: $(cat /lower/f) $(stat -c %a /lower/f) $(ls /lower | tr "\n" " ")"
[ ! -e /tmp/nested-write ] && echo "outer: no /tmp/nested-write"
echo "inner upper: $(cat /dev/shm/iu/lower/f) $(cat /dev/shm/iu/tmp/nested-write)"
"$0" run -- sh -c "echo throwaway >/tmp/t2; cat /tmp/t2"
[ ! -e /tmp/t2 ] && echo "outer: no /tmp/t2"
'
vrun "$T/o" "$T/e" --upper "$OU" -- sh -c "$outer_script" "$VENEER" "$T/inner.sh"
[ "$VRC" -eq 0 ] || { show_file stdout "$T/o"; show_file stderr "$T/e"; fail "veneer inside veneer: exit $VRC"; }
out=$(cat "$T/o")
assert_match 'veneer: backend ptrace, nested' "$out" "the inner veneer took the nested ptrace rung"
assert_match '^inner$' "$out" "the inner write reads back"
assert_match '^f h2 keep $' "$out" "the inner ls shows the union's changes"
assert_match '^inner sees 600$' "$out" "the inner chmod shows inside"
assert_match '^program exit 7$' "$out" "gcc's program ran nested"
assert_match '^git commits: 1$' "$out" "git committed nested"
assert_match '^python lists True$' "$out" "python listed nested"
assert_match '^through the fifo$' "$out" "the FIFO carried a line nested"
assert_match '^script runs: /tmp/s.sh$' "$out" "a #! script ran nested"
assert_match '^after closerange: 2$' "$out" "a write after every fd was closed"
assert_match '^beside a waiting FIFO writer: 3 names$' "$out" "the sandbox goes on beside a waiting FIFO writer"
assert_match '^the waiting writer ended: 143$' "$out" "a waiting FIFO writer dies of SIGTERM"
assert_match '^exec while the leader waits: ok$' "$out" "an exec from a thread while the leader waits"
assert_match '^hostile done$' "$out" "the hostile part ran"
assert_match '^outer after: lower 644 f g h keep $' "$out" "the outer view's lower is unchanged by the inner"
assert_match '^outer: no /tmp/nested-write$' "$out" "the inner throwaway write stayed out of the outer view"
assert_match '^inner upper: changed inner$' "$out" "the inner writes are in the inner upper"
assert_match '^throwaway$' "$out" "a nested throwaway upper works"
assert_match '^outer: no /tmp/t2$' "$out" "the nested throwaway upper left nothing in the outer view"
assert_eq lower "$(cat "$OU/lower/f")" "the outer upper's lower file"
assert_eq 644 "$(stat -c %a "$OU/lower/keep")" "the hostile chmods left the lower file's mode"
# the reruns' attacks
attack_script='
mkdir -p /lower2 && echo original >/lower2/f
for mode in cookie string redzone; do
	"$0" run --lower /lower2 --lower / --upper /dev/shm/rerun-$mode -- "$1" "$mode" /lower2/f 2 >/dev/null 2>&1
	echo "after $mode: $(cat /lower2/f) $(ls /lower2 | tr "\n" " ")"
done
'
vrun "$T/o" "$T/e" --upper "$T/attack-upper" -- sh -c "$attack_script" "$VENEER" "$PROGS/vt-rerun"
[ "$VRC" -eq 0 ] || { show_file stderr "$T/e"; fail "the rerun attacks: exit $VRC"; }
for mode in cookie string redzone; do
	assert_match "^after $mode: original f \$" "$(cat "$T/o")" "the outer view's lower after the $mode attack"
done
echo "veneer inside veneer: fine"
