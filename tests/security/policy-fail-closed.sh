#!/bin/bash
# finding: 9 (policies and --bind destinations fail open)
# invariant: a policy that is not a regular, readable file of at most 64 KiB of UTF-8 text, and a --bind destination that is /, /proc, /dev, /sys or below once canonical, are refused (exit 125, one line) before the command runs or anything is created; never read as the defaults (host network, every capability) nor mounted over the view or /proc
# attack: hand veneer a policy that is a directory, /dev/zero, a FIFO, a symlink to a directory, a file whose NUL byte hides its settings, one with bytes past 64 KiB or not UTF-8; bind over the view root or /proc by a non-canonical destination (/., /usr/../proc, //proc/self/.., /dev/./shm/)
source "$(dirname "$0")/lib.sh"
require_veneer
sec_guard_start /

UPPER=$T/upper-$SEC_MARK   # must never be made: the guard finds the name
RAN=RAN-$SEC_MARK
# what the command would print if it ran: the proof that it did, and
# what a fail-open policy gives it (the host's network, every capability)
PROBE="echo $RAN; grep CapEff /proc/self/status; ls /sys/class/net"

# refused WHAT ARG...: veneer run ARG... -- sh -c PROBE must exit 125 with
# one line on stderr, print nothing, and make no upper
refused() {
	local what=$1
	shift
	set +e
	timeout 20 "$VENEER" run --upper "$UPPER" "$@" -- sh -c "$PROBE" \
		</dev/null >"$T/out" 2>"$T/err"
	local rc=$?
	set -e
	if grep -q "$RAN" "$T/out"; then
		show_file stdout "$T/out" >&2
		fail "$what: the command ran (exit $rc)"
	fi
	[ "$rc" -ne 124 ] || fail "$what: veneer hung (killed after 20 s)"
	if [ "$rc" -ne 125 ]; then
		show_file stderr "$T/err" >&2
		fail "$what: exit status $rc, expected 125"
	fi
	[ "$(wc -l <"$T/err")" -eq 1 ] && grep -q '^veneer: ' "$T/err" ||
		{ show_file stderr "$T/err" >&2; fail "$what: stderr is not one 'veneer: ' line"; }
	[ ! -s "$T/out" ] || fail "$what: output on stdout"
	[ ! -e "$UPPER" ] || fail "$what: the upper was created"
	note "$what: $(cat "$T/err")"
}

P=$T/pol
mkdir -p "$P/dir"
ln -s dir "$P/link-to-dir.policy"
mkfifo "$P/fifo.policy"
# settings after a NUL byte, or behind one, would be dropped unseen
printf '\0network = none\ncapabilities = none\n' >"$P/nul-first.policy"
printf 'network = none # \0\ncapabilities = none\n' >"$P/nul-inside.policy"
# past 64 KiB: a reader that stops at its buffer would parse a prefix
{ head -c 70000 /dev/zero | tr '\0' '#'; printf '\nnetwork = none\ncapabilities = none\n'; } \
	>"$P/big.policy"
printf 'network = none\ncapabilities = none # \xff\xfe\n' >"$P/binary.policy"

refused "policy: a directory" --policy "$P/dir"
refused "policy: a symlink to a directory" --policy "$P/link-to-dir.policy"
refused "policy: /dev/zero" --policy /dev/zero
refused "policy: a FIFO" --policy "$P/fifo.policy"
refused "policy: a NUL byte first" --policy "$P/nul-first.policy"
refused "policy: a NUL byte in a comment" --policy "$P/nul-inside.policy"
refused "policy: larger than 64 KiB" --policy "$P/big.policy"
refused "policy: not UTF-8" --policy "$P/binary.policy"

mkdir -p "$T/bsrc-$SEC_MARK"
sec_allow "$T/bsrc-$SEC_MARK"
for dest in /. // /usr/.. /usr/../proc //proc/self/.. /proc/./sys/../ /dev/./shm/ /tmp/../dev \
	/sys//fs/..; do
	refused "--bind onto $dest" --bind "$T/bsrc-$SEC_MARK:$dest"
done

sec_guard_check
echo "bad policies and reserved --bind destinations are refused before anything runs"
