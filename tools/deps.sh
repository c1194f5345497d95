# SPDX-License-Identifier: Apache-2.0
# Sourced by tools/demo and tools/check: install the Debian packages that
# veneer needs to build (and, for the tests, the real tools they drive).
# apt-get runs with --no-install-recommends, so what gcc only recommends
# (libc6-dev: crt1.o, the headers) is named here.

VENEER_BUILD_PACKAGES="gcc libc6-dev meson ninja-build pkg-config libcap-ng-dev"
VENEER_TEST_PACKAGES="strace gdb libcriterion-dev libseccomp-dev man-db groff-base bash-completion libc6-dev python3 python3-venv passt git make gcc tar gzip zstd umoci skopeo xz-utils findutils coreutils diffutils attr dpkg procps util-linux passwd debootstrap clang libclang-rt-dev busybox debhelper help2man texinfo"

# install_packages PKG...: apt-get install whatever is not installed yet.
install_packages() {
	local missing=()
	for pkg in "$@"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
			missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "veneer: installing ${missing[*]}" >&2
	local sudo=()
	if [ "$(id -u)" != 0 ]; then
		if ! command -v sudo >/dev/null; then
			echo "veneer: missing packages (${missing[*]}); run as root: apt-get install ${missing[*]}" >&2
			return 1
		fi
		sudo=(sudo)
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >&2
}
