# shellcheck shell=bash
# Sourced by the integration scripts (tests/integration/*.sh): the lines
# they print, which CI and people read,
#   ok N - NAME
#   not ok N - NAME
#   #   DETAIL              (one line for each detail of a failure)
#   # P passed, F failed    (tap_end, last; its status is the script's)
# and the start the root-run scripts share (it_start).
pass=0 fail=0 n=0

# ok NAME
ok() { n=$((n + 1)); pass=$((pass + 1)); echo "ok $n - $1"; }
# not_ok NAME DETAIL...
not_ok() {
	local l
	n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"
	shift; for l in "$@"; do printf '#   %s\n' "$l"; done
}
# check NAME STATUS DETAIL...: ok when STATUS (a condition's $?) is 0,
# else not ok with the details
check() {
	local name=$1 c=$2; shift 2
	if [ "$c" = 0 ]; then ok "$name"; else not_ok "$name" "$@"; fi
}
# skip NAME REASON: counted, neither passed nor failed; loud on stderr
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; echo "SKIPPED: $1: $2" >&2; }
# tap_end: the summary line; fails when any check failed
tap_end() { echo "# $pass passed, $fail failed"; [ "$fail" = 0 ]; }

# it_start PREFIX [MODE]: NREXEC made absolute; here (the script's
# directory), fix (the fixture passwd and group), BB (busybox-static);
# root and busybox required; tmp, a fresh directory /var/tmp/PREFIX.*
# (mode MODE, 755 unless given), removed on exit, with tmp/w that anyone
# may write (the target leaves its answers there) and marker=$tmp/w/ran,
# the file a command that must not run would make.
it_start() {
	: "${NREXEC:?set NREXEC to the nrexec binary}"
	case $NREXEC in /*) ;; *) NREXEC=$PWD/$NREXEC ;; esac
	here=$(cd "$(dirname "$0")" && pwd)
	# shellcheck disable=SC2034 # fix and marker are the caller's
	fix=$here/../fixtures/integration
	BB=$(command -v busybox || echo /bin/busybox)
	[ "$(id -u)" = 0 ] || { echo "SKIPPED: ${0##*/} needs root" >&2; exit 1; }
	[ -x "$BB" ] || { echo "FAILED: busybox-static is needed (apt-get install busybox-static)" >&2; exit 1; }
	tmp=$(mktemp -d "/var/tmp/$1.XXXXXX") || exit 1
	trap 'rm -rf "$tmp"' EXIT
	chmod "${2:-755}" "$tmp"
	mkdir -m 1777 "$tmp/w"
	# shellcheck disable=SC2034
	marker=$tmp/w/ran
}
