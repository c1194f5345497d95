#!/bin/bash
# finding: 3 (presented permissions bypassed through rendered binds)
# invariant: what the view holds of a file (a rendered bind, upper files included) is read-only: a presented non-root identity reaching it by a '..' route out of a passthrough mount cannot write, truncate or replace what a plain open would refuse it
# attack: as presented uid 1000 over lower /, render root-owned 0644 files (lower, and copied up by root) and 0755 programs (lower, and written by root inside) by O_PATH open and exec, then open them for writing, with O_TRUNC and truncate(2) through /proc/self/../.., /dev/.., /dev/shm/../.., /sys/..
source "$(dirname "$0")/lib.sh"
unless_hostroot "view of rendered binds, nor a presented uid 1000"
require_veneer
require_cmd python3 setpriv sha256sum
U=$T/upper
sec_allow "$U"
sec_guard_start /

# root-owned 0644 files of the host that the test user can read: one
# stays in the lower, one root inside copies up (a chmod to the same
# mode copies it, keeping its presented owner)
files=()
for f in /etc/motd /etc/issue /etc/debian_version /etc/os-release /etc/shells; do
	f=$(readlink -f "$f")
	if [ -f "$f" ] && [ -r "$f" ] && [ "$(stat -c '%u %a' "$f")" = "0 644" ]; then
		files+=("$f")
	fi
done
[ ${#files[@]} -ge 2 ] || skip "needs two root-owned 0644 files in /etc"
LOWERF=${files[0]}
UPPERF=${files[1]}
LOWERBIN=$(readlink -f /bin/true)
[ "$(stat -c %u "$LOWERBIN")" = 0 ] || skip "/bin/true is not root's"
SCRIPT=/usr/local/sbin/vnsec-script-$SEC_MARK
lower_sum=$(sha256sum <"$LOWERF")
upper_sum=$(sha256sum <"$UPPERF")
bin_sum=$(sha256sum <"$LOWERBIN")

# as root inside: copy UPPERF up, write a root-owned 0755 script
vrun_ok "$T/o" "$T/e" --upper "$U" -- sh -c "
	chmod 644 '$UPPERF' &&
	mkdir -p /usr/local/sbin &&
	printf '#!/bin/sh\necho script ran\n' >'$SCRIPT' && chmod 755 '$SCRIPT'"
[ -f "$U$UPPERF" ] || fail "root inside did not copy $UPPERF up"
script_sum=$(sha256sum <"$U$SCRIPT")
upper_host_sum=$(sha256sum <"$U$UPPERF")

# shellcheck disable=SC2016
ATTACK='
import errno, os, subprocess, sys
files, programs = sys.argv[1].split(), sys.argv[2].split()
routes = ["/proc/self/../..", "/dev/..", "/dev/shm/../..", "/sys/.."]
def name(e): return errno.errorcode.get(e.errno, str(e.errno))
def plain_write_refused(p):
	try:
		os.close(os.open(p, os.O_WRONLY))
	except OSError as e:
		return name(e)
	return "OPENED"
for p in files + programs:
	st = os.stat(p)
	print("presented %s: uid=%d mode=%o plain-open-for-write=%s" %
	      (p, st.st_uid, st.st_mode & 0o7777, plain_write_refused(p)))
for p in files:
	os.open(p, os.O_PATH)                      # renders it in the view
for p in programs:
	subprocess.run([p], stdout=subprocess.DEVNULL, check=True)  # renders a bind
for p in files + programs:
	for r in routes:
		q = r + p
		for how, flags in (("write", os.O_WRONLY), ("trunc", os.O_WRONLY | os.O_TRUNC),
				   ("rdwr", os.O_RDWR)):
			try:
				fd = os.open(q, flags)
			except OSError as e:
				print("%s %s: %s" % (how, q, name(e)))
				continue
			try:
				os.write(fd, b"PWNED")
				print("%s %s: WROTE" % (how, q))
			except OSError as e:
				print("%s %s: OPENED, write %s" % (how, q, name(e)))
			os.close(fd)
		try:
			os.truncate(q, 0)
			print("truncate %s: TRUNCATED" % q)
		except OSError as e:
			print("truncate %s: %s" % (q, name(e)))
'
vrun_ok "$T/attack" "$T/attack.err" --upper "$U" -- \
	setpriv --reuid=1000 --regid=1000 --clear-groups \
	python3 -c "$ATTACK" "$LOWERF $UPPERF" "$LOWERBIN $SCRIPT"
cat "$T/attack"

# the attack means something only if the plain route refuses
for p in "$LOWERF" "$UPPERF" "$LOWERBIN" "$SCRIPT"; do
	line=$(grep "^presented $p:" "$T/attack") || fail "no presented line for $p"
	assert_match '^presented [^ ]*: uid=0 mode=(644|755) plain-open-for-write=EACCES$' "$line" \
		"uid 1000 inside must see $p as root's and be refused a plain open for writing"
done
if grep -E ': (WROTE|TRUNCATED|OPENED)' "$T/attack" >&2; then
	fail "a rendered bind was opened for writing by a '..' route (lines above)"
fi
grep -Ev '^presented ' "$T/attack" | grep -Ev ': (EROFS|EACCES|ETXTBSY|EPERM)$' >&2 &&
	fail "a '..' route gave an unexpected answer (lines above)"

# the files are as they were: in the union, in the upper, on the host
vrun_ok "$T/sums" "$T/sums.err" --upper "$U" -- sh -c "
	for f in '$LOWERF' '$UPPERF' '$LOWERBIN' '$SCRIPT'; do sha256sum <\"\$f\"; done"
printf '%s\n' "$lower_sum" "$upper_sum" "$bin_sum" "$script_sum" >"$T/sums.want"
assert_files_eq "$T/sums.want" "$T/sums" "the union's files changed"
assert_eq "$upper_host_sum" "$(sha256sum <"$U$UPPERF")" "the upper's copy of $UPPERF changed"
assert_eq "$script_sum" "$(sha256sum <"$U$SCRIPT")" "the upper's $SCRIPT changed"
assert_eq "$lower_sum" "$(sha256sum <"$LOWERF")" "the host's $LOWERF changed"
assert_eq "$bin_sum" "$(sha256sum <"$LOWERBIN")" "the host's $LOWERBIN changed"

sec_guard_check
echo "rendered binds are read-only"
