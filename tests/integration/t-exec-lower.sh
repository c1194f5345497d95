#!/bin/bash
# Executables that live only in a lower layer (--lower L --lower /):
# a "#!/bin/sh" script, a script whose interpreter is itself a script
# in L (nested "#!", which the kernel follows), an ELF program copied
# into L, each run by absolute path, through PATH (dash looks it up
# with stat), by a relative path from a cwd in L, and through a symlink
# in L.  A file without the x bit in L gives 126.
source "$(dirname "$0")/lib.sh"
require_veneer
require_free_host_path /vtbin

L=$T/L
mkdir -p "$L/vtbin"
cat >"$L/vtbin/hello.sh" <<'SH'
#!/bin/sh
echo "hello.sh as $0 with [$*]"
SH
cat >"$L/vtbin/interp" <<'SH'
#!/bin/sh
echo "interp got [$*]"
SH
printf '#!/vtbin/interp -x\nbody\n' >"$L/vtbin/uses-interp"
cp /bin/echo "$L/vtbin/myecho"
ln -s hello.sh "$L/vtbin/link-to-hello"
printf '#!/bin/sh\necho never\n' >"$L/vtbin/noexec"
chmod 755 "$L/vtbin/hello.sh" "$L/vtbin/interp" "$L/vtbin/uses-interp" "$L/vtbin/myecho"
chmod 644 "$L/vtbin/noexec"
before=$(snapshot "$L")
layers=(--lower "$L" --lower /)

check() {
	local what=$1 want=$2
	shift 2
	vrun_ok "$T/o" "$T/e" "${layers[@]}" "$@"
	assert_eq "$want" "$(cat "$T/o")" "$what"
}

check "#! script by absolute path" "hello.sh as /vtbin/hello.sh with [a b]" \
	-- /vtbin/hello.sh a b
check "nested #! interpreter in the lower" "interp got [-x /vtbin/uses-interp q]" \
	-- /vtbin/uses-interp q
check "ELF program in the lower" "from the lower" -- /vtbin/myecho from the lower
# dash passes the name found in PATH as $0 the way execve got it
vrun_ok "$T/o" "$T/e" "${layers[@]}" -- sh -c 'PATH=/vtbin:$PATH; hello.sh p'
assert_match '^hello.sh as (/vtbin/)?hello.sh with \[p\]$' "$(cat "$T/o")" "#! script through PATH"
check "relative path from a cwd in the lower" "hello.sh as ./hello.sh with []" \
	--chdir /vtbin -- ./hello.sh
check "through a symlink in the lower" "hello.sh as /vtbin/link-to-hello with [s]" \
	-- /vtbin/link-to-hello s

vrun "$T/o" "$T/e" "${layers[@]}" -- /vtbin/noexec
assert_eq 126 "$VRC" "a file without x bit in the lower: exit status"
assert_eq "" "$(cat "$T/o")" "the non-executable file must not run"

assert_eq "$before" "$(snapshot "$L")" "the lower changed"
echo "executables in a lower: all ran"
