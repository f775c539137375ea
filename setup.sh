#!/bin/sh
# Set up a fresh Debian 12 machine (as root) and run one of the README's
# two commands:
#   ./setup.sh demo   install the build packages, build nrexec, show a drop
#   ./setup.sh test   install the build and test packages, run `make test`
#   ./setup.sh deps [test]   only install
set -eu
cd "$(dirname "$0")"

BUILD_PKGS="make gcc libc6-dev libcap-ng-dev busybox-static"
# make dist (src/build/dist-deps.sh installs the same when missing) and
# its tests: Debian's cross compilers and kernel headers for every release
# architecture, qemu-user to run them, minisign, skopeo, jsonschema
DIST_PKGS="git debian-archive-keyring gcc-aarch64-linux-gnu gcc-arm-linux-gnueabihf
           gcc-i686-linux-gnu gcc-powerpc64le-linux-gnu gcc-s390x-linux-gnu
           gcc-riscv64-linux-gnu linux-libc-dev-amd64-cross linux-libc-dev-arm64-cross
           linux-libc-dev-armhf-cross linux-libc-dev-i386-cross
           linux-libc-dev-ppc64el-cross linux-libc-dev-s390x-cross
           linux-libc-dev-riscv64-cross qemu-user-static minisign skopeo
           python3-jsonschema"
# musl build (libcap-ng from Debian's source), cmocka, the integration
# tests' helpers, the container suites' engines (Docker; Podman with runc,
# newuidmap for rootless, catatonit for its pause process; nss_wrapper for
# the OpenShift passwd recipe) and base image
TEST_PKGS="$BUILD_PKGS libcmocka-dev musl-tools dpkg-dev python3 procps e2fsprogs
           util-linux time strace valgrind cppcheck clang clang-tidy
           libcap2-bin iputils-ping
           libclang-rt-14-dev docker.io podman runc uidmap catatonit
           libnss-wrapper
           debootstrap ca-certificates tini
           $DIST_PKGS"

install() {
	missing=""
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	[ "$(id -u)" = 0 ] || { echo "setup.sh: need root to install:$missing" >&2; exit 1; }
	echo "setup.sh: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

case "${1:-}" in
demo) install $BUILD_PKGS; exec make demo ;;
test) install $TEST_PKGS; exec make test ;;
deps) if [ "${2:-}" = test ]; then install $TEST_PKGS; else install $BUILD_PKGS; fi ;;
*) sed -n '2,7p' "$0" >&2; exit 2 ;;
esac
