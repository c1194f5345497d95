#!/bin/bash
# finding: 10 (per-call cost grows with the number of threads)
# invariant: the per-call cost does not grow with the number of threads in the sandbox
# attack: 10,000 threads (or as many as the user's limits allow) each stat a union path 20 times, with no identity changed and with presented identities looked up per thread (after a setgid); the cost per call must stay within 4x of one thread's, measured in the same run
source "$(dirname "$0")/lib.sh"
require_veneer
require_prog vt-threadstat
STAT=$PROGS/vt-threadstat
WANT=10000
CALLS=20
BASE_CALLS=2000  # one thread: enough calls for a steady figure
BOUND=4          # linear growth is ~25x at 10,000 threads
LIMIT_S=240      # one run; linear growth takes minutes
FILE=/etc/passwd
[ -f "$FILE" ] || skip "needs $FILE"

# as many threads as the limits leave room for: the user's process
# limit (threads count) minus what the user runs already, the kernel's
# thread and pid limits; keep a margin for everything else
n=$WANT
nproc=$(ulimit -u)
if [ "$nproc" != unlimited ]; then
	mine=$(ps -L -u "$(id -u)" --no-headers 2>/dev/null | wc -l)
	[ $((nproc - mine - 500)) -lt "$n" ] && n=$((nproc - mine - 500))
fi
for lim in "$(cat /proc/sys/kernel/threads-max)" "$(cat /proc/sys/kernel/pid_max)"; do
	[ $((lim / 2)) -lt "$n" ] && n=$((lim / 2))
done
[ "$n" -ge 1000 ] || skip "the limits leave room for $n threads (ulimit -u $nproc), fewer than 1,000"
note "threads: $n (wanted $WANT)"

sec_guard_start /
trap sec_cleanup_markers EXIT

# ns_per_call NAME ARG...: run vt-threadstat ARG... in a sandbox over
# lower /, print its ns_per_call
ns_per_call() {
	local name=$1 line
	shift
	set +e
	timeout -k 10 "$LIMIT_S" "$VENEER" run -- "$STAT" "$@" \
		</dev/null >"$T/$name.out" 2>"$T/$name.err"
	local rc=$?
	set -e
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "vt-threadstat $* took more than ${LIMIT_S}s: the per-call cost grows with the threads"
	fi
	if [ "$rc" -ne 0 ]; then
		show_file stdout "$T/$name.out" >&2
		show_file stderr "$T/$name.err" >&2
		fail "vt-threadstat $* exited $rc"
	fi
	line=$(grep '^threads=' "$T/$name.out" || true)
	note "$name: $line" >&2
	line=$(sed -n 's/.* ns_per_call=\([0-9][0-9]*\) .*/\1/p' <<<"$line")
	[ -n "$line" ] || fail "vt-threadstat $* printed no ns_per_call"
	echo "$line"
}

# median A B C
median() {
	printf '%s\n' "$@" | sort -n | sed -n 2p
}

# compare MODE [--setgid]: one thread (median of three runs) against n
# threads, once more when the first try is just over the bound (load)
compare() {
	local mode=$1 one many try
	shift
	for try in 1 2; do
		one=$(median "$(ns_per_call "$mode-one-a" "$@" 1 "$BASE_CALLS" "$FILE")" \
			"$(ns_per_call "$mode-one-b" "$@" 1 "$BASE_CALLS" "$FILE")" \
			"$(ns_per_call "$mode-one-c" "$@" 1 "$BASE_CALLS" "$FILE")")
		many=$(ns_per_call "$mode-many" "$@" "$n" "$CALLS" "$FILE")
		note "$mode: one thread $one ns per call, $n threads $many ns per call (try $try)"
		[ "$many" -le $((BOUND * one)) ] && return 0
		# far over: no load explains it
		[ "$many" -le $((2 * BOUND * one)) ] || break
	done
	fail "$mode: $n threads cost $many ns per call, one thread $one: more than ${BOUND}x"
}

compare ids-unchanged
# setgid(getgid()) changes nothing, but from then on (with presented
# ownership, auto over lower /) every thread's identity is looked up
compare presented-table --setgid
sec_guard_check
