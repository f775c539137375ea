#!/bin/bash
# Bit-for-bit: two `make dist` runs of the same commit, from two fresh clones
# in different directories, one after the other, with a different time
# zone, umask and locale, must give byte-identical dist/ files (binaries,
# SBOM, image, SHA256SUMS). Each clone builds its own musl and libcap-ng
# from Debian's sources. DIST_ARCHES defaults to amd64 arm64 (the issue's
# minimum; ~1 min a clone on 2 cores); when the tree's own dist/ was built
# from the same clean commit, its binaries are compared too.
. "$(dirname "$0")/lib.sh"
arches=${REPRO_ARCHES:-amd64 arm64}
tmp=$(mktemp -d /var/tmp/nrexec-dist-repro.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ -z "$IN_GIT" ]; then
	skip_or_fail "reproducible: two clones give the same files" "$ROOT is not a git checkout: nothing to clone"
	finish
	exit
fi
head=$(git -C "$ROOT" rev-parse HEAD)
unset SOURCE_DATE_EPOCH	# make dist must take it from the commit

build() {	# build NAME TZ UMASK LANG
	local d=$tmp/$1/src-of-$1
	git clone -q --no-hardlinks "$ROOT" "$d" && git -C "$d" checkout -q "$head" || return 1
	# nothing from a calling make (DIST, MAKEFLAGS) may steer the clone's
	(cd "$d" && umask "$3" && env -u DIST -u MAKEFLAGS -u MFLAGS -u MAKELEVEL TZ="$2" LC_ALL="$4" \
		make -s dist DIST=dist DIST_ARCHES="$arches") >"$tmp/$1.log" 2>&1
}
t0=$(date +%s)
if build a UTC 022 C.UTF-8; then ok "clone a: make dist ($arches) in $(( $(date +%s) - t0 )) s"
else not_ok "clone a: make dist" "$(tail -n 20 "$tmp/a.log")"; fi
sleep 2	# a later time, to the second
t0=$(date +%s)
if build b Pacific/Chatham 077 C; then ok "clone b: make dist ($arches) in $(( $(date +%s) - t0 )) s"
else not_ok "clone b: make dist" "$(tail -n 20 "$tmp/b.log")"; fi

a=$tmp/a/src-of-a/dist b=$tmp/b/src-of-b/dist
la=$(cd "$a" 2>/dev/null && ls | LC_ALL=C sort) lb=$(cd "$b" 2>/dev/null && ls | LC_ALL=C sort)
[ -n "$la" ] && [ "$la" = "$lb" ] && ok "the same $(wc -l <<<"$la") files" || not_ok "the same files" "a: $la" "b: $lb"
for f in $la; do
	if cmp -s "$a/$f" "$b/$f"; then ok "identical: $f ($(sha256sum <"$a/$f" | cut -c1-16))"
	else not_ok "identical: $f" "$(cmp "$a/$f" "$b/$f" 2>&1 | head -n 1)"; fi
done
for arch in $arches; do
	f=nrexec-$VERSION-linux-$arch
	[ -f "$a/$f" ] || not_ok "clone a built $f"
done
# the tree's own dist/, when it is the same clean commit
if [ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] && [ "$COMMIT" = "$head" ]; then
	for arch in $arches; do
		f=nrexec-$VERSION-linux-$arch
		[ -f "$DIST/$f" ] || continue
		cmp -s "$DIST/$f" "$a/$f" && ok "identical to this tree's dist/: $f" ||
			not_ok "identical to this tree's dist/: $f" "$(cmp "$DIST/$f" "$a/$f" 2>&1)"
	done
else
	echo "# this tree is not a clean checkout of $head: its dist/ is not compared"
fi
finish
