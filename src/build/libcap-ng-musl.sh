#!/bin/sh
# Build a static libcap-ng for musl from Debian's source package (the
# version pinned in src/build/pins).
#
# Usage: sh src/build/libcap-ng-musl.sh OUTDIR [CC KINC]
#
#   CC    a musl compiler (default musl-gcc, Debian's musl-tools)
#   KINC  a directory holding linux/, asm/ and asm-generic/ kernel headers
#         for CC's target (default: symlinks to the host's linux-libc-dev)
#
# Produces:
#   OUTDIR/include/cap-ng.h
#   OUTDIR/lib/libcap-ng.a   (-Os, one section per function/object)
#   OUTDIR/kinc              the KINC used; pass "-isystem OUTDIR/kinc"
#                            (never "-isystem /usr/include": glibc's
#                            headers would win over musl's)
#   OUTDIR/version           the Debian version built, e.g. 0.8.3-1
#
# Needs musl-tools (or CC), dpkg-dev, apt and binutils. Nothing is done
# when OUTDIR already holds a build of the pinned version by this script.
# libcap-ng is LGPL-2.1-or-later; the archive built here is linked
# statically (see README "Licences").
set -eu

me=${0##*/}
die() { printf '%s: error: %s\n' "$me" "$*" >&2; exit 1; }
[ $# -eq 1 ] || [ $# -eq 3 ] || { printf 'usage: sh %s OUTDIR [CC KINC]\n' "$0" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=debian-source.sh
. "$here/debian-source.sh"
out=$1
cc=${2:-musl-gcc}
kinc=${3:-}
version=$(pin_version libcap-ng)
lib=$out/lib/libcap-ng.a

# The cache key: pinned version, this script, the compiler's identity and,
# when CC is a wrapper script (src/build/toolchain.sh's, musl-gcc), the
# wrapper itself: it carries the target's flags (src/build/arches).
ccpath=$(command -v "$cc" 2>/dev/null || true)
key=$( { printf '%s\n' "$version" "$cc" "$kinc" "$("$cc" --version 2>/dev/null | head -n 1)"
	 if [ -n "$ccpath" ] && [ "$(head -c 2 "$ccpath" 2>/dev/null)" = '#!' ]; then cat "$ccpath"; fi; } |
	cat - "$0" "$here/pins" | sha256sum | cut -d' ' -f1)
if [ -f "$lib" ] && [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$key" ]; then
	exit 0
fi

command -v "$cc" >/dev/null 2>&1 || die "$cc not found; run: apt-get install musl-tools"
for t in apt-get dpkg-source ar; do
	command -v "$t" >/dev/null 2>&1 || die "$t not found; run: apt-get install dpkg-dev binutils"
done

start=$(date +%s)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/libcap-ng-musl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$tmp/kinc" "$tmp/inc" "$tmp/obj"
if [ -z "$kinc" ]; then
	# the host's kernel UAPI headers (linux-libc-dev)
	multiarch=$(gcc -print-multiarch 2>/dev/null || dpkg-architecture -qDEB_HOST_MULTIARCH)
	ln -s /usr/include/linux "$tmp/kinc/linux"
	ln -s "/usr/include/$multiarch/asm" "$tmp/kinc/asm"
	ln -s /usr/include/asm-generic "$tmp/kinc/asm-generic"
else
	for d in linux asm asm-generic; do ln -s "$kinc/$d" "$tmp/kinc/$d"; done
fi
for f in linux/capability.h asm/unistd.h asm-generic/errno.h; do
	[ -f "$tmp/kinc/$f" ] || die "kernel header $tmp/kinc/$f not found; run: apt-get install linux-libc-dev"
done

debian_source libcap-ng "$tmp" || die "could not fetch libcap-ng $version"
s=$tmp/src/src
for f in cap-ng.c lookup_table.c cap-ng.h captab.h; do
	[ -f "$s/$f" ] || die "unexpected source layout: $s/$f missing"
done

# An empty config.h and the few HAVE_ macros musl and the kernel satisfy;
# only cap-ng.c and lookup_table.c (no syslog-only helpers, no tools).
: >"$tmp/inc/config.h"
for c in cap-ng lookup_table; do
	"$cc" -std=gnu11 -Os -ffunction-sections -fdata-sections \
		-fno-asynchronous-unwind-tables -fno-unwind-tables \
		-ffile-prefix-map="$tmp"=. \
		-D_GNU_SOURCE -DHAVE_SYSCALL_H=1 -DHAVE_PTHREAD_H=1 \
		-DHAVE_LINUX_SECUREBITS_H=1 -DHAVE_LINUX_MAGIC_H=1 \
		-DHAVE_SYS_XATTR_H=1 \
		-I"$tmp/inc" -I"$s" -isystem "$tmp/kinc" \
		-c "$s/$c.c" -o "$tmp/obj/$c.o" 2>>"$tmp/cc.log" ||
		{ cat "$tmp/cc.log" >&2; die "compiling $c.c failed"; }
done
# D: deterministic archive (no timestamps, uids or modes)
ar rcsD "$tmp/obj/libcap-ng.a" "$tmp/obj/cap-ng.o" "$tmp/obj/lookup_table.o"

mkdir -p "$out/include" "$out/lib"
cp "$s/cap-ng.h" "$out/include/cap-ng.h"
rm -rf "$out/kinc"
cp -P -R "$tmp/kinc" "$out/kinc"
echo "$version" >"$out/version"
cp "$tmp/obj/libcap-ng.a" "$lib.new"
mv -f "$lib.new" "$lib"
echo "$key" >"$out/stamp"

printf '%s: built %s (libcap-ng %s from Debian source, %s, %s bytes) in %ss\n' \
	"$me" "$lib" "$version" "$cc" "$(wc -c <"$lib" | tr -d ' ')" "$(( $(date +%s) - start ))"
