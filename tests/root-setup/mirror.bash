# SPDX-License-Identifier: Apache-2.0
# Sourced by the root set-up scripts (not one of them: not *.sh).
# $suite: the Debian suite (bookworm).
# the first enabled "deb" source of SUITE in the host's apt configuration
# (one-line sources.list files and deb822 .sources files)
host_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		# deb [options] URI SUITE COMPONENT...
		sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
			awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }'
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$suite" '
		function flush() {
			if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " s " ") &&
			    tolower(enabled) != "no" && uris != "") {
				split(uris, u, " "); print u[1]; found = 1; exit
			}
			types = suites = uris = enabled = ""
		}
		/^[ \t]*#/ { next }
		/^[ \t]*$/ { flush(); next }
		{
			key = tolower($1); sub(/:$/, "", key)
			val = $0; sub(/^[^:]*:[ \t]*/, "", val)
			if (key == "types") types = val
			else if (key == "suites") suites = val
			else if (key == "uris") uris = val
			else if (key == "enabled") enabled = val
		}
		END { if (!found) flush() }' "$f"
	done
}

