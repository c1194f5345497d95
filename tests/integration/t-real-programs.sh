#!/bin/bash
# Real programs over the default lower (the host root, no --lower): each
# must run inside veneer and give exactly what it gives on the host.
#   sh scripts (run directly through "#!" and through sh), ls -l of
#   /usr/bin, find /usr/share/doc (whole and | head), cat
#   /etc/os-release, grep -r, tar of a directory, python3 importing and
#   using twenty-odd stdlib modules, and gcc compiling a C program into
#   the upper, which then runs inside and, from the upper, outside.
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd gcc

# run_same WHAT CMD...: CMD's stdout inside veneer must equal the host's
run_same() {
	local what=$1
	shift
	"$@" >"$T/host.out" 2>"$T/host.err" || fail "$what: fails on the host: $(head -c 300 "$T/host.err")"
	vrun_ok "$T/in.out" "$T/in.err" -- "$@"
	[ -s "$T/host.out" ] || fail "$what: no output on the host"
	assert_files_eq "$T/host.out" "$T/in.out" "$what: output inside veneer differs"
}

cat >"$T/script.sh" <<'SH'
#!/bin/sh
set -e
n=0
for i in 1 2 3 4 5 6 7 8 9 10; do n=$((n + i)); done
echo "sum $n"
case "$(uname -s)" in Linux) echo "on linux" ;; esac
echo "args: $*"
echo "words: $(echo one two three | wc -w)"
SH
chmod 755 "$T/script.sh"
expect="sum 55
on linux
args: a b c
words: 3"
vrun_ok "$T/o" "$T/e" -- "$T/script.sh" a b c
assert_eq "$expect" "$(cat "$T/o")" "a #! script run directly"
vrun_ok "$T/o" "$T/e" -- sh "$T/script.sh" a b c
assert_eq "$expect" "$(cat "$T/o")" "a script run by sh"

# (owners are left out here: t-owners compares them)
run_same "ls -l /usr/bin" sh -c \
	'ls -l --time-style=+%s /usr/bin | awk "{ \$3 = \"-\"; \$4 = \"-\"; print }"'
run_same "find /usr/share/doc" sh -c 'find /usr/share/doc | sort'
vrun_ok "$T/o" "$T/e" -- sh -c 'find /usr/share/doc | head -n 5 | wc -l'
assert_eq 5 "$(cat "$T/o")" "find /usr/share/doc | head -n 5"
run_same "cat /etc/os-release" cat /etc/os-release
docs=""
for d in bash coreutils tar findutils grep; do
	[ -d "/usr/share/doc/$d" ] && docs="$docs /usr/share/doc/$d"
done
[ -n "$docs" ] || skip "no documentation directories to grep in /usr/share/doc"
# shellcheck disable=SC2086
run_same "grep -r" sh -c 'grep -rn -i "license" "$@" | sort' sh $docs
# shellcheck disable=SC2086
run_same "tar of a directory" sh -c \
	'tar --sort=name --owner=0 --group=0 --numeric-owner -cf - "$@" 2>/dev/null | sha256sum' sh $docs

# shellcheck disable=SC2016
vrun_ok "$T/o" "$T/e" -- /usr/bin/python3 -c '
import argparse, base64, collections, csv, datetime, functools, glob, hashlib
import io, itertools, json, logging, os, pathlib, re, shutil, sqlite3
import string, struct, subprocess, textwrap, unicodedata, urllib.parse, zlib
mods = [argparse, base64, collections, csv, datetime, functools, glob,
        hashlib, io, itertools, json, logging, os, pathlib, re, shutil,
        sqlite3, string, struct, subprocess, textwrap, unicodedata,
        urllib.parse, zlib]
d = json.loads(json.dumps({"a": [1, 2, 3]}))
h = hashlib.sha256(b"veneer").hexdigest()[:12]
z = zlib.decompress(zlib.compress(b"x" * 1000))
r = subprocess.run(["echo", "from a child"], capture_output=True, text=True)
db = sqlite3.connect(":memory:")
db.execute("create table t (x)")
db.execute("insert into t values (42)")
n = db.execute("select x from t").fetchone()[0]
print(len(mods), "modules", d["a"], h, len(z), r.stdout.strip(), n,
      len(glob.glob("/usr/lib/python3*/json/*.py")) > 3,
      pathlib.Path("/etc/os-release").read_text() == open("/etc/os-release").read())
'
want_hash=$(printf veneer | sha256sum | cut -c1-12)
assert_eq "24 modules [1, 2, 3] $want_hash 1000 from a child 42 True True" \
	"$(cat "$T/o")" "python3 with the standard library"

cat >"$T/hello.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
	printf("hello from gcc, %d args, %zu\n", argc, strlen(argv[0]));
	return 0;
}
C
# the source goes in as an argument; gcc's temporary files go to TMPDIR
# shellcheck disable=SC2016
vrun_ok "$T/o" "$T/e" --upper "$T/U" -- sh -c \
	'mkdir /out && cd /out && printf "%s\n" "$1" >hello.c &&
	TMPDIR=/out gcc -O2 -Wall -o hello hello.c && ./hello x y' sh "$(cat "$T/hello.c")"
assert_eq "hello from gcc, 3 args, 7" "$(cat "$T/o")" "gcc output run inside"
[ -x "$T/U/out/hello" ] || fail "the compiled program is not in the upper"
assert_eq "hello from gcc, 1 args, $(printf %s "$T/U/out/hello" | wc -c)" \
	"$("$T/U/out/hello")" "gcc output run on the host"
leftover=$(find "$T/U/out" -mindepth 1 ! -name hello.c ! -name hello)
assert_eq "" "$leftover" "gcc left temporary files behind"
echo "real programs: all as on the host"
