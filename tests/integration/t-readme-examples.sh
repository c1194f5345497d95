#!/bin/bash
# The README's examples are the ones the tests run.  Every ```sh or
# ```console block of README.md is marked by the line before it (and a
# ```text block may be, to have what it shows checked):
#   <!-- example: NAME -->                      run here, as written
#   <!-- example: NAME; WHY: tested by FILE... -->
#                                               not run here (it needs root,
#                                               a terminal, a build of the
#                                               tree); FILE does the same
# and this test fails on an unmarked block, a marker without a block, a
# name used twice, a FILE that does not exist (t-*.sh is in this
# directory, anything else is relative to the tree), a runnable example
# this test has no runner for, or a runner without its example.
#
# Each runnable example is run as the unprivileged test user, with:
#   - `veneer` on PATH: the binary under test (a wrapper in $T/bin);
#   - HOME a scratch directory (so ~/ctr1, ~/.lab are scratch);
#   - its own scratch directory as the cwd (./ctr1-upper, $PWD);
#   - text substitutions, and only these: /tmp/ becomes the scratch
#     directory ($T/); an image or chroot path (/srv/images/bookworm,
#     /srv/lab-root) becomes the root-owned Debian 12 base of the root
#     fixtures ($VENEER_ROOT_FIXTURES/debian-base/root); for the build
#     chroot, `--lower /srv/chroot/bookworm` becomes that base under a
#     layer holding the host's /usr/bin/make (the base is minbase: no make);
#   - ./rootfs, which the README names as an image root, is a symlink to
#     that base (no substitution);
#   - an interactive shell (bash, bash -l, sh) reads its commands from
#     stdin, as typed.
# An ```sh block runs as one `bash -e` script.  In a ```console block each
# "$ " line (with its "\" continuations) runs with `bash -c`, stdout and
# stderr together, and must print exactly the lines below it; the one
# output substitution: a date and time "YYYY-MM-DD HH:MM" (tar tv) is
# compared as such, not as the README's instant.  The examples over the
# base are skipped (with a note) when the root fixtures are absent.
#
# The demo's output (a ```text block) is what tools/demo prints, run as
# the README says but in a scratch tree whose build/ is the binary under
# test (its build steps, meson, do nothing there); compared with the
# host's own /etc/hosts and /etc/debian_version, the upper's name and the
# pid left out.
#
# And docs/veneer.1's EXAMPLES: every command there is a command of a
# README example (so of a run one, or of one whose test is named).
source "$(dirname "$0")/lib.sh"
require_veneer
unless_hostroot "root inside, policies and --bind, which the README's examples show (they are the notify rung's)"

top=$(cd "$IT_DIR/../.." && pwd)
readme=$top/README.md
page=$top/docs/veneer.1
[ -f "$readme" ] || fail "no README.md"
[ -f "$page" ] || fail "no docs/veneer.1"

