#!/bin/sh
# Build the static musl toolchain for one release architecture from Debian's
# source packages (versions pinned in src/build/pins).
#
# Usage: sh src/build/toolchain.sh ARCH OUTDIR     (ARCH as in src/build/arches)
#
# Produces:
#   OUTDIR/musl/{include,lib}   musl's headers, crt files and libc.a
#   OUTDIR/capng/               libcap-ng.a for musl (libcap-ng-musl.sh)
#   OUTDIR/kinc/                linux/, asm/, asm-generic/ for ARCH
#                               (Debian's linux-libc-dev-DEBARCH-cross)
#   OUTDIR/cc                   the compiler: TRIPLET-gcc with musl's specs
#                               and the kernel headers; "-static" links
#   OUTDIR/versions             libc=musl VERSION, libcap-ng=VERSION, gcc=...
#
# The cross compiler (Debian's gcc-TRIPLET) compiles all of musl's libc.a:
# about 20 s a target on 2 cores, so it is built once and kept; a second
# run with the same pins, scripts and compiler does nothing.
set -eu

me=${0##*/}
die() { printf '%s: error: %s\n' "$me" "$*" >&2; exit 1; }
[ $# -eq 2 ] || { printf 'usage: sh %s ARCH OUTDIR\n' "$0" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=debian-source.sh
. "$here/debian-source.sh"
arch=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)

set -- $(awk -v a="$arch" '$1 == a { print $2, $5; for (i = 6; i <= NF; i++) print $i }' "$here/arches")
[ $# -ge 2 ] || die "unknown architecture '$arch' (see src/build/arches)"
triplet=$1 debarch=$2
shift 2
flags=$*	# the ABI flags musl needs: the same for musl, libcap-ng and nrexec
gcc=$triplet-gcc
kinc_src=/usr/$triplet/include
command -v "$gcc" >/dev/null 2>&1 || die "$gcc not found; run: sh src/build/dist-deps.sh"
[ -f "$kinc_src/asm/unistd.h" ] ||
	die "$kinc_src/asm/unistd.h not found; run: apt-get install linux-libc-dev-$debarch-cross"

musl_version=$(pin_version musl)
key=$(printf '%s\n' "$arch" "$musl_version" "$("$gcc" --version | head -n 1)" "$kinc_src" "$flags" |
	cat - "$0" "$here/pins" "$here/debian-source.sh" | sha256sum | cut -d' ' -f1)
if [ -f "$out/musl/stamp" ] && [ "$(cat "$out/musl/stamp")" = "$key" ]; then
	: # musl is current
else
	start=$(date +%s)
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/nrexec-musl-$arch.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	debian_source musl "$tmp" || die "could not fetch musl $musl_version"
	rm -rf "$out/musl"
	mkdir -p "$tmp/build"
	# -ffile-prefix-map: no build path in anything musl compiles
	(cd "$tmp/build" &&
		CC="$gcc${flags:+ $flags}" CFLAGS="-Os -ffile-prefix-map=$tmp=." \
			"$tmp/src/configure" --target="$triplet" --prefix="$out/musl" \
			--disable-shared --disable-wrapper &&
		make -j"$(nproc)" install-headers install-libs lib/musl-gcc.specs &&
		cp lib/musl-gcc.specs "$out/musl/musl-gcc.specs") >"$tmp/build.log" 2>&1 ||
		{ tail -n 40 "$tmp/build.log" >&2; die "musl $musl_version for $arch failed to build"; }
	echo "$musl_version" >"$out/musl/version"
	echo "$key" >"$out/musl/stamp"
	printf '%s: musl %s for %s built in %ss\n' "$me" "$musl_version" "$arch" "$(( $(date +%s) - start ))"
	rm -rf "$tmp"
	trap - EXIT
fi

rm -rf "$out/kinc"
mkdir -p "$out/kinc"
for d in linux asm asm-generic; do ln -s "$kinc_src/$d" "$out/kinc/$d"; done

# The compiler wrapper: musl's specs replace glibc's headers, start files
# and libraries; the kernel headers come after musl's.
cat >"$out/cc.new" <<EOF
#!/bin/sh
exec $gcc${flags:+ $flags} -specs "$out/musl/musl-gcc.specs" -isystem "$out/kinc" "\$@"
EOF
chmod 0755 "$out/cc.new"
mv -f "$out/cc.new" "$out/cc"

sh "$here/libcap-ng-musl.sh" "$out/capng" "$out/cc" "$out/kinc"

{
	echo "libc=musl $(cat "$out/musl/version")"
	echo "libcap-ng=$(cat "$out/capng/version")"
	echo "gcc=$("$gcc" -dumpfullversion) ($gcc, Debian $(dpkg-query -W -f='${Version}' "gcc-$("$gcc" -dumpversion)-$triplet" 2>/dev/null ||
		dpkg-query -W -f='${Version}' "gcc-$("$gcc" -dumpversion)"))"
} >"$out/versions"
