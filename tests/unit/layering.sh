#!/bin/bash
# The layering of the supervisor, checked on its sources (docs/design.md,
# "The backend seam"): the union core includes no backend and nothing of
# seccomp or ptrace; calls/ and target/, which every backend shares,
# include nothing of notify/ and name no seccomp interface.  Prints each
# offending line; exit 1 on any.
set -uo pipefail
top=${1:?usage: layering.sh SOURCE-ROOT}
sup=$top/supervisor
bad=0

# forbid DIR WHAT ERE: lines of DIR's sources matching ERE break the rule WHAT
forbid() {
	local dir=$1 what=$2 ere=$3 hits
	[ -d "$sup/$dir" ] || { echo "layering: no $sup/$dir"; bad=1; return; }
	hits=$(grep -EnH -- "$ere" "$sup/$dir"/*.[ch] 2>/dev/null | sed "s|^$top/||")
	if [ -n "$hits" ]; then
		echo "layering: $dir/ $what:"
		printf '%s\n' "$hits" | sed 's/^/    /'
		bad=1
	fi
}

backend_includes='#include[[:space:]]*[<"](calls/|target/|notify/|ptrace/|backend\.h|listener\.h|calls\.h|call\.h|target\.h)'
seccomp_names='#include[[:space:]]*<(linux/seccomp\.h|seccomp\.h|sys/ptrace\.h|linux/ptrace\.h)>|SECCOMP_|PTRACE_'
forbid union "includes a backend" "$backend_includes"
forbid union "names seccomp or ptrace" "$seccomp_names"
for dir in calls target; do
	forbid "$dir" "includes the seccomp transport" '#include[[:space:]]*[<"](notify/|listener\.h)'
	forbid "$dir" "names seccomp or ptrace" "$seccomp_names"
done
[ "$bad" = 0 ] && echo "layering: union/, calls/ and target/ keep to their side of the seam"
exit "$bad"
