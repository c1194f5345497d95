#!/bin/bash
# veneer run --record FILE, as the reproducible-build user needs it: the
# exact inputs and outputs of a build.
#   - a small build (make, gcc, a header found on --lower LOWER) recorded:
#     every line is JSON, the lines are sorted, each path once; the paths
#     read, looked up missing and changed are exactly those `strace -f`
#     shows for the same build run natively over a copy of LOWER at the
#     same paths (record_check.py says what is left out and why: /proc,
#     /dev, /sys, gcc's randomly named temporaries, the ELF interpreter
#     the kernel opens itself);
#   - a file read from LOWER names LOWER, one from / names /; every
#     digest is sha256sum's of the file read, and an output's is the
#     native build's (gcc is deterministic here);
#   - a file read, then changed: both facts on its line;
#   - without --record nothing is written and nothing hashed (no memfd
#     of the record's is made: strace of veneer, on the notify rung);
#   - a FILE that cannot be written: one line, exit 125, nothing run.
# it-timeout: 240
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd gcc make strace sha256sum

L=$T/lower
B=$T/build      # the build's directory: the same path in the sandbox and natively
mkdir -p "$L$B/src" "$L$B/include"
cat >"$L$B/include/greet.h" <<'EOF'
#define GREETING "hello from a lower"
EOF
cat >"$L$B/src/main.c" <<'EOF'
#include <stdio.h>
#include "greet.h"
int twice(int);
int main(void) { printf("%s %d\n", GREETING, twice(21)); return 0; }
EOF
cat >"$L$B/src/twice.c" <<'EOF'
int twice(int x) { return 2 * x; }
EOF
printf 'old\n' >"$L$B/src/notes"
# -pipe: fewer temporaries; the header from ../include, found second
cat >"$L$B/src/Makefile" <<'EOF'
CFLAGS = -O2 -pipe -I/nonexistent-include -I../include
hello: main.o twice.o
	$(CC) -pipe -o $@ main.o twice.o
	cat notes >/dev/null && echo built >>notes
%.o: %.c
	$(CC) $(CFLAGS) -c -o $@ $<
EOF
BUILD=(env -i PATH=/usr/bin:/bin CC=gcc make -s)

# ------------------------------------------------ in the sandbox, recorded
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / --chdir "$B/src" --record "$T/rec.json" -- "${BUILD[@]}"
[ -s "$T/rec.json" ] || fail "--record wrote nothing: $(cat "$T/e")"
ls -a "$T" | grep -q '^\.rec\.json\.veneer-' && fail "the record's new file was left beside it"

# ------------------------------------------------ the same build, natively
mkdir -p "$B"
cp -a "$L$B/." "$B/"
(cd "$B/src" && strace -f -ff -y -qq -e trace=%file -o "$T/strace" "${BUILD[@]}") >"$T/native.out" 2>&1 ||
	fail "the native build failed: $(cat "$T/native.out")"
"$PY" "$IT_DIR/record_check.py" "$T/rec.json" "$T/strace" "$L" "$B/src" >"$T/check" 2>"$T/check.err" || {
	show_file "record" "$T/rec.json" >&2
	fail "the record is not what strace saw natively:
$(cat "$T/check")"
}

note "$(cat "$T/check.err")"

