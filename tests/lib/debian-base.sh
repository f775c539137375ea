#!/bin/bash
# debian-base.sh — build the Debian 12 base image `nrexec-build/debian:12`
# locally (nothing can be pulled from a container registry here).
#
#   tests/lib/debian-base.sh [--force] [--no-cache]
#
# It is the builder stage of Dockerfile.example (`FROM nrexec-build/debian:12
# AS build`). Steps: `debootstrap --variant=minbase bookworm`, trim (apt lists,
# caches, docs, man pages, logs), tar, `docker import`. Nothing is done when
# the image is already present (unless --force).
#
# Cache: the trimmed root file system is kept as a tarball under
# $NREXEC_CACHE_DIR (default /var/cache/nrexec), so a later run on the same
# machine only has to `docker import` it. The cache is optional: a missing,
# unreadable or corrupt tarball is ignored (and rebuilt); --no-cache ignores it.
#
# Mirrors: the machine's own, from its apt configuration
# (src/build/apt-mirror.sh); NREXEC_APT_MIRROR / NREXEC_APT_SECURITY_MIRROR
# override. Environment: NREXEC_BASE_TAG (default nrexec-build/debian:12).
set -eu
export DOCKER_BUILDKIT=0

TAG=${NREXEC_BASE_TAG:-nrexec-build/debian:12}
SUITE=bookworm
# shellcheck source=../../src/build/apt-mirror.sh
. "$(dirname "$0")/../../src/build/apt-mirror.sh"
CACHE_DIR=${NREXEC_CACHE_DIR:-/var/cache/nrexec}
CACHE=$CACHE_DIR/debian-12-minbase-rootfs.tar
FORCE=0
USE_CACHE=1

say() { echo "debian-base.sh: $*" >&2; }
die() { echo "debian-base.sh: ERROR: $*" >&2; exit 1; }

for a in "$@"; do
	case $a in
	--force) FORCE=1 ;;
	--no-cache) USE_CACHE=0 ;;
	-h|--help) sed -n '2,20p' "$0"; exit 0 ;;
	*) die "unknown argument: $a" ;;
	esac
done

[ "$(id -u)" = 0 ] || die "must run as root (debootstrap, docker)"
MIRROR=$(apt_mirror main) || die "no Debian mirror in this machine's apt configuration"
SECURITY=$(apt_mirror security) || SECURITY=
command -v docker >/dev/null || die "docker client not found (run tests/lib/dockerd.sh start first)"
timeout 20 docker info >/dev/null 2>&1 || die "the Docker daemon does not answer (run tests/lib/dockerd.sh start first)"

if [ "$FORCE" = 0 ] && docker image inspect "$TAG" >/dev/null 2>&1; then
	say "$TAG is already present: nothing to do"
	exit 0
fi

