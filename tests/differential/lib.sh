# tests/differential/lib.sh - helpers for the differential scenarios.
# shellcheck shell=bash
#
# A scenario sources it with: source "$DIFF_LIB"
# Everything here prints only what is the same natively and inside
# veneer for the same tree: relative paths, no owners, no inode numbers,
# no block counts, no directory sizes (file-system specific), and times
# of the run itself as "new".

# times at or after this (2020-01-01) are the run's own
DIFF_NEW_EPOCH=1577836800

# rc CMD [ARG...]: run CMD, then print "rc=STATUS: CMD ARG..."; never
# fails, so set -e scenarios can show error behaviour
rc() {
	local r=0
	"$@" || r=$?
	echo "rc=$r: $*"
}

# lsl [LS-ARG...]: ls -la, normalised: no "total" lines, no owner and
# group columns, "-" as the size of directories, times as epochs (or
# "new"), no ".." entry (whose parent is outside the tree), no trailing
# security-context marker after the mode
lsl() {
	ls -la --time-style=+%s "$@" | awk -v new="$DIFF_NEW_EPOCH" '
	/^total [0-9]/ { next }
	NF >= 7 && $1 ~ /^[-dlpcbs][-rwxsStT][-rwxsStT]/ {
		if ($7 == "..") next
		sub(/[.+]$/, "", $1)
		if ($1 ~ /^d/) $5 = "-"
		if ($6 + 0 >= new) $6 = "new"
		line = $1 " " $2 " " $5 " " $6
		for (i = 7; i <= NF; i++) line = line " " $i
		print line
		next
	}
	{ print }'
}

# tree_list PATH...: every object below (and including) PATH, sorted:
# path, type, mode, size (files only), nlink (non-directories), target
tree_list() {
	find "$@" -printf '%p|%y|%m|%s|%n|%l\n' | awk -F'|' -v OFS='|' '
	$2 == "d" { $4 = "-"; $5 = "-" } { print }' | sort
}

# sums PATH...: sha256 of every regular file below PATH, sorted by name
sums() {
	find "$@" -type f -print0 | sort -z | xargs -0 -r sha256sum
}

# times PATH...: "PATH mtime" per path (no dereferencing), "new" for times
# of the run itself
times() {
	local p t
	for p in "$@"; do
		t=$(stat -c %Y -- "$p") || continue
		if [ "$t" -ge "$DIFF_NEW_EPOCH" ]; then t=new; fi
		echo "$p $t"
	done
}

# st PATH...: type, mode, size (files only) and link count of each PATH
st() {
	local p
	for p in "$@"; do
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			stat -c '%n %F %a' -- "$p"
		else
			stat -c '%n %F %a %s nlink=%h' -- "$p"
		fi
	done
}

# owners PATH...: "PATH UID:GID MODE" for every object below (and
# including) PATH, sorted; only for scenarios that run where both sides
# are root (scenarios-root/, the --root-owned mode)
owners() {
	find "$@" -printf '%p %U:%G %m\n' | sort
}
