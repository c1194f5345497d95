#!/bin/bash
# A program whose ELF loader (PT_INTERP) lives in a lower and not on the
# host: /vtld/lib/ld-vt.so.2, a copy of the host's loader under a name
# the host does not have.  On the notify rung the kernel finds it in the
# view; on notify-hostroot the kernel would look on the host and fail,
# so veneer runs the lower's loader on the program instead.  Either way
# the program sees the argv[0] it was given, AT_EXECFN as the kernel
# would set it and /proc/self/exe naming the program (not the loader),
# by absolute path, by a relative path, with exec -a, through PATH and as
# a "#!" script's interpreter, and by a relative name starting with '-'
# (which the loader must not take for its option); a plain program it execs reads its own
# /proc/self/exe again, as does a program copied into the upper; and the
# lower is left as it was.  On
# notify-hostroot a script's AT_EXECFN names the interpreter, not the
# script (glibc's loader sets it to the program it was given;
# docs/design.md).
source "$(dirname "$0")/lib.sh"
require_veneer
require_cmd gcc
require_free_host_path /vtld

L=$T/L
mkdir -p "$L/vtld/lib" "$L/vtld/bin"
loader=$(readlink -f /lib64/ld-linux-x86-64.so.2)
cp "$loader" "$L/vtld/lib/ld-vt.so.2"
cat >"$T/p.c" <<'C'
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	exe[n > 0 ? n : 0] = '\0';
	if (argc > 2 && strcmp(argv[1], "exec") == 0) {
		execv(argv[2], argv + 2);
		return 127;
	}
	printf("argv0=%s execfn=%s exe=%s args=", argv[0], (char *)getauxval(AT_EXECFN), exe);
	for (int i = 1; i < argc; i++)
		printf("%s%s", argv[i], i + 1 < argc ? "," : "");
	printf("\n");
	return 0;
}
C
gcc -O1 -o "$L/vtld/bin/p" "$T/p.c" -Wl,--dynamic-linker=/vtld/lib/ld-vt.so.2 ||
	fail "gcc could not build the test program"
printf '#!/vtld/bin/p -x\n' >"$L/vtld/bin/s"
mkdir "$L/vtld/-d" && cp "$L/vtld/bin/p" "$L/vtld/-d/p"
chmod 755 "$L/vtld/bin/s"
[ ! -e /vtld/lib/ld-vt.so.2 ] || fail "the host has /vtld/lib/ld-vt.so.2"
before=$(snapshot "$L")

script_execfn=/vtld/bin/s
! on_hostroot || script_execfn=/vtld/bin/p
vrun_ok "$T/o" "$T/e" --lower "$L" --lower / -- bash -c '
	/vtld/bin/p a b
	(cd /vtld/bin && ./p c)
	(exec -a myname /vtld/bin/p d)
	PATH=/vtld/bin:$PATH p e
	/vtld/bin/s f
	(cd /vtld && -d/p h)
	/vtld/bin/p exec /usr/bin/readlink /proc/self/exe
	cp /usr/bin/readlink /tmp/vt-readlink && /tmp/vt-readlink /proc/self/exe
	true'
assert_eq "argv0=/vtld/bin/p execfn=/vtld/bin/p exe=/vtld/bin/p args=a,b
argv0=./p execfn=./p exe=/vtld/bin/p args=c
argv0=myname execfn=/vtld/bin/p exe=/vtld/bin/p args=d
argv0=p execfn=/vtld/bin/p exe=/vtld/bin/p args=e
argv0=/vtld/bin/p execfn=$script_execfn exe=/vtld/bin/p args=-x,/vtld/bin/s,f
argv0=-d/p execfn=-d/p exe=/vtld/-d/p args=h
/usr/bin/readlink
/tmp/vt-readlink" "$(cat "$T/o")" "what the programs saw ($(cat "$T/e"))"
assert_eq "$before" "$(snapshot "$L")" "the lower is unchanged"
