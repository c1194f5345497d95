#!/bin/bash
# The end of `veneer run`, for the "what would this command change?" user:
#   - on a terminal, a throwaway upper's changes are summed up at exit
#     (N added, M changed, K deleted, the first paths); one that holds
#     nothing says nothing; without a terminal nothing is said;
#   - --keep makes the upper on disk under $XDG_DATA_HOME/veneer/uppers,
#     names it at exit, and `veneer diff` of it lists the changes;
#   - --commit applies the changes to the lower the command ran over
#     (here /: only paths under a directory of ours change) and removes
#     the upper; the lower then holds what the sandbox showed;
#   - --commit after a failed command applies nothing, keeps the upper
#     and names it, and the exit status stays the command's;
#   - --commit of a change the caller may not make (/etc) changes
#     nothing, keeps the upper, and exits 125;
#   - on a terminal --commit asks: "n" applies nothing (the upper kept),
#     "y" applies;
#   - bad input (--keep with --upper, --commit over two lowers) is one
#     line, exit 125, and no upper is made.
# it-timeout: 120
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd script

export XDG_DATA_HOME=$T/data
KEPT=$XDG_DATA_HOME/veneer/uppers
W=$T/work # ours, on the host: what --commit may write
mkdir -p "$W/sub"
echo old >"$W/sub/f"
echo gone >"$W/g"

# reset_work: the work directory as it was
reset_work() {
	rm -rf "$W" && mkdir -p "$W/sub" && echo old >"$W/sub/f" && echo gone >"$W/g"
}

CHANGE="echo new >$W/sub/f && rm $W/g && echo added >$W/n"

# answer_prompt RAW INPUT: INPUT, typed once veneer's question shows in
# RAW (what is typed before it is flushed: no answer to it)
answer_prompt() {
	[ -n "$2" ] || return 0
	for _ in $(seq 600); do
		grep -q 'apply? \[y/N\]' "$1" 2>/dev/null && break
		sleep 0.05
	done
	printf '%s' "$2"
}

# on_terminal OUT INPUT ARG...: veneer ARG... on a pseudo-terminal, INPUT
# typed at its question; what the terminal showed to OUT (\r dropped),
# the status to VRC
on_terminal() {
	local out=$1 input=$2 cmd
	shift 2
	cmd=$(printf '%q ' "$VENEER" "$@")
	: >"$out.raw"
	set +e
	answer_prompt "$out.raw" "$input" | script -qec "$cmd" /dev/null >"$out.raw"
	VRC=$?
	set -e
	tr -d '\r' <"$out.raw" >"$out"
}

# ------------------------------------------------ summary on a terminal
on_terminal "$T/t" "" run -- sh -c "$CHANGE"
assert_eq 0 "$VRC" "a run on a terminal: exit status"
assert_match "veneer: 1 added, 1 changed, 1 deleted \(gone with the throwaway upper" \
	"$(cat "$T/t")" "the summary's counts"
assert_match "  A $W/n" "$(cat "$T/t")" "the summary names the added file"
assert_match "  D $W/g" "$(cat "$T/t")" "the summary names the deleted file"
assert_match "  C $W/sub/f" "$(cat "$T/t")" "the summary names the changed file"
[ -f "$W/g" ] && [ "$(cat "$W/sub/f")" = old ] || fail "a throwaway run changed the host"
on_terminal "$T/t" "" run -- true
assert_eq "" "$(cat "$T/t")" "a run that changed nothing says nothing"
vrun_ok "$T/o" "$T/e" -- sh -c "$CHANGE"
assert_eq "" "$(cat "$T/e")" "without a terminal nothing is said"

# ------------------------------------------------ --keep
vrun_ok "$T/o" "$T/e" --keep -- sh -c "$CHANGE"
kept=$(ls -d "$KEPT"/run-* 2>/dev/null)
[ "$(echo "$kept" | wc -l)" = 1 ] && [ -d "$kept" ] || fail "--keep made no upper in $KEPT: $(ls -la "$KEPT" 2>&1)"
assert_eq "veneer: 1 added, 1 changed, 1 deleted; the upper is kept: $kept" "$(cat "$T/e")" \
	"--keep names the upper"
