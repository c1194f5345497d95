#!/bin/bash
# The environment inside: root's own, as after a login.  HOME, USER,
# LOGNAME and SHELL come from the union's /etc/passwd (a lower's own
# entry for uid 0, login's fallbacks when it has none), PATH is root's
# standard one, and of the caller's environment only TERM, COLORTERM, TZ
# and the locale (LANG, LANGUAGE, LC_*) pass.  Then the policy's env,
# unsetenv and clearenv, then --clearenv, --env and --unsetenv.  Checked
# as a user meets it: `bash -l` starts in HOME, `git config --global`
# writes there, useradd is found, over lower / and over a root-owned
# Debian base.  And the UTS namespace: the host's name by default,
# --hostname or the policy's inside, a name set inside stays inside.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "root's environment or a UTS namespace inside (t-hostroot checks the caller's environment there)"

ROOT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# venv OUT ARG...: veneer run ARG... in a caller environment that holds
# what a terminal session holds, secrets and host sockets included
venv() {
	local out=$1
	shift
	set +e
	env -i HOME="$T/callerhome" USER=caller LOGNAME=caller SHELL=/bin/zsh \
		PATH=/usr/bin:/bin TERM=xterm-256color COLORTERM=truecolor LANG=C.UTF-8 \
		LC_ALL=C LC_TIME=C TZ=Europe/Paris SSH_AUTH_SOCK=/tmp/ssh-x/agent.1 \
		XDG_RUNTIME_DIR=/run/user/1000 SECRET_TOKEN=hunter2 TMPDIR="$T" \
		"$VENEER" run "$@" <"/dev/null" >"$out" 2>"$T/e"
	VRC=$?
	set -e
}

venv_ok() {
	venv "$@"
	if [ "$VRC" -ne 0 ]; then
		show_file stdout "$1" >&2
		show_file stderr "$T/e" >&2
		fail "veneer run ${*:2} exited $VRC (expected 0)"
	fi
}

# 1. the default, over lower /: exactly these variables
venv_ok "$T/o" -- /usr/bin/env
sort "$T/o" >"$T/sorted"
assert_eq "COLORTERM=truecolor
HOME=/root
LANG=C.UTF-8
LC_ALL=C
LC_TIME=C
LOGNAME=root
PATH=$ROOT_PATH
SHELL=$(awk -F: '$3 == 0 { print $7; exit }' /etc/passwd)
TERM=xterm-256color
TZ=Europe/Paris
USER=root" "$(cat "$T/sorted")" "the default environment over lower /"

# what a user meets: bash -l in HOME, git's global config written there
# (the union's /root), useradd on PATH
if command -v git >/dev/null; then
	venv_ok "$T/o" -- bash -l -c 'cd && pwd && git config --global user.name x && git config --global user.name && command -v useradd'
	assert_eq "/root
x
/usr/sbin/useradd" "$(cat "$T/o")" "bash -l, git config --global and useradd as root"
else
	note "git is not installed: its part is left out"
fi
# exec resolves the command with the command's PATH, not veneer's
venv_ok "$T/o" -- useradd --help
venv "$T/o" --env PATH=/usr/bin:/bin -- useradd --help
assert_eq 127 "$VRC" "useradd with /usr/sbin off PATH"

# 2. /etc/passwd is the union's: a lower's entry for uid 0, or login's
# fallbacks when the union has none
mkdir -p "$T/pw/etc" "$T/nopw/etc"
awk -F: 'BEGIN { OFS = ":" } $3 == 0 { $1 = "toor"; $6 = "/srv/toor"; $7 = "/bin/sh" } { print }' \
	/etc/passwd >"$T/pw/etc/passwd"
venv_ok "$T/o" --lower "$T/pw" --lower / -- /usr/bin/env
assert_eq "HOME=/srv/toor LOGNAME=toor SHELL=/bin/sh USER=toor" \
	"$(grep -E '^(HOME|USER|LOGNAME|SHELL)=' "$T/o" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"HOME, USER, LOGNAME and SHELL from a lower's /etc/passwd"
if mknod "$T/nopw/etc/passwd" c 0 0 2>/dev/null; then
	venv_ok "$T/o" --lower "$T/nopw" --lower / -- /usr/bin/env
	assert_eq "HOME=/root LOGNAME=root SHELL=/bin/sh USER=root" \
		"$(grep -E '^(HOME|USER|LOGNAME|SHELL)=' "$T/o" | sort | tr '\n' ' ' | sed 's/ $//')" \
		"the fallbacks when the union has no /etc/passwd"
else
	note "cannot mknod a whiteout here: the missing /etc/passwd case is left out"
fi

# 3. over a root-owned Debian base (tests/root-setup/debian-base.sh)
fx=${VENEER_ROOT_FIXTURES:-}
if [ -n "$fx" ] && [ -f "$fx/debian-base/.complete" ]; then
	BASE=$fx/debian-base/root
	assert_eq "0:0" "$(stat -c %u:%g "$BASE")" "the base $BASE is not root-owned"
	venv_ok "$T/o" --lower "$BASE" --upper "$T/ctr" -- bash -l -c \
		'cd && pwd && echo "$HOME $USER $LOGNAME $SHELL $PATH" && command -v useradd &&
		 echo "[user]" >~/.gitconfig && cat ~/.gitconfig'
	assert_eq "/root
/root root root /bin/bash $ROOT_PATH
/usr/sbin/useradd
[user]" "$(cat "$T/o")" "the environment over a root-owned base"
else
	note "no root-owned base (VENEER_ROOT_FIXTURES): that part is left out"
