#!/bin/bash
# finding: 7 (uppers open to other host users)
# invariant: uppers are created 0700 and owned by the user, a throwaway upper is in memory (no host path); an existing upper that other users can enter is named in one line of stderr; the union's root keeps its presented mode
# attack: another host user reads or plants files in a sandbox's upper (a new --upper, the throwaway upper, an existing 0755 upper)
source "$(dirname "$0")/lib.sh"
unless_hostroot "--bind, which is this attack's workspace: not ported to the rung yet"
require_veneer
sec_guard_start /
lower_root_mode=$(stat -c %a /)

# upper_mode_is WHAT DIR: DIR is 0700 and the test user's
upper_mode_is() {
	assert_eq "700 $MY_UID" "$(stat -c '%a %u' "$2")" \
		"$1: the upper on the host is not 0700 and the user's"
}

# made inside: a sticky world-writable directory and an ordinary one,
# which must not be reachable by others through the upper's root
INSIDE='mkdir -m 1777 /tmp2 && mkdir -m 755 /d && echo secret >/d/secret &&
stat -c %a / >/sync/rootmode && : >/sync/ready &&
i=0; while [ ! -e /sync/go ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done'

# run_held OUT ERR ARG...: run INSIDE in a sandbox (ARGs before "--")
# in the background, and come back once it is ready and holding
run_held() {
	local out=$1 err=$2
	shift 2
	rm -rf "$T/sync"
	mkdir "$T/sync"
	"$VENEER" run "$@" --bind "$T/sync:/sync" -- sh -c "$INSIDE" \
		<"/dev/null" >"$out" 2>"$err" &
	HELD_PID=$!
	sec_wait_ready "$T/sync/ready" "$HELD_PID" "$err" 30
}

release_held() {
	: >"$T/sync/go"
	wait "$HELD_PID" || fail "the held sandbox exited $?"
	assert_eq "$lower_root_mode" "$(cat "$T/sync/rootmode")" \
		"the union's root shows another mode than the lower's root"
}

# 1. the throwaway upper, looked for while the sandbox runs: it is a
# tmpfs of the supervisor's own mount namespace, with no host path
run_held "$T/o1" "$T/e1"
mapfile -t throwaway < <(find "$T" -maxdepth 1 -name 'veneer-upper-*')
assert_eq 0 "${#throwaway[@]}" "a throwaway upper under TMPDIR while the sandbox runs"
release_held

# 2. a new --upper
U=$T/new-upper
sec_allow "$U"
run_held "$T/o2" "$T/e2" --upper "$U"
upper_mode_is "a new --upper (while it runs)" "$U"
release_held
upper_mode_is "a new --upper (after the run)" "$U"
[ -d "$U/tmp2" ] && [ -f "$U/d/secret" ] ||
	fail "the directories made inside are not in the upper"
assert_no_match '(^|[^a-z])other users' "$(cat "$T/e2")" \
	"a new 0700 upper was reported as open to other users"

# 3. an existing upper that other users can enter: one line says so
for mode in 755 711 701; do
	E=$T/open-upper-$mode
	mkdir "$E"
	chmod "$mode" "$E"
	sec_allow "$E"
	vrun "$T/o3" "$T/e3" --upper "$E" -- sh -c 'echo ran'
	assert_eq 0 "$VRC" "veneer run over a $mode upper must still run"
	assert_eq ran "$(cat "$T/o3")" "the command over a $mode upper did not run"
	assert_eq 1 "$(grep -ci 'other users' "$T/e3" || true)" \
		"one line of stderr says that other users can enter a $mode upper"
	assert_eq 1 "$(wc -l <"$T/e3")" "stderr over a $mode upper is that one line"
done

# 4. an existing 0700 upper: no such line
E=$T/closed-upper
mkdir -m 700 "$E"
sec_allow "$E"
vrun_ok "$T/o4" "$T/e4" --upper "$E" -- true
assert_eq 0 "$(grep -ci 'other users' "$T/e4" || true)" \
	"a 0700 upper was reported as open to other users"

sec_guard_check
echo "uppers are private on the host"
