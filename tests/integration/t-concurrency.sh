#!/bin/bash
# Concurrency on the write path: eight processes open the same lower file
# for appending at the same moment (one copy-up between them, no append
# lost), and make -j2 builds a C project that lives in the lower (the
# objects and the program are the same as a native build's).
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd gcc make
require_free_host_path /vtdata

L=$T/L U=$T/U
mkdir -p "$L/vtdata/src" "$T/out"
seq 1 1000 | sed 's/^/original line /' >"$L/vtdata/log"

# --------------------------------------------------- eight appenders
# each waits for the start file, opens once, writes 500 lines
cat >"$L/vtdata/append.sh" <<'SH'
while [ ! -e /vtdata/start ]; do :; done
exec 3>>/vtdata/log
i=0
while [ $i -lt 500 ]; do echo "writer $1 line $i" >&3; i=$((i + 1)); done
SH
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / -- sh -c '
	for w in 1 2 3 4 5 6 7 8; do sh /vtdata/append.sh $w & done
	sleep 0.2; : >/vtdata/start; wait
	wc -l </vtdata/log
	for w in 1 2 3 4 5 6 7 8; do grep -c "^writer $w line" /vtdata/log; done | sort -u
	head -n 1000 /vtdata/log | sha256sum'
assert_eq "5000
500
$(head -n 1000 "$L/vtdata/log" | sha256sum)" "$(cat "$T/o")" "eight appenders racing for one copy-up"
assert_eq 5000 "$(wc -l <"$U/vtdata/log")" "the upper's copy"
assert_eq "" "$(ls -A "$U/.wh..wh..veneer/work")" "the work area after the race"

# --------------------------------------------------- make -j2
for i in $(seq 1 24); do
	cat >"$L/vtdata/src/mod$i.c" <<C
#include "common.h"
int f$i(int x) { return x * $i + COMMON; }
C
done
echo '#define COMMON 7' >"$L/vtdata/src/common.h"
{
	echo '#include <stdio.h>'
	for i in $(seq 1 24); do echo "int f$i(int);"; done
	echo 'int main(void) { long s = 0;'
	for i in $(seq 1 24); do echo "s += f$i($i);"; done
	echo 'printf("%ld\n", s); return 0; }'
} >"$L/vtdata/src/main.c"
cat >"$L/vtdata/src/Makefile" <<'MK'
OBJS = main.o $(patsubst %.c,%.o,$(wildcard mod*.c))
prog: $(OBJS)
	$(CC) -o $@ $(OBJS)
%.o: %.c common.h
	$(CC) -O1 -c -o $@ $<
MK
cp -a "$L/vtdata/src" "$T/native"
lower_before=$(snapshot "$L")
(cd "$T/native" && make -s -j2 && ./prog && sha256sum -- *.o prog) >"$T/want" 2>&1 ||
	{ cat "$T/want"; fail "make -j2 natively"; }
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / --chdir /vtdata/src -- \
	sh -c 'make -s -j2 && ./prog && sha256sum -- *.o prog'
assert_files_eq "$T/want" "$T/o" "make -j2 over a lower source tree"
# a second build has nothing to do; touching the header rebuilds everything
vrun_ok "$T/o" "$T/e" --upper "$U" --lower "$L" --lower / --chdir /vtdata/src -- \
	sh -c 'make -j2; touch common.h; make -j2 | grep -c -- "-c -o"'
assert_eq "make: 'prog' is up to date.
25" "$(cat "$T/o")" "make after the build, and after touching the header"
assert_eq "$lower_before" "$(snapshot "$L")" "the lower changed"
echo "concurrency: one copy-up, every append, a parallel build as native"