fi

# 4. --env, --unsetenv (NAME* for a prefix), --clearenv
venv_ok "$T/o" --env A=1 --env 'B=two words' --env A=3 --env TERM=dumb --unsetenv 'LC_*' \
	--unsetenv TZ --env EMPTY= -- /usr/bin/env
assert_eq "A=3
B=two words
COLORTERM=truecolor
EMPTY=
HOME=/root
LANG=C.UTF-8
LOGNAME=root
PATH=$ROOT_PATH
SHELL=$(awk -F: '$3 == 0 { print $7; exit }' /etc/passwd)
TERM=dumb
USER=root" "$(sort "$T/o")" "--env and --unsetenv"
# wherever it stands: what was there before the command line is gone
venv_ok "$T/o" --env A=1 --clearenv --env B=2 --unsetenv A -- /usr/bin/env
assert_eq "B=2" "$(sort "$T/o")" "--clearenv empties the environment, then --env and --unsetenv apply"
venv_ok "$T/o" --env A=1 --clearenv --env B=2 -- /usr/bin/env
assert_eq "A=1
B=2" "$(sort "$T/o")" "--clearenv empties the environment, then --env applies"
# a variable of the caller's, passed by name
SECRET_TOKEN=hunter2 venv_ok "$T/o" --env "SECRET_TOKEN=hunter2" -- /usr/bin/env
grep -qx SECRET_TOKEN=hunter2 "$T/o" || fail "--env NAME=\$NAME passes the caller's value"

# 5. a policy's environment, then the command line's
cat >"$T/env.policy" <<'EOF'
# the lab's locale, whatever the student's
env = LANG=C.UTF-8
unsetenv = LC_* TZ
env = PS1=lab$ 
env = FROM=policy
hostname = lab-7
EOF
venv_ok "$T/o" --policy "$T/env.policy" --env FROM=cli -- /usr/bin/env
assert_eq "COLORTERM=truecolor FROM=cli LANG=C.UTF-8 PS1=lab$ TERM=xterm-256color" \
	"$(grep -Ev '^(HOME|USER|LOGNAME|SHELL|PATH)=' "$T/o" | sort | tr '\n' ' ' | sed 's/ $//')" \
	"the policy's env, unsetenv, then --env"
printf 'clearenv = yes\nenv = ONLY=policy\n' >"$T/clear.policy"
venv_ok "$T/o" --policy "$T/clear.policy" --env CLI=1 -- /usr/bin/env
assert_eq "CLI=1 ONLY=policy" "$(sort "$T/o" | tr '\n' ' ' | sed 's/ $//')" "clearenv = yes"

# 6. bad input: one line, exit 125, nothing run
bad() {
	local want=$1
	shift
	venv "$T/o" "$@" -- sh -c 'echo ran'
	[ "$VRC" -eq 125 ] || { show_file stderr "$T/e" >&2; fail "veneer run $*: exit $VRC, expected 125"; }
	assert_eq 1 "$(wc -l <"$T/e")" "veneer run $*: one line"
	assert_match "$want" "$(cat "$T/e")" "veneer run $*: the message"
	assert_eq "" "$(cat "$T/o")" "veneer run $*: the command ran"
}
bad "^veneer: --env 'FOO': give NAME=VALUE \(your own value: --env \"FOO=\\\$FOO\"\)$" --env FOO
bad "^veneer: --env '=x': an empty name" --env =x
bad "^veneer: --env '': an empty name" --env ''
bad "^veneer: --unsetenv 'A=b': a name with '='" --unsetenv A=b
bad "^veneer: --unsetenv '': an empty name" --unsetenv ''
bad "^veneer: --unsetenv '\*': '\*' alone" --unsetenv '*'
bad "^veneer: --hostname '-x': not a host name" --hostname -x
bad "^veneer: --hostname 'a_b': not a host name" --hostname a_b
bad "^veneer: --hostname 'a{65}': longer than 64 bytes" --hostname "$(printf 'a%.0s' $(seq 65))"
printf 'env = NOVALUE\n' >"$T/bad.policy"
bad "^veneer: $T/bad.policy:1: env = 'NOVALUE'; give NAME=VALUE" --policy "$T/bad.policy"

# 7. the UTS namespace: the host's name by default, ours with --hostname
# or the policy's; a name set inside stays inside
host_name=$(uname -n)
venv_ok "$T/o" -- uname -n
assert_eq "$host_name" "$(cat "$T/o")" "the host's name by default"
venv_ok "$T/o" --hostname build-box.example -- sh -c 'uname -n; cat /proc/sys/kernel/hostname'
assert_eq "build-box.example
build-box.example" "$(cat "$T/o")" "--hostname"
venv_ok "$T/o" --policy "$T/env.policy" -- uname -n
assert_eq "lab-7" "$(cat "$T/o")" "the policy's hostname"
venv_ok "$T/o" --policy "$T/env.policy" --hostname cli-wins -- uname -n
assert_eq "cli-wins" "$(cat "$T/o")" "--hostname over the policy's"
venv_ok "$T/o" -- "$PY" -c 'import socket; socket.sethostname("changed-inside"); print(socket.gethostname())'
assert_eq "changed-inside" "$(cat "$T/o")" "sethostname inside"
assert_eq "$host_name" "$(uname -n)" "the host's name after a sethostname inside"
echo "environment: root's own; hostname: the sandbox's"