# ------------------------------------------------------------- extraction
# Writes $T/ex/NAME.kind (sh, console or text), $T/ex/NAME.text (the block),
# $T/ex/NAME.tested (the FILEs of "tested by", when not run here), and
# $T/ex/index (one name a line, in order); prints one line per mistake
# and exits 1 on any.
mkdir -p "$T/ex"
"$PY" - "$readme" "$T/ex" <<'EOF' || fail "README.md's example markers (above)"
import re, sys
readme, out = sys.argv[1], sys.argv[2]
lines = open(readme, encoding="utf-8").read().split("\n")
marker_re = re.compile(r"^<!-- example: ([a-z0-9][a-z0-9-]*)(?:; (.*))? -->$")
errors, names = [], []
i, fence = 0, None
while i < len(lines):
    line = lines[i]
    if fence is not None:
        if line == "```":
            fence = None
        i += 1
        continue
    if line.startswith("<!--") and "example" in line:
        m = marker_re.match(line)
        if not m:
            errors.append(f"README.md:{i+1}: a malformed example marker: {line}")
            i += 1
            continue
        name, rest = m.group(1), m.group(2)
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt not in ("```sh", "```console", "```text"):
            errors.append(f"README.md:{i+1}: the marker of '{name}' is not followed by a ```sh, ```console or ```text block")
            i += 1
            continue
        j = i + 2
        while j < len(lines) and lines[j] != "```":
            j += 1
        if j == len(lines):
            errors.append(f"README.md:{i+2}: the block of '{name}' never ends")
            break
        if name in names:
            errors.append(f"README.md:{i+1}: the example name '{name}' is used twice")
        names.append(name)
        open(f"{out}/{name}.kind", "w").write(nxt[3:] + "\n")
        open(f"{out}/{name}.text", "w").write("\n".join(lines[i + 2:j]) + "\n")
        if rest is not None:
            m2 = re.search(r"tested by (.+)$", rest)
            files = re.findall(r"[A-Za-z0-9_./-]+\.sh\b|\btools/[a-z]+\b|\.ci/run\b", m2.group(1)) if m2 else []
            if not files:
                errors.append(f"README.md:{i+1}: '{name}' is not run here but names no test ('...: tested by FILE')")
            open(f"{out}/{name}.tested", "w").write("\n".join(files) + "\n")
        i = j + 1
        continue
    m = re.match(r"^```(\S*)$", line)
    if m:
        if m.group(1) in ("sh", "console", "bash", "shell", "shell-session"):
            errors.append(f"README.md:{i+1}: a ```{m.group(1)} block without an example marker before it")
        fence = m.group(1)
    i += 1
open(f"{out}/index", "w").write("".join(n + "\n" for n in names))
for e in errors:
    print(e)
sys.exit(1 if errors else 0)
EOF
[ -s "$T/ex/index" ] || fail "README.md has no marked example"
note "README examples: $(tr '\n' ' ' <"$T/ex/index")"

# the tests named by examples that are not run here exist
while read -r name; do
	[ -f "$T/ex/$name.tested" ] || continue
	while read -r f; do
		case $f in
		t-*.sh) path=$IT_DIR/$f ;;
		*) path=$top/$f ;;
		esac
		[ -f "$path" ] || fail "README example '$name' is tested by $f, which does not exist"
	done <"$T/ex/$name.tested"
done <"$T/ex/index"

# ---------------------------------------------------------- the set-up
mkdir -p "$T/bin" "$T/home"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$VENEER" >"$T/bin/veneer"
chmod +x "$T/bin/veneer"
BASE=
fx=${VENEER_ROOT_FIXTURES:-}
if [ -n "$fx" ] && [ -f "$fx/debian-base/.complete" ]; then
	BASE=$fx/debian-base/root
	assert_eq "0:0" "$(stat -c %u:%g "$BASE")" "the base $BASE is not root-owned"
else
	note "no root fixtures (VENEER_ROOT_FIXTURES): the examples over a base are not run"
