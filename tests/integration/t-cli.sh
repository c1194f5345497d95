#!/bin/bash
# The command line: --help and --version print to stdout and exit 0;
# "run" passes arguments through untouched (spaces, empty ones, ones
# that look like options), passes --env, and reads stdin.  One grammar:
# `veneer help CMD` prints what `veneer CMD --help` prints; an unknown
# command, option or topic exits 125 in one line; doctor refuses the
# layers run refuses, with the same line; nesting is refused in one line
# that recommends nothing unbuilt; a command's own 125 has no "veneer:"
# line, veneer's own has one.
source "$(dirname "$0")/lib.sh"
require_veneer

set +e
"$VENEER" --help >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 0 "$rc" "veneer --help: exit status"
grep -q 'run' "$T/o" || fail "veneer --help does not mention 'run'"
set +e
"$VENEER" --version >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 0 "$rc" "veneer --version: exit status"
grep -qi 'veneer' "$T/o" || fail "veneer --version does not say veneer: $(cat "$T/o")"

vrun_ok "$T/o" "$T/e" -- printf '[%s]\n' "a b" "" "--lower" "-v" '$HOME' "*"
assert_eq '[a b]
[]
[--lower]
[-v]
[$HOME]
[*]' "$(cat "$T/o")" "arguments reach the command as given"

# the caller's environment stays out (the command gets root's own), and
# --env passes a variable in
VENEER_TEST_VAR="x y" vrun_ok "$T/o" "$T/e" -- sh -c 'echo "[${VENEER_TEST_VAR-unset}]"'
assert_eq "[unset]" "$(cat "$T/o")" "the caller's environment does not reach the command"
vrun_ok "$T/o" "$T/e" --env VENEER_TEST_VAR="x y" -- sh -c 'echo "$VENEER_TEST_VAR"'
assert_eq "x y" "$(cat "$T/o")" "--env reaches the command"

set +e
printf 'line one\nline two\n' | "$VENEER" run -- sh -c 'wc -l' >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 0 "$rc" "stdin: exit status"
assert_eq 2 "$(cat "$T/o")" "stdin reaches the command"

vrun_ok "$T/o" "$T/e" -v -- true
echo "command line: fine"

# veneer doctor: says what run would choose; --help; bad input is one line
"$VENEER" doctor --help >"$T/o" 2>"$T/e" || fail "veneer doctor --help failed"
assert_match '^Usage: veneer doctor' "$(head -n 1 "$T/o")" "veneer doctor --help"
"$VENEER" doctor >"$T/o" 2>"$T/e" || fail "veneer doctor: $(cat "$T/o" "$T/e")"
for key in kernel 'user ns' backend ownership subids; do
	grep -q "^$key " "$T/o" || fail "veneer doctor does not report '$key': $(cat "$T/o")"
done
mkdir -p "$T/mine"
"$VENEER" doctor --lower "$T/mine" >"$T/o" 2>"$T/e" || fail "veneer doctor --lower: $(cat "$T/e")"
if [ "$MY_UID" != 0 ]; then
	assert_match "^ownership +kernel: every layer is yours" "$(grep '^ownership' "$T/o")" \
		"doctor over a lower the caller owns"
fi
set +e
"$VENEER" doctor --bogus >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "veneer doctor --bogus: exit status"
assert_eq 1 "$(wc -l <"$T/e")" "veneer doctor --bogus: one line of error"
set +e
"$VENEER" run --ids sometimes -- true >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "--ids sometimes: exit status"
assert_eq "veneer: --ids sometimes: unknown mode; use auto, presented or kernel" "$(cat "$T/e")" \
	"--ids with an unknown mode"

# ---------------------------------------------------------------- one grammar
# expect_error WHAT ARG...: veneer ARG... exits 125 with one line on
# stderr starting "veneer: " and nothing on stdout
expect_error() {
	local what=$1
	shift
	set +e
	"$VENEER" "$@" </dev/null >"$T/o" 2>"$T/e"
	rc=$?
	set -e
	assert_eq 125 "$rc" "$what: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "$what: one line on stderr ($(cat "$T/e"))"
	assert_match '^veneer: ' "$(cat "$T/e")" "$what: the line names veneer"
	[ ! -s "$T/o" ] || fail "$what: wrote to stdout: $(cat "$T/o")"
}

