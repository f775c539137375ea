#!/bin/sh
# Install what `make dist` needs, from Debian's packages, when missing:
# a cross compiler and the kernel headers for every architecture in
# src/build/arches, and the tools that fetch, unpack and package sources.
#
# Usage: sh src/build/dist-deps.sh [ARCH...]   (default: every architecture)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -gt 0 ] || set -- $(awk '!/^#/ && NF { print $1 }' "$here/arches")

pkgs="make gcc binutils dpkg-dev apt debian-archive-keyring python3 tar gzip"
for a in "$@"; do
	line=$(awk -v a="$a" '$1 == a { print $2, $5 }' "$here/arches")
	[ -n "$line" ] || { echo "dist-deps.sh: unknown architecture '$a'" >&2; exit 2; }
	triplet=${line% *} debarch=${line#* }
	# amd64 is built by the host's gcc, which provides x86_64-linux-gnu-gcc;
	# every target takes its kernel headers from the -cross package, so all
	# seven are built against the same linux-libc-dev version
	[ "$a" = amd64 ] || pkgs="$pkgs gcc-$triplet binutils-$triplet"
	pkgs="$pkgs linux-libc-dev-$debarch-cross"
done

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -n "$missing" ] || exit 0
[ "$(id -u)" = 0 ] || { echo "dist-deps.sh: need root to install:$missing" >&2; exit 1; }
echo "dist-deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
# shellcheck disable=SC2086
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
