#!/bin/bash
# The build caches of `make dist` follow what they were built with. The
# toolchain of each architecture is kept in build/dist/ARCH/ and a second
# run reuses it; src/build/libcap-ng-musl.sh rebuilds libcap-ng.a only when
# its stamp no longer matches. The target's compiler flags (src/build/
# arches) reach it only inside the compiler wrapper build/dist/ARCH/cc, so
# a wrapper whose flags changed must rebuild it: before this was checked, a
# -mcmodel change for ppc64le rebuilt musl but kept the old libcap-ng.a.
# Needs `make dist` first (the amd64 wrapper) and Debian's source packages.
. "$(dirname "$0")/lib.sh"

tc=$ROOT/build/dist/amd64
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
build() {	# build: libcap-ng-musl.sh into $tmp/out with $tmp/cc; its output
	sh "$ROOT/src/build/libcap-ng-musl.sh" "$tmp/out" "$tmp/cc" "$tc/kinc" 2>&1
}

if [ ! -x "$tc/cc" ]; then
	not_ok "the amd64 toolchain of make dist is there" "no $tc/cc: run make dist first"
	finish; exit
fi
cp "$tc/cc" "$tmp/cc"
out=$(build); code=$?
[ $code = 0 ] && [[ $out == *"built $tmp/out/lib/libcap-ng.a"* ]] && ok "libcap-ng.a built with a wrapper" ||
	not_ok "libcap-ng.a built with a wrapper" "exit $code" "$out"
out=$(build); code=$?
[ $code = 0 ] && [ -z "$out" ] && ok "the same wrapper again: nothing rebuilt" ||
	not_ok "the same wrapper again: nothing rebuilt" "exit $code" "$out"
# the same compiler, other flags: what an edit of src/build/arches does
sed -i 's/^exec \([^ ]*\) /exec \1 -DNREXEC_CACHE_TEST=1 /' "$tmp/cc"
grep -q NREXEC_CACHE_TEST "$tmp/cc" || not_ok "the test changed the wrapper's flags" "$(cat "$tmp/cc")"
out=$(build); code=$?
[ $code = 0 ] && [[ $out == *"built $tmp/out/lib/libcap-ng.a"* ]] && ok "a wrapper with other flags: libcap-ng.a rebuilt" ||
	not_ok "a wrapper with other flags: libcap-ng.a rebuilt" "exit $code" "${out:-(nothing printed: the old archive was kept)}"
finish