T0=$(date +%s)
WORK=$(mktemp -d /tmp/nrexec-debian-base.XXXXXX)
cleanup() {
	# debootstrap may leave proc/sys mounted in the target if it is killed
	local m
	for m in $(awk -v d="$WORK/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

cache_ok() {
	[ -s "$CACHE" ] && [ -s "$CACHE.sha256" ] || return 1
	(cd "$CACHE_DIR" && sha256sum --quiet -c "$(basename "$CACHE").sha256") >/dev/null 2>&1 || return 1
	tar -tf "$CACHE" ./etc/debian_version >/dev/null 2>&1
}

make_rootfs() {
	local root=$WORK/rootfs
	if ! command -v debootstrap >/dev/null; then
		say "installing debootstrap with apt-get (quiet) ..."
		export DEBIAN_FRONTEND=noninteractive
		{ timeout 300 apt-get -qq update && timeout 600 apt-get -qq -y install debootstrap; } \
			>"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log" >&2; die "apt-get install debootstrap failed"; }
	fi
	say "debootstrap --variant=minbase $SUITE from $MIRROR (about 30-60 s) ..."
	if ! timeout 900 debootstrap --variant=minbase "$SUITE" "$root" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
		tail -n 30 "$WORK/debootstrap.log" >&2
		[ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
		die "debootstrap failed (see above)"
	fi
	# anything still mounted inside the target (debootstrap normally cleans up)
	awk -v d="$root/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done

	say "trimming the root file system ..."
	cat >"$root/etc/apt/sources.list" <<-EOS
	deb $MIRROR $SUITE main
	deb $MIRROR $SUITE-updates main
	EOS
	[ -z "$SECURITY" ] || echo "deb $SECURITY $SUITE-security main" >>"$root/etc/apt/sources.list"
	# as Debian's own slim images do: later apt installs bring no docs,
	# clean their .debs, and start no services
	mkdir -p "$root/etc/dpkg/dpkg.cfg.d" "$root/etc/apt/apt.conf.d"
	cat >"$root/etc/dpkg/dpkg.cfg.d/nrexec-slim" <<-'EOS'
	path-exclude /usr/share/doc/*
	path-include /usr/share/doc/*/copyright
	path-exclude /usr/share/man/*
	path-exclude /usr/share/info/*
	path-exclude /usr/share/locale/*
	path-include /usr/share/locale/locale.alias
	EOS
	cat >"$root/etc/apt/apt.conf.d/nrexec-clean" <<-'EOS'
	DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
	APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
	Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
	Acquire::Languages "none";
	APT::Install-Recommends "false";
	EOS
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
		"$root"/var/cache/apt/archives/*.deb "$root"/var/cache/apt/archives/partial/* \
		"$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old \
		"$root"/usr/share/man/* "$root"/usr/share/info/* \
		"$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/var/tmp/* \
		"$root"/debootstrap
	mkdir -p "$root/var/lib/apt/lists/partial"
	find "$root/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
	find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
	: >"$root/etc/machine-id"

	tar --numeric-owner --xattrs -C "$root" -cf "$WORK/rootfs.tar" .
	rm -rf "$root"
}

TARBALL=""
if [ "$USE_CACHE" = 1 ] && cache_ok; then
	say "using the cached root file system $CACHE"
	TARBALL=$CACHE
else
	[ "$USE_CACHE" = 1 ] && [ -e "$CACHE" ] && say "cached tarball $CACHE is unusable: rebuilding"
	make_rootfs
	TARBALL=$WORK/rootfs.tar
	# keep a copy for the next run; a failure here only costs speed
	if mkdir -p "$CACHE_DIR" 2>/dev/null &&
	   cp "$TARBALL" "$CACHE.tmp.$$" 2>/dev/null && mv -f "$CACHE.tmp.$$" "$CACHE" &&
	   (cd "$CACHE_DIR" && sha256sum "$(basename "$CACHE")" >"$(basename "$CACHE").sha256.tmp.$$" &&
	    mv -f "$(basename "$CACHE").sha256.tmp.$$" "$(basename "$CACHE").sha256"); then
		say "cached the root file system as $CACHE"
	else
		rm -f "$CACHE.tmp.$$" "$CACHE.sha256.tmp.$$"
		say "warning: could not write the cache under $CACHE_DIR (continuing)"
	fi
fi

say "docker import as $TAG ..."
timeout 300 docker import \
	--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	--change 'ENV LANG=C.UTF-8' \
	--change 'CMD ["/bin/bash"]' \
	--message "debootstrap --variant=minbase $SUITE $MIRROR (nrexec tests/lib/debian-base.sh)" \
	"$TARBALL" "$TAG" >/dev/null || die "docker import failed"

timeout 60 docker run --rm "$TAG" sh -c '. /etc/os-release && test "$VERSION_ID" = 12' ||
	die "$TAG was imported but does not run as Debian 12"
SIZE=$(docker image inspect -f '{{.Size}}' "$TAG")
say "$TAG ready: $((SIZE / 1000000)) MB, took $(( $(date +%s) - T0 )) s"
