#!/bin/sh
# Build a static libcap-ng for musl from Debian's source package.
#
# Usage: sh src/build/libcap-ng-musl.sh OUTDIR
#
# Produces:
#   OUTDIR/include/cap-ng.h
#   OUTDIR/lib/libcap-ng.a   (musl-gcc, -Os, one section per function/object)
#   OUTDIR/kinc/{linux,asm,asm-generic}  symlinks to the kernel headers;
#                            pass "-isystem OUTDIR/kinc" to musl-gcc
#                            (never "-isystem /usr/include").
#
# Needs musl-tools, dpkg-dev and build-essential (apt-get, dpkg-source, ar).
# The source comes from `apt-get source` with a private deb-src list and
# private apt state/cache directories: no system apt configuration or state
# is changed. Debian's patches are applied by dpkg-source -x.
#
# Environment overrides (optional):
#   LIBCAPNG_MIRROR  default http://deb.debian.org/debian
#   LIBCAPNG_SUITE   default VERSION_CODENAME from /etc/os-release (Debian),
#                    else bookworm
#
# libcap-ng is LGPL-2.1-or-later; the archive built here is linked statically.

set -eu

me=${0##*/}
die() { printf '%s: error: %s\n' "$me" "$*" >&2; exit 1; }

if [ $# -ne 1 ] || [ -z "$1" ]; then
	printf 'usage: sh %s OUTDIR\n' "$0" >&2
	exit 2
fi

script=$0
out=$1
lib=$out/lib/libcap-ng.a

# Idempotence: an archive newer than this script means there is nothing to do.
# (find -newer rather than test -nt, which POSIX sh does not define.)
if [ -f "$lib" ] && [ -f "$out/include/cap-ng.h" ] && [ -d "$out/kinc" ] &&
   [ -n "$(find "$lib" -prune -newer "$script" 2>/dev/null)" ]; then
	exit 0
fi

# ---- prerequisites --------------------------------------------------------
missing=
need() { command -v "$1" >/dev/null 2>&1 || missing="$missing $1($2)"; }
need musl-gcc musl-tools
need apt-get apt
need dpkg-source dpkg-dev
need ar binutils
need tar tar
[ -z "$missing" ] ||
	die "missing tools:$missing; run: apt-get install musl-tools dpkg-dev build-essential"

# Kernel UAPI headers (package linux-libc-dev, pulled in by build-essential).
multiarch=
if command -v gcc >/dev/null 2>&1; then
	multiarch=$(gcc -print-multiarch 2>/dev/null || true)
fi
if [ -z "$multiarch" ] && command -v dpkg-architecture >/dev/null 2>&1; then
	multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || true)
fi
[ -n "$multiarch" ] || multiarch=x86_64-linux-gnu
k_linux=/usr/include/linux
k_asm=/usr/include/$multiarch/asm
k_generic=/usr/include/asm-generic
for f in "$k_linux/capability.h" "$k_asm/unistd.h" "$k_generic/errno.h"; do
	[ -f "$f" ] || die "kernel header $f not found; run: apt-get install linux-libc-dev"
done

# ---- apt source configuration ----------------------------------------------
mirror=${LIBCAPNG_MIRROR:-http://deb.debian.org/debian}
suite=${LIBCAPNG_SUITE:-}
if [ -z "$suite" ] && [ -r /etc/os-release ]; then
	suite=$(
		ID=; VERSION_CODENAME=
		# shellcheck disable=SC1091
		. /etc/os-release
		[ "$ID" = debian ] && printf '%s' "$VERSION_CODENAME"
	) || suite=
fi
[ -n "$suite" ] || suite=bookworm

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opt=
[ -r "$keyring" ] && opt="[signed-by=$keyring] "

# ---- work area ---------------------------------------------------------------
start=$(date +%s)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libcap-ng-musl.XXXXXX")
cleanup() { rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log=$tmp/log
run() {
	# run CMD...: quiet unless it fails, then show its output.
	if ! "$@" >>"$log" 2>&1; then
		cat "$log" >&2
		die "command failed: $*"
	fi
}

mkdir -p "$tmp/apt/lists/partial" "$tmp/apt/cache/archives/partial" \
	"$tmp/apt/parts" "$tmp/dl"
printf 'deb-src %s%s %s main\n' "$opt" "$mirror" "$suite" >"$tmp/apt/sources.list"

set -- \
	-o "Dir::Etc::SourceList=$tmp/apt/sources.list" \
	-o "Dir::Etc::SourceParts=$tmp/apt/parts" \
	-o "Dir::State::Lists=$tmp/apt/lists" \
	-o "Dir::Cache=$tmp/apt/cache" \
	-o "Dir::Cache::pkgcache=" \
	-o "Dir::Cache::srcpkgcache=" \
	-o "APT::Get::Only-Source=true" \
	-o "APT::Get::AllowUnauthenticated=false"
# As root apt drops to user _apt to download; _apt cannot write into our
# private 0700 directory, so download as root instead of warning about it.
if [ "$(id -u)" -eq 0 ]; then
	set -- "$@" -o "APT::Sandbox::User=root"
fi

run apt-get -q "$@" update
(cd "$tmp/dl" && apt-get -q "$@" source --download-only libcap-ng) \
	>>"$log" 2>&1 || { cat "$log" >&2; die "apt-get source libcap-ng failed"; }

dsc=
for f in "$tmp/dl"/libcap-ng_*.dsc; do
	[ -f "$f" ] && dsc=$f
done
[ -n "$dsc" ] || die "no libcap-ng .dsc downloaded"
version=${dsc##*/libcap-ng_}
version=${version%.dsc}

# dpkg-source checks the tarballs against the .dsc (whose hash apt checked
# against the signed index) and applies debian/patches. A "cannot verify
# inline signature" warning for the .dsc itself is expected and harmless.
run dpkg-source -x "$dsc" "$tmp/src"
s=$tmp/src/src
for f in cap-ng.c lookup_table.c cap-ng.h captab.h; do
	[ -f "$s/$f" ] || die "unexpected source layout: $s/$f missing"
done

# ---- compile -------------------------------------------------------------------
mkdir -p "$tmp/kinc" "$tmp/inc" "$tmp/obj"
ln -s "$k_linux" "$tmp/kinc/linux"
ln -s "$k_asm" "$tmp/kinc/asm"
ln -s "$k_generic" "$tmp/kinc/asm-generic"
: >"$tmp/inc/config.h"

for c in cap-ng lookup_table; do
	run musl-gcc -std=gnu11 -Os -ffunction-sections -fdata-sections \
		-D_GNU_SOURCE -DHAVE_SYSCALL_H=1 -DHAVE_PTHREAD_H=1 \
		-DHAVE_LINUX_SECUREBITS_H=1 -DHAVE_LINUX_MAGIC_H=1 \
		-DHAVE_SYS_XATTR_H=1 \
		-I"$tmp/inc" -I"$s" -isystem "$tmp/kinc" \
		-c "$s/$c.c" -o "$tmp/obj/$c.o"
done
run ar rcs "$tmp/obj/libcap-ng.a" "$tmp/obj/cap-ng.o" "$tmp/obj/lookup_table.o"

# ---- install -------------------------------------------------------------------
mkdir -p "$out/include" "$out/lib"
cp "$s/cap-ng.h" "$out/include/cap-ng.h.new"
mv -f "$out/include/cap-ng.h.new" "$out/include/cap-ng.h"
rm -rf "$out/kinc"
mkdir "$out/kinc"
ln -s "$k_linux" "$out/kinc/linux"
ln -s "$k_asm" "$out/kinc/asm"
ln -s "$k_generic" "$out/kinc/asm-generic"
# The archive goes last, atomically: its presence marks a complete build.
cp "$tmp/obj/libcap-ng.a" "$out/lib/libcap-ng.a.new"
mv -f "$out/lib/libcap-ng.a.new" "$lib"

end=$(date +%s)
printf '%s: built %s (libcap-ng %s from %s %s, musl-gcc, %s bytes) + %s/include/cap-ng.h + %s/kinc in %ss\n' \
	"$me" "$lib" "$version" "$mirror" "$suite" "$(wc -c <"$lib" | tr -d ' ')" \
	"$out" "$out" "$((end - start))"