# ------------------------------------------------ layers and digests
# field NAME PATH: the value of key NAME on PATH's line ("" when none)
field() {
	"$PY" -c 'import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["path"] == sys.argv[3]:
        print(e.get(sys.argv[2], ""))' "$T/rec.json" "$1" "$2"
}
digest() { sha256sum "$1" | cut -d' ' -f1; }
assert_eq "$L" "$(field layer "$B/include/greet.h")" "the header read from the lower names it"
assert_eq "$(digest "$L$B/include/greet.h")" "$(field sha256 "$B/include/greet.h")" "the header's digest"
gcc_real=$(readlink -f /usr/bin/gcc)
assert_eq "/" "$(field layer "$gcc_real")" "the compiler read from / names /"
assert_eq "$(digest "$gcc_real")" "$(field sha256 "$gcc_real")" "the compiler's digest"
assert_eq "True" "$(field read /usr/bin/gcc)" "the symlink followed to the compiler is read"
assert_eq "symlink" "$(field type /usr/bin/gcc)" "the symlink's type"
assert_eq "True" "$(field missing /nonexistent-include)" "the include directory looked up and missing"
"$PY" - "$T/rec.json" "$L" <<'EOF' || fail "a digest is not sha256sum's"
import hashlib, json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if not e.get("sha256"):
        continue
    if e["layer"] == "upper":  # made by the build: read as it is at the end
        if e.get("new_sha256", e["sha256"]) != e["sha256"]:
            print(f"{e['path']}: read from the upper as another file", file=sys.stderr)
            sys.exit(1)
        continue
    root = "" if e["layer"] == "/" else sys.argv[2]
    got = hashlib.sha256(open(root + e["path"], "rb").read()).hexdigest()
    if got != e["sha256"]:
        print(f"{e['path']}: {e['sha256']} recorded, {got} read", file=sys.stderr)
        sys.exit(1)
EOF
for f in main.o twice.o hello; do
	assert_eq "added" "$(field changed "$B/src/$f")" "the build's $f is added"
	assert_eq "$(digest "$B/src/$f")" "$(field new_sha256 "$B/src/$f")" "$f's digest is the native build's"
done
# read from the lower, then changed in the upper: both on one line
assert_eq "$L|$(digest "$L$B/src/notes")|changed|$(digest "$B/src/notes")" \
	"$(field layer "$B/src/notes")|$(field sha256 "$B/src/notes")|$(field changed "$B/src/notes")|$(field new_sha256 "$B/src/notes")" \
	"a file read then changed"

# ------------------------------------------------ without --record
if ! on_hostroot; then
	# LeakSanitizer cannot run under a tracer (an ASan build's leak check)
	asan_options=${ASAN_OPTIONS-}
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	strace -f -qq -e trace=memfd_create -o "$T/plain.strace" "$VENEER" run --lower "$L" --lower / \
		--chdir "$B/src" -- "${BUILD[@]}" -B >/dev/null 2>"$T/plain.err" || fail "a run without --record failed: $(cat "$T/plain.err")"
	grep -q veneer-record "$T/plain.strace" && fail "a run without --record made the record's memfd (hashed)"
	strace -f -qq -e trace=memfd_create -o "$T/rec.strace" "$VENEER" run --record "$T/rec2.json" -- true \
		>/dev/null 2>&1 || fail "a run with --record under strace failed"
	grep -q veneer-record "$T/rec.strace" || fail "the probe is blind: a run with --record made no memfd"
	export ASAN_OPTIONS=$asan_options
fi
ls "$T" | grep -q '^rec2\?\.json$' || fail "no record written"
before=$(ls -a "$T" | sort)
vrun_ok "$T/o" "$T/e" -- true
assert_eq "$before" "$(ls -a "$T" | sort)" "a run without --record writes no file"

# ------------------------------------------------ a FILE that cannot be written
vrun "$T/o" "$T/e" --record "$T/no-such-dir/rec.json" -- echo ran
assert_eq 125 "$VRC" "--record into a missing directory: exit status"
assert_eq "" "$(cat "$T/o")" "--record into a missing directory: nothing ran"
assert_eq 1 "$(wc -l <"$T/e")" "--record into a missing directory: one line"
assert_match "no-such-dir" "$(cat "$T/e")" "the line names the directory"
mkdir "$T/adir"
vrun "$T/o" "$T/e" --record "$T/adir" -- echo ran
assert_eq "125|" "$VRC|$(cat "$T/o")" "--record naming a directory: exit 125, nothing ran"

