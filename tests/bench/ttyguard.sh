#!/bin/bash
# tests/bench/ttyguard.sh — what the terminal guard's seccomp filter costs
# the command, per system call.
#
#   tests/bench/ttyguard.sh [--update]
#
# A benchmark, not a test: prints a markdown section on stdout and, with
# --update, puts it into BENCHMARKS.md between <!-- ttyguard:begin --> and
# <!-- ttyguard:end -->.
#
# tests/lib/sysloop.c times N getppid calls (raw syscall, nothing cached)
# in the process nrexec became, in the thread's CPU time (time spent
# waiting for a CPU on a busy machine is not counted). Side by side, in one run, each under a
# pseudo-terminal (python3's pty module) so the guard applies: the loop
# started directly, through `nrexec --no-tty-guard` (no filter), and
# through `nrexec` (the guard's filter installed). ROUNDS alternating
# rounds; the median and min ns per call of each, and the guard's extra
# cost per call (median minus the --no-tty-guard median). On top of a
# runtime's own filter (Docker's profile) the guard's cost adds.
#
# Environment: NREXEC (default build/musl/nrexec), N calls per round
# (default 5,000,000), ROUNDS (default 11). Needs root, python3, cc.
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_args ttyguard.sh "$@"
NREXEC=${NREXEC:-$NREXEC_MUSL}
N=${N:-5000000}
ROUNDS=${ROUNDS:-11}
need_root
[ -x "$NREXEC" ] || die "$NREXEC: not an executable (make static)"
TMP=$(mktemp -d /tmp/nrexec-bench-tty.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
chmod 755 "$TMP"
cc -O2 -o "$TMP/sysloop" "$ROOT/tests/lib/sysloop.c" || die "cannot build tests/lib/sysloop.c"

# inpty CMD...: CMD with a fresh pty as its terminal; its output
inpty() { python3 -c 'import pty, sys; pty.spawn(sys.argv[1:])' "$@" </dev/null | tr -d '\r'; }

declare -A all
names=(direct no-tty-guard guard)
for r in $(seq "$ROUNDS"); do
	log "round $r/$ROUNDS"
	for w in "${names[@]}"; do
		case $w in
		direct) out=$(inpty "$TMP/sysloop" "$N") ;;
		no-tty-guard) out=$(inpty "$NREXEC" --no-tty-guard 10001 "$TMP/sysloop" "$N") ;;
		guard) out=$(inpty "$NREXEC" 10001 "$TMP/sysloop" "$N") ;;
		esac
		v=$(sed -n 's/^ns_per_call=\([0-9.]*\) filters=\([0-9-]*\)$/\1 \2/p' <<<"$out")
		[ -n "$v" ] || die "$w: unexpected output: $out"
		all[$w]+="${v% *} "
		all[$w.filters]=${v#* }
	done
done
stats() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { printf "%.2f %.2f", a[int((NR + 1) / 2)], a[1] }'; }
read -r gmed gmin <<<"$(stats "${all[guard]}")"
read -r nmed nmin <<<"$(stats "${all[no-tty-guard]}")"
read -r dmed dmin <<<"$(stats "${all[direct]}")"
[ "${all[guard.filters]}" -gt "${all[no-tty-guard.filters]}" ] || die "the guard's run has no extra filter"
out=$TMP/section.md
{
	echo "### Terminal guard: cost per system call ($(fmt_int "$N") getppid calls, $ROUNDS rounds, $(uname -r), one run)"
	echo
	echo "| the loop started | seccomp filters | median ns/call (CPU time) | min ns/call |"
	echo "|---|---|---|---|"
	echo "| directly | ${all[direct.filters]} | $dmed | $dmin |"
	echo "| \`nrexec --no-tty-guard 10001\` | ${all[no-tty-guard.filters]} | $nmed | $nmin |"
	echo "| \`nrexec 10001\` (guard installed) | ${all[guard.filters]} | $gmed | $gmin |"
	echo
	echo "The guard's extra cost per system call: $(awk -v a="$gmed" -v b="$nmed" 'BEGIN { printf "%.1f", a - b }') ns median against median,"
	echo "$(awk -v a="$gmin" -v b="$nmin" 'BEGIN { printf "%.1f", a - b }') ns min against min. Since Linux 5.11 the kernel caches a"
	echo "filter's verdict for system calls whose answer does not depend on the"
	echo "arguments, so only ioctl runs the filter's 16 instructions; every other"
	echo "call pays only for leaving the fast system-call path (seccomp's entry"
	echo "work), which is what this measures. A command making 100,000 system calls"
	echo "a second spends $(awk -v a="$gmed" -v b="$nmed" 'BEGIN { printf "%.1f", (a - b) * 100000 / 1e6 }') ms of each second on it. Under Docker the"
	echo "runtime's own filter already takes that path: the guard adds its cached lookup."
	echo
	echo "Reproduce: \`tests/bench/ttyguard.sh\` (\`--update\` rewrites this block)."
} >"$out"
publish ttyguard "$out"
