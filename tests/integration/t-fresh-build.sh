#!/bin/bash
# The README's first command on a machine without the test framework, and
# an install as a user: a copy of the source tree, with criterion hidden
# from pkg-config (PKG_CONFIG_LIBDIR holds only the .pc file the main
# build needs: libcap-ng; libseccomp is the unit tests' alone):
#   - tools/demo with a build dependency missing fails saying which step
#     failed, with meson's own output (not an exit 1 without a word);
#   - tools/demo then builds without criterion (no unit tests) and runs
#     its demo: "outside: the host is unchanged";
#   - -Dtests=enabled fails at setup, naming criterion;
#   - meson install into ~/.local (a scratch HOME), as the README says, installs
#     veneer, the policies, veneer(1) and the bash completion; with the
#     source tree's policies gone, the installed veneer runs --policy
#     build from the installed ones (its /sys is empty, as build says);
#     man -l renders the installed page, and man finds it with the
#     prefix's bin on PATH; bash-completion loads the installed
#     completion, which completes commands and the installed policies.
source "$(dirname "$0")/lib.sh"
require_veneer
for tool in meson ninja pkg-config cc; do
	command -v "$tool" >/dev/null || skip "$tool is not installed (tools/deps.sh installs it)"
done

top=$(cd "$IT_DIR/../.." && pwd)
src=$T/src
mkdir -p "$src"
tar -C "$top" --exclude=./.git --exclude=./build --exclude='./build-*' -cf - . | tar -C "$src" -xf -
[ -x "$src/tools/demo" ] || fail "the copy of the tree has no tools/demo"

# pkg-config sees only what the main build needs
pc=$T/pc
mkdir -p "$pc" "$T/pc-empty"
for dep in libcap-ng; do
	dir=$(pkg-config --variable=pcfiledir "$dep") || fail "pkg-config does not know $dep"
	cp "$dir/$dep.pc" "$pc/"
done
export PKG_CONFIG_PATH=
for dep in criterion libseccomp; do
	if PKG_CONFIG_LIBDIR=$pc pkg-config --exists "$dep"; then
		fail "$dep is still visible to pkg-config through $pc"
	fi
done

# 1. a missing build dependency: the step that failed is named, with
#    meson's own output, and exit status 1
set +e
(cd "$src" && PKG_CONFIG_LIBDIR=$T/pc-empty tools/demo) >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 1 "$rc" "tools/demo without libcap-ng: exit status"
grep -q 'libcap-ng' "$T/e" || { show_file stderr "$T/e"; fail "tools/demo hid meson's output (no word of libcap-ng)"; }
assert_match '^tools/demo: configuring the build \(meson setup build\) failed' "$(tail -n 1 "$T/e")" \
	"tools/demo names the step that failed"

# 2. the first command works without criterion (after the failure above,
#    as a user who installed the missing package would run it again)
set +e
(cd "$src" && PKG_CONFIG_LIBDIR=$pc tools/demo) >"$T/o" 2>"$T/e"
rc=$?
set -e
if [ "$rc" != 0 ]; then
	show_file stdout "$T/o"
	show_file stderr "$T/e"
	fail "tools/demo without criterion: exit status $rc"
fi
grep -qx 'outside: the host is unchanged' "$T/o" || { show_file stdout "$T/o"; fail "the demo did not run"; }
grep -q 'criterion' "$src/build/meson-logs/meson-log.txt" || fail "the demo's build never looked for criterion"
grep -Eq 'Run-time dependency criterion found: NO|Dependency criterion .*found: NO' \
	"$src/build/meson-logs/meson-log.txt" || fail "the demo's build found criterion through $pc"
[ -x "$src/build/veneer" ] || fail "no build/veneer after tools/demo"
[ ! -e "$src/build/tests/unit-union" ] || fail "unit tests were built without criterion"
"$src/build/veneer" run -- true || fail "the demo's veneer cannot run true"

# 3. tests asked for without criterion: setup fails, naming it
set +e
PKG_CONFIG_LIBDIR=$pc meson setup "$T/b-tests" "$src" -Dtests=enabled >"$T/o" 2>&1
rc=$?
set -e
[ "$rc" != 0 ] || fail "meson setup -Dtests=enabled succeeded without criterion"
grep -Eq 'Dependency "criterion" not found|criterion.*not found' "$T/o" ||
	{ show_file "meson setup" "$T/o"; fail "meson setup -Dtests=enabled does not name criterion"; }

