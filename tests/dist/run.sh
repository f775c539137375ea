#!/bin/bash
# make dist-test: every suite under tests/dist against dist/ (make dist
# first). Prints each suite's TAP lines and one closing count.
set -u
here=$(cd "$(dirname "$0")" && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
total_pass=0 total_fail=0
for s in binaries.sh release.sh caches.sh reproducible.sh; do
	echo "== tests/dist/$s"
	t0=$(date +%s)
	bash "$here/$s" 2>&1 | tee "$log"
	echo "# $s: $(( $(date +%s) - t0 )) s"
	last=$(tail -n 1 "$log")
	p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' <<<"$last")
	f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' <<<"$last")
	[ -n "$p" ] || { p=0; f=1; echo "not ok - $s ended without its count"; }
	total_pass=$((total_pass + p)) total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" = 0 ]