"$VENEER" --help >"$T/help"
assert_eq "$(cat "$T/help")" "$("$VENEER" -h)" "veneer -h is veneer --help"
assert_eq "$(cat "$T/help")" "$("$VENEER" help)" "veneer help is veneer --help"
assert_eq "$(cat "$T/help")" "$("$VENEER" help help)" "veneer help help is veneer --help"
commands=$(sed -n '/^Commands:/,/^$/p' "$T/help" | sed -nE 's/^  ([a-z]+) .*/\1/p')
assert_eq "run diff export commit import check rm image doctor help" "$(echo $commands)" "the commands veneer --help lists"
for cmd in run diff export commit import check rm image doctor; do
	"$VENEER" "$cmd" --help >"$T/a" 2>"$T/e" || fail "veneer $cmd --help failed: $(cat "$T/e")"
	"$VENEER" help "$cmd" >"$T/b" 2>"$T/e" || fail "veneer help $cmd failed: $(cat "$T/e")"
	cmp -s "$T/a" "$T/b" || { diff "$T/a" "$T/b" >&2 || true; fail "veneer help $cmd differs from veneer $cmd --help"; }
	assert_match "^Usage: veneer $cmd" "$(head -n 1 "$T/a")" "veneer help $cmd"
	"$VENEER" "$cmd" -h >"$T/b" || fail "veneer $cmd -h failed"
	cmp -s "$T/a" "$T/b" || fail "veneer $cmd -h differs from veneer $cmd --help"
	expect_error "veneer $cmd --bogus" "$cmd" --bogus
done
expect_error "veneer (no command)"
expect_error "an unknown command" bogus
for cmd in $commands; do # the list said is the table's, never stale
	assert_match "[ ,]$cmd[ ,]" "$(cat "$T/e")" "an unknown command: the commands it lists name $cmd"
done
expect_error "an unknown option before the command" --bogus
expect_error "an unknown help topic" help bogus
assert_match 'commit, import, check' "$(cat "$T/e")" "an unknown help topic: the commands it lists"
expect_error "two help topics" help run diff
expect_error "--backend with an unknown name" run --backend bogus -- true
assert_match 'use auto, notify, notify-hostroot or ptrace' "$(cat "$T/e")" "--backend bogus lists the backends"

# doctor refuses the layers run refuses, with the same line (validate.c)
mkdir -p "$T/v/l1" "$T/v/u/inner" "$T/v/l1/up"
: >"$T/v/afile"
many=()
for i in $(seq 1 32); do mkdir -p "$T/v/many/$i"; many+=(--lower "$T/v/many/$i"); done
same_refusal() { # WHAT LAYER-ARGS...
	local what=$1
	shift
	expect_error "run: $what" run "$@" -- true
	cp "$T/e" "$T/e-run"
	expect_error "doctor: $what" doctor "$@"
	assert_eq "$(cat "$T/e-run")" "$(cat "$T/e")" "doctor and run refuse $what alike"
}
same_refusal "a missing lower" --lower "$T/v/nope"
same_refusal "a lower that is a file" --lower "$T/v/afile"
same_refusal "the same lower twice" --lower "$T/v/l1" --lower "$T/v/l1/../l1"
same_refusal "an upper inside a lower" --lower "$T/v/l1" --upper "$T/v/l1/up"
same_refusal "a lower inside the upper" --lower "$T/v/u/inner" --upper "$T/v/u"
same_refusal "an upper that is a lower" --lower "$T/v/l1" --upper "$T/v/l1"
same_refusal "32 lowers" "${many[@]}"
same_refusal "two uppers" --upper "$T/v/u" --upper "$T/v/u2"
"$VENEER" doctor --lower "$T/v/l1" --upper "$T/v/u" >"$T/o" 2>"$T/e" ||
	fail "doctor over good layers: $(cat "$T/e")"

# a command's own 125 writes no "veneer:" line; veneer's own writes one
vrun "$T/o" "$T/e" -- sh -c 'exit 125'
assert_eq 125 "$VRC" "a command's own 125"
[ ! -s "$T/e" ] || fail "a command's own 125 came with a line on stderr: $(cat "$T/e")"

# veneer inside veneer: auto's inner one takes the ptrace rung's nested
# mode (t-nested has the rest); a rung forced on the inner one that cannot
# run there is one line saying why
vrun "$T/o" "$T/e" --env ASAN_OPTIONS=detect_leaks=0 -- "$VENEER" run -- true
if [ -z "${VENEER_BACKEND:-}" ]; then
	assert_eq 0 "$VRC" "veneer inside veneer runs ($(cat "$T/e"))"
else
	assert_eq 125 "$VRC" "veneer inside veneer, --backend $VENEER_BACKEND: exit status"
	assert_eq 1 "$(wc -l <"$T/e")" "veneer inside veneer: one line ($(cat "$T/e"))"
	if on_ptrace; then # the outer one traces: the inner one cannot
		assert_match '^veneer: --backend ptrace cannot run here: this process is traced' \
			"$(cat "$T/e")" "veneer inside veneer's ptrace rung says why it cannot trace"
	else
		assert_match "^veneer: --backend $VENEER_BACKEND cannot run here: .*already runs under a seccomp user-notification listener" \
			"$(cat "$T/e")" "veneer inside veneer says why its rung cannot run nested"
	fi
fi
echo "one grammar: fine"
