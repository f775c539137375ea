#!/bin/bash
# scratch-image.sh — build small `FROM scratch` test images around nrexec.
#
#   tests/lib/scratch-image.sh build [OPTION]...   prints the image tag on stdout
#   tests/lib/scratch-image.sh rm TAG...           remove images (missing ones are fine)
#   tests/lib/scratch-image.sh cleanup             remove every image recorded in
#                                                  $NREXEC_E2E_IMAGES (see below)
#
# build options:
#   --tag TAG              image tag (default: a unique nrexec-e2e/scratch:PID-RANDOM)
#   --file SRC:DEST[:MODE] add host file SRC at DEST (absolute), MODE in octal
#                          (default: SRC's mode); e.g. a passwd file at /etc/passwd
#   --dir DEST[:MODE]      create an empty directory
#   --line INSTRUCTION     append a Dockerfile instruction (ENTRYPOINT, CMD, USER,
#                          EXPOSE, ENV, ...), e.g. --line 'CMD ["/bin/id"]'
#   --no-nrexec            do not add /nrexec (for control images)
#
# Every image contains /nrexec (a copy of $NREXEC, mode 0755), /bin/busybox
# (Debian's busybox-static) with a symlink for each of its applets (sh, id,
# cat, sleep, touch, nc, ls, stat, httpd, ...) at busybox's own paths, and
# /tmp (1777). No /etc/passwd or /etc/group unless you add them.
#
# Tags are unique per call, since the daemon may be shared by other runs.
# Every image carries the label nrexec.e2e=1 (and nrexec.e2e.run=$NREXEC_E2E_RUN
# when set); if $NREXEC_E2E_IMAGES names a file, each built tag is appended to
# it so the caller's cleanup trap can remove them. Never prunes anything.
set -eu
export DOCKER_BUILDKIT=0

die() { echo "scratch-image.sh: ERROR: $*" >&2; exit 1; }

is_static() { LC_ALL=C ldd "$1" 2>&1 | grep -q 'not a dynamic executable'; }

# a static busybox: the machine's own (Debian's busybox-static), else one
# extracted from the busybox-static .deb without installing it (cached)
busybox_path() {
	local b cache=${NREXEC_CACHE_DIR:-/var/cache/nrexec}/busybox-static tmp
	for b in /bin/busybox /usr/bin/busybox "$cache/bin/busybox"; do
		if [ -x "$b" ] && is_static "$b"; then
			echo "$b"; return 0
		fi
	done
	echo "scratch-image.sh: no static busybox here: fetching Debian's busybox-static .deb (apt-get download) ..." >&2
	tmp=$(mktemp -d /tmp/nrexec-busybox.XXXXXX)
	if ! (cd "$tmp" && { timeout 300 apt-get -qq download busybox-static ||
			{ timeout 300 apt-get -qq update && timeout 300 apt-get -qq download busybox-static; }; }) \
			>"$tmp/apt.log" 2>&1; then
		cat "$tmp/apt.log" >&2; rm -rf "$tmp"
		die "apt-get download busybox-static failed"
	fi
	dpkg-deb -x "$tmp"/busybox-static_*.deb "$tmp/x" || { rm -rf "$tmp"; die "cannot unpack busybox-static"; }
	mkdir -p "$cache/bin"
	cp "$tmp/x/bin/busybox" "$cache/bin/busybox.tmp.$$" && mv -f "$cache/bin/busybox.tmp.$$" "$cache/bin/busybox"
	rm -rf "$tmp"
	is_static "$cache/bin/busybox" || die "the busybox from busybox-static is not static?"
	echo "$cache/bin/busybox"
}