fi
# substitute < BLOCK > SCRIPT: the substitutions listed at the top
substitute() {
	# /tmp/ first, and only where a path starts (the others name $T)
	sed -E -e "s#(^|[ \"'=])/tmp/#\1$T/#g" \
		-e "s#--lower /srv/chroot/bookworm#--lower $T/make-layer --lower $BASE#g" \
		-e "s#/srv/images/bookworm#$BASE#g" -e "s#/srv/lab-root#$BASE#g"
}
# in_example NAME COMMAND...: run COMMAND in NAME's scratch cwd, with the
# examples' environment
in_example() {
	local name=$1
	shift
	mkdir -p "$T/w/$name"
	(cd "$T/w/$name" && env HOME="$T/home" PATH="$T/bin:$PATH" "$@")
}
# run_sh NAME STDIN-FILE: run the ```sh block NAME as one bash -e script,
# its stdin from STDIN-FILE; output in $T/NAME.out, $T/NAME.err
run_sh() {
	local name=$1 input=$2 rc=0
	assert_eq sh "$(cat "$T/ex/$name.kind")" "README example '$name' is a \`\`\`sh block"
	substitute <"$T/ex/$name.text" >"$T/$name.sh"
	in_example "$name" bash -e "$T/$name.sh" <"$input" >"$T/$name.out" 2>"$T/$name.err" || rc=$?
	if [ "$rc" != 0 ]; then
		show_file "the example (substituted)" "$T/$name.sh" >&2
		show_file stdout "$T/$name.out" >&2
		show_file stderr "$T/$name.err" >&2
		fail "README example '$name' exited $rc"
	fi
}
# run_console NAME: run each "$ " command of the ```console block NAME
# and compare what it prints with the lines the README shows under it
run_console() {
	local name=$1 n=0 cmd
	assert_eq console "$(cat "$T/ex/$name.kind")" "README example '$name' is a \`\`\`console block"
	substitute <"$T/ex/$name.text" >"$T/$name.console"
	# split into $T/$name.cmd.N and $T/$name.exp.N
	awk -v pre="$T/$name" '
		cont { print substr($0, 1) > (pre ".cmd." n); cont = /\\$/; next }
		/^\$ / { n++; print substr($0, 3) > (pre ".cmd." n); printf "" > (pre ".exp." n); cont = /\\$/; next }
		n == 0 { print "output before the first command: " $0; exit 1 }
		{ print > (pre ".exp." n) }
		END { print n > (pre ".count") }' "$T/$name.console" ||
		fail "README example '$name': not a console transcript"
	while [ "$n" -lt "$(cat "$T/$name.count")" ]; do
		n=$((n + 1))
		cmd=$(cat "$T/$name.cmd.$n")
		in_example "$name" bash -c "$cmd" </dev/null >"$T/$name.got.$n" 2>&1 || :
		sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM/' "$T/$name.exp.$n" >"$T/a"
		sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/YYYY-MM-DD HH:MM/' "$T/$name.got.$n" >"$T/b"
		assert_files_eq "$T/a" "$T/b" "README example '$name': \$ $cmd"
	done
	[ "$n" -gt 0 ] || fail "README example '$name' has no command"
}
# needs_base NAME: false (with a note) when there is no base
needs_base() {
	[ -n "$BASE" ] && return 0
	note "README example '$1' not run: it needs the root fixtures' base"
	return 1
}

# ---------------------------------------------------------- the runners
# One per runnable example: the set-up it needs, the run, what it shows.

example_shell() { # veneer run -- bash
	printf '%s\n' 'echo written inside >/etc/veneer-readme-shell' 'rm /etc/debian_version' \
		'cat /etc/veneer-readme-shell' '[ -e /etc/debian_version ] || echo gone' >"$T/in"
	run_sh shell "$T/in"
	assert_eq "written inside
gone" "$(cat "$T/shell.out")" "README example 'shell': what bash did inside"
	[ ! -e /etc/veneer-readme-shell ] || fail "README example 'shell' changed the host"
}

example_what-if() { # make install into /tmp/what-if, then veneer diff
	require_free_host_path /usr/local/share/veneer-readme
	mkdir -p "$T/w/what-if"
	printf 'install:\n\tmkdir -p /usr/local/share/veneer-readme\n\techo installed >/usr/local/share/veneer-readme/what-if\n' \
		>"$T/w/what-if/Makefile"
	run_sh what-if /dev/null
	# the directories above the new one are not changes of their own
	printf '%s\n' "A d 0755 0:0 /usr/local/share/veneer-readme" \
		"A f 0644 0:0 /usr/local/share/veneer-readme/what-if" >"$T/what-if.exp"
	# (make echoes its commands first)
	grep -E '^[ACDO] ' "$T/what-if.out" >"$T/what-if.diff" || :
	assert_files_eq "$T/what-if.exp" "$T/what-if.diff" "README example 'what-if': veneer diff shows what make install did"
	[ ! -e /usr/local/share/veneer-readme ] || fail "README example 'what-if' changed the host"
}

example_build() { # make over a chroot, --bind $PWD:/build
	needs_base build || return 0
	mkdir -p "$T/make-layer/usr/bin" "$T/w/build"
	cp /usr/bin/make "$T/make-layer/usr/bin/make"
	# what the build sees: the chroot's Debian, no network but loopback,
	# an empty /sys (the build policy)
	printf '%s\n' 'all:' '	cat /etc/debian_version >built' \
		"	tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' >>built" \
		'	ls -A /sys | wc -l >>built' >"$T/w/build/Makefile"
	run_sh build /dev/null
	[ -f "$T/w/build/built" ] || fail "README example 'build': make's output is not in \$PWD"
	assert_eq "$(cat "$BASE/etc/debian_version")
lo
0" "$(cat "$T/w/build/built")" "README example 'build': what make saw (the chroot, no network, no /sys)"
	assert_eq "$MY_UID" "$(stat -c %u "$T/w/build/built")" "README example 'build': the output is the caller's on the host"
}

