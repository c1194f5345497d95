# Processes of other identities (--root-owned mode only): setuid and
# setgid executables, supplementary groups, what the kernel does to
# setuid/setgid bits when a non-root user writes, truncates or chmods,
# cp -a and tar -x by a user (owners it cannot give), renames in a
# sticky directory, an exec allowed by the capabilities setpriv keeps.
set -e
source "$DIFF_LIB"
as() { # as UID GID[,GROUP...] CMD...: setpriv with those ids
	local u=$1 g=${2%%,*} groups=${2#*,}
	shift 2
	if [ "$groups" = "$g" ]; then
		setpriv --reuid "$u" --regid "$g" --clear-groups "$@"
	else
		setpriv --reuid "$u" --regid "$g" --groups "$groups" "$@"
	fi
}
# a setuid and setgid copy of id
cp /usr/bin/id sid
chown 42:43 sid
chmod 6755 sid
echo "sid: $(./sid -u) $(./sid -g) real $(./sid -ru) $(./sid -rg)"
as 7 7 ./sid -u
as 7 7 sh -c 'echo "as 7: $(id -u) $(id -g) $(id -G)"'
as 7 7,42,3000000 sh -c 'echo "as 7 with groups: $(id -G)"'
# group 42 through a supplementary group: write into owners/sgid (2775)
rc as 7 7,42 sh -c 'echo by7 >owners/sgid/by7 && mkdir owners/sgid/d7'
rc as 7 7 sh -c 'echo no >owners/sgid/no7'
# setuid/setgid bits: a non-root writer or truncater clears them (root
# does not natively; inside a user namespace it does too: 74); chmod
# g+s by a non-member drops the bit
echo data >w
chown 42:42 w
chmod 6775 w
as 42 42 sh -c 'echo more >>w'
echo data >t && chown 42:42 t && chmod 4755 t
as 42 42 truncate -s 2 t
chown 7:0 owners/u42
as 7 7 chmod 2755 owners/u42
as 7 7,0 chmod 2644 owners/g42 2>&1 || true
chown 7:0 owners/g42
as 7 7,0 chmod 2644 owners/g42
# a user copies and unpacks: the owners are its own
mkdir -m 1777 drop
as 42 42 cp -a owners/d1 drop/d1-cp 2>&1 | sort
as 42 42 tar -C drop -xf archives/tree.tar
as 42 42 cp -p files/words.txt drop/words
# sticky: the owner of the file may rename it, another may not replace it
as 42 42 sh -c 'echo mine >drop/mine42'
as 1 1 sh -c 'echo mine >drop/mine1'
rc as 1 1 mv drop/mine1 drop/mine42
rc as 42 42 mv drop/mine42 drop/renamed42
rc as 1 1 rm -f drop/renamed42
# setpriv keeps root's capabilities until the exec: a 0700 script of
# root may be executed (the shell then cannot read it)
printf 'echo ran\n' >rootonly.sh
chmod 0700 rootonly.sh
rc as 42 42 ./rootonly.sh
owners sid w t owners drop