"$VENEER" diff "$kept" >"$T/d"
assert_match "^A f 0644 0:0 $W/n\$" "$(cat "$T/d")" "veneer diff of the kept upper: added"
assert_match "^D $W/g\$" "$(cat "$T/d")" "veneer diff of the kept upper: deleted"
[ -f "$W/g" ] || fail "--keep changed the host"
"$VENEER" rm "$kept"

# ------------------------------------------------ --commit
vrun_ok "$T/o" "$T/e" --commit -- sh -c "$CHANGE"
assert_eq "new" "$(cat "$W/sub/f")" "--commit: the changed file"
assert_eq "added" "$(cat "$W/n")" "--commit: the added file"
[ ! -e "$W/g" ] || fail "--commit: the deleted file is still there"
assert_eq "" "$(ls "$KEPT")" "--commit removed the upper it applied"
assert_match "commit: 1 added, 1 changed, 1 deleted into /" "$(cat "$T/e")" "--commit's last line"

# the command failed: nothing applied, the status is the command's
reset_work
vrun "$T/o" "$T/e" --commit -- sh -c "$CHANGE; exit 3"
assert_eq 3 "$VRC" "--commit after a failed command: exit status"
[ -f "$W/g" ] && [ "$(cat "$W/sub/f")" = old ] || fail "--commit applied a failed command's changes"
assert_match "the command failed \(exit status 3\); nothing was applied" "$(cat "$T/e")" \
	"--commit after a failed command says why"
kept=$(ls -d "$KEPT"/run-*)
assert_match "the upper is kept: $kept" "$(cat "$T/e")" "--commit after a failed command keeps the upper"
"$VENEER" rm "$kept"

# a change the caller may not make: refused before anything changes (on
# the rungs without namespaces the sandbox is the caller, and may not
# make it either)
if [ "$(id -u)" != 0 ] && ! on_hostroot; then
	vrun "$T/o" "$T/e" --commit -- sh -c "$CHANGE && echo x >/etc/vt-run-report"
	assert_eq 125 "$VRC" "--commit of a change to /etc: exit status"
	assert_match "commit: you may not write /etc" "$(cat "$T/e")" "--commit names what it may not write"
	[ -f "$W/g" ] && [ "$(cat "$W/sub/f")" = old ] || fail "a refused --commit changed the lower"
	[ ! -e /etc/vt-run-report ] || fail "a refused --commit wrote /etc"
	kept=$(ls -d "$KEPT"/run-*)
	assert_match "the upper is kept: $kept" "$(cat "$T/e")" "a refused --commit keeps the upper"
	"$VENEER" rm "$kept"
fi

# on a terminal: asked first
on_terminal "$T/t" "n
" run --commit -- sh -c "$CHANGE"
assert_eq 0 "$VRC" "--commit declined: the command's status"
assert_match "apply\? \[y/N\]" "$(cat "$T/t")" "--commit asks on a terminal"
[ -f "$W/g" ] && [ "$(cat "$W/sub/f")" = old ] || fail "a declined --commit changed the lower"
kept=$(ls -d "$KEPT"/run-*)
assert_match "the upper is kept: $kept" "$(cat "$T/t")" "a declined --commit keeps the upper"
"$VENEER" rm "$kept"
on_terminal "$T/t" "y
" run --commit -- sh -c "$CHANGE"
assert_eq 0 "$VRC" "--commit accepted: exit status"
assert_eq "new" "$(cat "$W/sub/f")" "--commit accepted on a terminal: applied"
assert_eq "" "$(ls "$KEPT")" "--commit accepted: the upper removed"

# ------------------------------------------------ bad input
bad() {
	local what=$1 pattern=$2
	shift 2
	vrun "$T/o" "$T/e" "$@"
	assert_eq 125 "$VRC" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line"
	assert_match "$pattern" "$(cat "$T/e")" "$what: the line"
	assert_eq "" "$(ls "$KEPT")" "$what: no upper made"
}
bad "--keep with --upper" "--keep acts on the throwaway upper" --keep --upper "$T/U" -- true
bad "--commit over two lowers" "--commit applies the changes to the lower the command ran over, and there are 2" \
	--commit --lower "$T" --lower / -- true
bad "--commit with --image" "an image's layers are the store's, shared" --commit --image some -- true
[ ! -e "$T/U" ] || fail "--keep with --upper made the upper"