# 4. install as a user into ~/.local, with the README's command for a
#    tree where tools/demo made build/ (HOME is a scratch one)
export HOME=$T/home
mkdir -p "$HOME"
prefix=$HOME/.local
(cd "$src" && PKG_CONFIG_LIBDIR=$pc bash -c 'meson configure build --prefix ~/.local && meson install -C build') \
	>"$T/o" 2>&1 || { show_file "meson configure/install" "$T/o"; fail "meson install into ~/.local"; }
grep -qF 'meson configure build --prefix ~/.local && meson install -C build' "$top/README.md" ||
	fail "the README does not give the install command this test runs"
for f in bin/veneer share/man/man1/veneer.1 share/bash-completion/completions/veneer \
	share/veneer/policies/default.policy share/veneer/policies/build.policy \
	share/veneer/policies/lab.policy share/veneer/policies/container.policy; do
	[ -f "$prefix/$f" ] || fail "meson install did not install $f"
done

# The installed veneer reads only the installed policies, never the
# source tree's (which a build used in place reads first): a policy there
# with a typo it would refuse is not read ...
printf 'network = nowhere\n' >"$src/policies/build.policy"
"$prefix/bin/veneer" run --policy build -- true >"$T/o" 2>"$T/e" ||
	{ show_file stderr "$T/e"; fail "the installed veneer read the source tree's policies"; }
# ... and with the source tree's gone it still finds its own
rm -rf "$src/policies"
"$prefix/bin/veneer" run --policy build -- sh -c 'ls -A /sys | wc -l' >"$T/o" 2>"$T/e" ||
	{ show_file stderr "$T/e"; fail "the installed veneer cannot run --policy build"; }
assert_eq 0 "$(cat "$T/o")" "--policy build from the installed policies: /sys is empty"
set +e
"$prefix/bin/veneer" run --policy nosuch -- true >"$T/o" 2>"$T/e"
rc=$?
set -e
assert_eq 125 "$rc" "an unknown policy: exit status"
grep -qF "$prefix/share/veneer/policies" "$T/e" || fail "the installed veneer does not look in $prefix/share/veneer/policies: $(cat "$T/e")"

# the installed man page renders
MANPAGER=cat MANWIDTH=80 man -l "$prefix/share/man/man1/veneer.1" >"$T/o" 2>"$T/e" ||
	{ show_file stderr "$T/e"; fail "man -l cannot render the installed veneer.1"; }
grep -q '^NAME' "$T/o" && grep -q 'veneer run' "$T/o" || fail "the installed veneer.1 renders no page"

# found as a user finds it: man through PATH (man-db looks in
# BINDIR/../share/man), the completion through bash-completion's
# default $XDG_DATA_HOME, ~/.local/share
assert_eq "$prefix/share/man/man1/veneer.1" "$(PATH=$prefix/bin:$PATH MANPATH= man -w veneer 2>&1)" \
	"man finds the installed page with $prefix/bin on PATH"
bc=/usr/share/bash-completion/bash_completion
[ -f "$bc" ] || fail "no $bc: install bash-completion (tools/deps.sh)"
env -u XDG_DATA_HOME -u BASH_COMPLETION_USER_DIR bash -c 'source "$1" && __load_completion veneer && complete -p veneer' _ "$bc" \
	>"$T/o" 2>&1 || { show_file "bash-completion" "$T/o"; fail "bash-completion does not load the installed completion"; }
assert_eq "complete -F _veneer veneer" "$(cat "$T/o")" "bash-completion loads veneer's completion"

# the installed completion: commands, and the installed policies' names
# (a policy only the installed directory has proves where they come from)
cp "$prefix/share/veneer/policies/lab.policy" "$prefix/share/veneer/policies/only-installed.policy"
complete_words() { # WORD... (the last one is completed)
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _veneer; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$prefix/share/bash-completion/completions/veneer" "$@" | sort
}
assert_eq "check
commit
diff
doctor
export
help
image
import
rm
run" "$(complete_words veneer '')" "completion of the command"
assert_eq "build
container
default
lab
only-installed" "$(complete_words veneer run --policy '')" "completion of --policy"
echo "fresh build: the demo runs without criterion; installed veneer, policies, man page and completion work"