build() {
	local tag="" nrexec=1 ctx bb lines=() src dest mode rest app out
	while [ $# -gt 0 ]; do
		case $1 in
		--tag) tag=$2; shift 2 ;;
		--file|--dir|--line) [ $# -ge 2 ] || die "$1 needs an argument"; lines+=("$1" "$2"); shift 2 ;;
		--no-nrexec) nrexec=0; shift ;;
		*) die "unknown build option: $1" ;;
		esac
	done
	if [ -z "$tag" ]; then
		tag="nrexec-e2e/scratch:$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
	fi
	bb=$(busybox_path)
	ctx=$(mktemp -d /tmp/nrexec-scratch-ctx.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$ctx'" EXIT
	mkdir -p "$ctx/rootfs/bin" "$ctx/rootfs/tmp"
	chmod 1777 "$ctx/rootfs/tmp"
	cp "$bb" "$ctx/rootfs/bin/busybox"
	chmod 0755 "$ctx/rootfs/bin/busybox"
	while read -r app; do
		[ -n "$app" ] && [ "$app" != bin/busybox ] || continue
		mkdir -p "$ctx/rootfs/$(dirname "$app")"
		ln -s /bin/busybox "$ctx/rootfs/$app"
	done < <("$bb" --list-full)
	if [ "$nrexec" = 1 ]; then
		[ -n "${NREXEC:-}" ] || die "NREXEC is not set (absolute path to the nrexec binary)"
		[ -f "$NREXEC" ] || die "NREXEC=$NREXEC does not exist"
		cp "$NREXEC" "$ctx/rootfs/nrexec"
		chmod 0755 "$ctx/rootfs/nrexec"
	fi
	{
		echo "FROM scratch"
		echo "COPY rootfs/ /"
		echo "LABEL nrexec.e2e=1 nrexec.e2e.run=${NREXEC_E2E_RUN:-none}"
	} >"$ctx/Dockerfile"
	set -- "${lines[@]+"${lines[@]}"}"
	while [ $# -gt 0 ]; do
		case $1 in
		--file)
			src=${2%%:*}; rest=${2#*:}
			dest=${rest%%:*}; mode=""
			[ "$dest" != "$rest" ] && mode=${rest#*:}
			[ -f "$src" ] || die "--file: $src is not a file"
			case $dest in /*) ;; *) die "--file: destination must be absolute: $dest" ;; esac
			mkdir -p "$ctx/rootfs$(dirname "$dest")"
			rm -f "$ctx/rootfs$dest"
			cp "$src" "$ctx/rootfs$dest"
			[ -z "$mode" ] || chmod "$mode" "$ctx/rootfs$dest"
			;;
		--dir)
			dest=${2%%:*}; mode=""
			[ "$dest" != "$2" ] && mode=${2#*:}
			mkdir -p "$ctx/rootfs$dest"
			[ -z "$mode" ] || chmod "$mode" "$ctx/rootfs$dest"
			;;
		--line) printf '%s\n' "$2" >>"$ctx/Dockerfile" ;;
		esac
		shift 2
	done
	if ! out=$(cd "$ctx" && timeout 180 docker build -q --force-rm -t "$tag" . 2>&1); then
		printf '%s\n' "$out" | grep -v -e DEPRECATED -e buildx -e 'BuildKit' >&2 || true
		echo "--- Dockerfile:" >&2; cat "$ctx/Dockerfile" >&2
		die "docker build of $tag failed"
	fi
	if [ -n "${NREXEC_E2E_IMAGES:-}" ]; then echo "$tag" >>"$NREXEC_E2E_IMAGES"; fi
	echo "$tag"
}

remove() {
	local t
	for t in "$@"; do
		[ -n "$t" ] || continue
		timeout 60 docker image rm -f "$t" >/dev/null 2>&1 || true
	done
}

cleanup() {
	[ -n "${NREXEC_E2E_IMAGES:-}" ] && [ -f "$NREXEC_E2E_IMAGES" ] || return 0
	# shellcheck disable=SC2046
	remove $(sort -u "$NREXEC_E2E_IMAGES")
	: >"$NREXEC_E2E_IMAGES"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
build) build "$@" ;;
rm) remove "$@" ;;
cleanup) cleanup ;;
*) echo "usage: $0 build [--tag T] [--file SRC:DEST[:MODE]] [--dir D[:MODE]] [--line INSTR] [--no-nrexec] | rm TAG... | cleanup" >&2; exit 2 ;;
esac
