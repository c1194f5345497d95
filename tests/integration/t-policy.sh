#!/bin/bash
# Policies: the shipped ones do what policies/README.md says (network,
# /sys, capabilities), and a policy file with a mistake is refused with
# one line naming the file and the line, before anything runs.
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "network, capability or /sys policies (namespaces)"

# CapEff, the interfaces the sandbox sees, and what /sys holds
probe='grep CapEff /proc/self/status | tr -d "\t"
	echo "net=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " ")"
	echo "sys=$(ls /sys | wc -l)"'

vrun_ok "$T/o" "$T/e" --policy build -- sh -c "$probe"
assert_eq "CapEff:00000000880400df
net=lo 
sys=0" "$(cat "$T/o")" "policy build: file capabilities and sys_chroot only, loopback only, empty /sys"

vrun_ok "$T/o" "$T/e" --policy build -- /usr/bin/python3 -c '
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
c = socket.create_connection(s.getsockname()); a, _ = s.accept()
c.sendall(b"ping"); print(a.recv(4).decode())'
assert_eq "ping" "$(cat "$T/o")" "policy build: loopback is up"

vrun_ok "$T/o" "$T/e" --policy lab -- sh -c "$probe"
assert_match '^CapEff:0000000000000000$' "$(head -n 1 "$T/o")" "policy lab: no capabilities"
assert_match '^sys=[1-9]' "$(tail -n 1 "$T/o")" "policy lab: the host's /sys"

vrun_ok "$T/o" "$T/e" -- sh -c "$probe"
assert_match '^CapEff:0*1f+$' "$(head -n 1 "$T/o")" "default policy: every capability"
host_net=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " ")
assert_eq "net=$host_net" "$(sed -n 2p "$T/o")" "default policy: the host's network"

vrun_ok "$T/o" "$T/e" --policy container -- sh -c "$probe"
assert_eq "CapEff:00000000a80425fb" "$(head -n 1 "$T/o")" "policy container: Docker's set"

# A mistake: exit 125, one line naming file and line, the command not run.
printf 'network = none\nsys = off\n' >"$T/typo.policy"
vrun "$T/o" "$T/e" --policy "$T/typo.policy" -- touch "$T/ran"
assert_eq 125 "$VRC" "a bad policy exits 125"
assert_eq "veneer: $T/typo.policy:2: sys = 'off'; use read-only or none" "$(cat "$T/e")" \
	"a bad policy is one line naming file and line"
[ ! -e "$T/ran" ] || fail "the command ran despite a bad policy"

vrun "$T/o" "$T/e" --policy no-such-policy -- true
assert_eq 125 "$VRC" "an unknown policy name exits 125"
assert_match '^veneer: --policy no-such-policy: no such policy' "$(cat "$T/e")" \
	"an unknown policy name is named"
echo "policies apply and mistakes are refused"
