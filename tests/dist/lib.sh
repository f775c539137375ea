# shellcheck shell=bash
# Sourced by tests/dist/*.sh: counters, the release files, qemu runners.
#   DIST            the dist directory (default: the tree's dist/)
#   NREXEC_VERSION  the version make dist built (default: from the Makefile)
#   NREXEC_COMMIT   the commit it names (default: git rev-parse HEAD)
set -u
TESTS_DIST=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$TESTS_DIST/../.." && pwd)
DIST=${DIST:-$ROOT/dist}
VERSION=${NREXEC_VERSION:-$(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")}
COMMIT=${NREXEC_COMMIT:-$(git -C "$ROOT" rev-parse HEAD 2>/dev/null)}
# A tree without git (a `git archive` copy, as fresh-debian-run makes) has no
# commit to take SOURCE_DATE_EPOCH from or to clone: those checks are a loud
# SKIP there, and a failure under NREXEC_REQUIRE_GIT=1 (.ci/run).
IN_GIT=$(git -C "$ROOT" rev-parse HEAD >/dev/null 2>&1 && echo 1)
skip_or_fail() {	# skip_or_fail NAME REASON
	if [ "${NREXEC_REQUIRE_GIT:-}" = 1 ]; then
		not_ok "$1" "$2 (NREXEC_REQUIRE_GIT=1: required here)"
	else
		n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; echo "SKIPPED: $1: $2" >&2
	fi
}
pass=0 fail=0 n=0

ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
not_ok() {
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	shift; for l in "$@"; do printf '#   %s\n' "$l"; done
}
check() {	# check NAME CMD...: ok when CMD succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# the architectures in dist/, in src/build/arches order
dist_arches() {
	local a
	for a in $(awk '!/^#/ && NF { print $1 }' "$ROOT/src/build/arches"); do
		[ -f "$DIST/nrexec-$VERSION-linux-$a" ] && echo "$a"
	done
}
arch_field() {	# arch_field ARCH N: column N of src/build/arches
	awk -v a="$1" -v f="$2" '$1 == a { print $f }' "$ROOT/src/build/arches"
}
pin() { awk -v p="$1" '$1 == p { print $2 }' "$ROOT/src/build/pins"; }

# runner ARCH DIR: print a path that runs the ARCH binary with the given
# arguments. amd64 is the host: the binary itself. Every other one: a
# script that execs Debian's qemu-ARCH-static on it directly (no binfmt).
# qemu-user hands execve to the host kernel, so the command nrexec execs
# is a native host program (busybox), run by the kernel with the ids,
# groups, capabilities and no_new_privs nrexec set under emulation.
runner() {
	local arch=$1 dir=$2 bin q
	bin=$DIST/nrexec-$VERSION-linux-$arch
	if [ "$arch" = "$(arch_field amd64 1)" ] && [ "$(uname -m)" = x86_64 ]; then
		echo "$bin"; return
	fi
	q=$(command -v "qemu-$(arch_field "$arch" 3)-static") || return 1
	printf '#!/bin/sh\nexec %s %s "$@"\n' "$q" "$bin" >"$dir/nrexec-$arch"
	chmod 0755 "$dir/nrexec-$arch"
	echo "$dir/nrexec-$arch"
}

# elf_machine FILE: e_machine, read with the file's own byte order
elf_machine() {
	local data
	data=$(od -An -tu1 -j5 -N1 "$1" | tr -d ' ')
	if [ "$data" = 2 ]; then	# big-endian
		od -An -tu1 -j18 -N2 "$1" | awk '{ print $1 * 256 + $2 }'
	else
		od -An -tu1 -j18 -N2 "$1" | awk '{ print $2 * 256 + $1 }'
	fi
}