example_container() { # apt-get install hello over an image, veneer export
	needs_base container || return 0
	[ ! -e "$BASE/usr/bin/hello" ] || fail "the base already has /usr/bin/hello"
	run_sh container /dev/null
	assert_eq "Hello, world!" "$(tail -n 1 "$T/container.out")" "README example 'container': hello's greeting"
	tar tvf "$T/w/container/ctr1-layer.tar" --numeric-owner >"$T/ctr1.list" ||
		fail "README example 'container': tar cannot list ctr1-layer.tar"
	assert_match '^-rwxr-xr-x 0/0 .* usr/bin/hello$' "$(grep ' usr/bin/hello$' "$T/ctr1.list")" \
		"README example 'container': the layer has hello, root's"
	[ ! -e "$BASE/usr/bin/hello" ] || fail "README example 'container' changed the base"
}

example_lab() { # bash -l under the lab policy over a base, twice
	needs_base lab || return 0
	if ! command -v pasta >/dev/null; then
		note "README example 'lab' not run: no pasta (apt-get install passt; t-network-private.sh)"
		return 0
	fi
	# (its cwd is the caller's where the base has it, else /)
	printf '%s\n' 'cd' 'pwd' 'id -u' 'echo student work >note' >"$T/in"
	run_sh lab "$T/in"
	assert_eq "/root
0" "$(cat "$T/lab.out")" "README example 'lab': bash -l's HOME is root's, the shell is root"
	[ -d "$T/home/.lab" ] || fail "README example 'lab': no ~/.lab after the run"
	printf '%s\n' 'cat ~/note' >"$T/in"
	run_sh lab "$T/in"
	assert_eq "student work" "$(cat "$T/lab.out")" "README example 'lab': the student's root persists in ~/.lab"
}

example_overlayfs-upper() { # an overlayfs upperdir over an image root
	needs_base overlayfs-upper || return 0
	local w=$T/w/overlayfs-upper
	mkdir -p "$w/ctr1-upper/etc/apt"
	ln -s "$BASE" "$w/rootfs"
	echo "from the upper" >"$w/ctr1-upper/etc/from-upper"
	echo "mine" >"$w/ctr1-upper/etc/apt/mine"
	# what kernel overlayfs writes (userxattr): a 0/0 device deletes, the
	# opaque xattr hides the lower's directory
	if ! mknod "$w/ctr1-upper/etc/debian_version" c 0 0 2>/dev/null ||
		! setfattr -n user.overlay.opaque -v y "$w/ctr1-upper/etc/apt" 2>/dev/null; then
		note "README example 'overlayfs-upper' not run: no 0/0 mknod or user xattrs here"
		return 0
	fi
	printf '%s\n' 'cat /etc/from-upper' 'cat /etc/debian_version 2>&1' 'ls /etc/apt' >"$T/in"
	run_sh overlayfs-upper "$T/in"
	assert_eq "from the upper
cat: /etc/debian_version: No such file or directory
mine" "$(cat "$T/overlayfs-upper.out")" "README example 'overlayfs-upper': the union of the upperdir and the image"
}

example_exit-status() {
	run_console exit-status
}

example_environment() {
	run_console environment
}

example_diff-export() {
	local f
	for f in /etc/motd /etc/debian_version /srv; do
		if [ ! -e "$f" ]; then
			note "README example 'diff-export' not run: the host has no $f"
			return 0
		fi
	done
	require_free_host_path /srv/data
	run_console diff-export
}

example_commit() {
	run_console commit
}

example_keep-commit() {
	run_console keep-commit
}

example_record() {
	run_console record
}

example_import() {
	require_free_host_path /greeting
	require_free_host_path /name
	run_console import
}

