#!/bin/bash
# finding: red team (chroot inside, issue 10): what the sandbox's init shows of the caller
# invariant: the sandbox's init (pid 1, a fork of veneer) shows no host path of the layers and nothing of the caller's environment: its command line and environment, read as any process of the sandbox may read them, name neither the upper, a lower, a --bind's source nor the caller's variables (the target's own environment is made afresh: only TERM, COLORTERM, TZ and the locale are the caller's)
# attack: run veneer with an upper, a lower and a --bind at distinctive host paths and a secret in the caller's environment, then read /proc/1/cmdline and /proc/1/environ from inside (plain reads, no ptrace)
source "$(dirname "$0")/lib.sh"
unless_hostroot "pid namespace: the caller's own processes (and their environments) are readable there, out of this rung's scope"
require_veneer
MARK=INITLEAKMARK
U=$T/upper-$MARK
LOW=$T/lower-$MARK
B=$T/bind-$MARK
mkdir -p "$LOW" "$B"
sec_allow "$U" "$B"
sec_guard_start "$LOW"
SECRET="secret-$SEC_MARK"

VNSEC_TOKEN=$SECRET vrun_ok "$T/out" "$T/err" --upper "$U" --lower "$LOW" --lower / \
	--bind "$B:/vnsec-b" -- sh -c '
	for f in cmdline environ; do
		echo "=== /proc/1/$f"
		tr "\0" "\n" </proc/1/$f || echo "ERR reading /proc/1/$f"
	done
	echo "=== own environment"
	env'
# (sed -n, not head: a reader that stops early fails the pipeline with
# SIGPIPE under pipefail; the blanked command line is many empty lines)
sed 's/^/# /' "$T/out" | grep -v '^# [A-Z_]*=' | sed -n '1,20p'
grep -q '^=== own environment$' "$T/out" || fail "the probe did not run"
# the target's own environment is made afresh: the secret is not in it
if sed -n '/^=== own environment$/,$p' "$T/out" | grep -qF "$SECRET"; then
	fail "the caller's variable reached the command's environment"
fi
problems=()
sed -n '/^=== \/proc\/1\/cmdline$/,/^=== own environment$/p' "$T/out" >"$T/init"
grep -qF "$MARK" "$T/init" && problems+=("/proc/1 names the layers' host paths: $(grep -F "$MARK" "$T/init" | head -n 3 | tr '\n' ' ')")
grep -qF "$SECRET" "$T/init" && problems+=("/proc/1/environ shows the caller's environment (VNSEC_TOKEN)")
[ ${#problems[@]} = 0 ] || fail "$(printf '%s; ' "${problems[@]}")"
sec_guard_check