example_check() {
	require_free_host_path /opt-note
	run_console check
}

example_rm() {
	require_free_host_path /opt/ro
	run_console rm
}

example_demo-output() { # tools/demo's output, as the README shows it
	assert_eq text "$(cat "$T/ex/demo-output.kind")" "README example 'demo-output' is a \`\`\`text block"
	local tree=$T/w/demo-output/tree
	mkdir -p "$tree/tools" "$tree/build" "$T/fakebin"
	cp "$top/tools/demo" "$top/tools/deps.sh" "$tree/tools/"
	: >"$tree/build/build.ninja"
	cp "$T/bin/veneer" "$tree/build/veneer"
	printf '#!/bin/sh\nexit 0\n' >"$T/fakebin/meson"
	chmod +x "$T/fakebin/meson"
	(cd "$tree" && env PATH="$T/fakebin:$PATH" tools/demo) >"$T/demo.out" 2>"$T/demo.err" || {
		show_file stderr "$T/demo.err" >&2
		fail "README example 'demo-output': tools/demo failed"
	}
	# the host's own files, the upper's name and the pid differ by machine
	normalise_demo() {
		sed -E -e 's/^(inside veneer: uid 0, pid )[0-9]+$/\1N/' \
			-e 's/^(outside: \/etc\/hosts ).*/\1(as the host has it)/' \
			-e 's/^(the upper \().*\/veneer-demo-upper\.[A-Za-z0-9]+(\) holds)/\1UPPER\2/'
	}
	normalise_demo <"$T/ex/demo-output.text" >"$T/a"
	normalise_demo <"$T/demo.out" >"$T/b"
	assert_files_eq "$T/a" "$T/b" "README example 'demo-output': what tools/demo prints"
}

runners="demo-output shell what-if keep-commit record build container lab overlayfs-upper exit-status environment diff-export rm commit import check"
for r in $runners; do
	[ -f "$T/ex/$r.kind" ] || fail "this test runs README example '$r', which README.md no longer has"
	[ ! -f "$T/ex/$r.tested" ] || fail "README example '$r' says it is not run here, but this test runs it"
done
ran=0
while read -r name; do
	[ -f "$T/ex/$name.tested" ] && continue
	case " $runners " in
	*" $name "*) ;;
	*) fail "README example '$name' is marked to be run, but this test has no runner for it" ;;
	esac
	start=$SECONDS
	"example_$name"
	note "example $name: $((SECONDS - start))s"
	ran=$((ran + 1))
done <"$T/ex/index"
note "ran $ran README examples"

# ------------------------------------------------- the man page's EXAMPLES
# commands_of: one command a line, "\" continuations joined, blanks
# squeezed, comments (whole lines, and "  # ..." at the end) dropped
commands_of() {
	awk '{ sub(/^\$ /, ""); sub(/  +# .*$/, "") }
		/^#/ || /^[ \t]*$/ { next }
		{ line = line $0 }
		/\\$/ { sub(/\\$/, "", line); next }
		{ gsub(/[ \t]+/, " ", line); print line; line = "" }'
}
while read -r name; do
	if [ "$(cat "$T/ex/$name.kind")" = console ]; then
		grep '^\$ ' "$T/ex/$name.text" | commands_of
	else
		commands_of <"$T/ex/$name.text"
	fi
done <"$T/ex/index" | sort -u >"$T/readme-commands"
awk '/^\.SH EXAMPLES/ { on = 1; next } /^\.SH / { on = 0 }
	on && /^\.nf/ { nf = 1; next } on && /^\.fi/ { nf = 0; next }
	on && nf' "$page" |
	sed -e 's/\\-/-/g' -e "s/\\\\(aq/'/g" -e 's/\\e/\\/g' | commands_of >"$T/man-commands"
[ -s "$T/man-commands" ] || fail "veneer.1 has no EXAMPLES commands"
while read -r c; do
	grep -qxF -- "$c" "$T/readme-commands" ||
		fail "veneer.1's example '$c' is not a command of a README example"
done <"$T/man-commands"
echo "README examples: $ran run as written; the rest name their tests; veneer.1's are the README's"
