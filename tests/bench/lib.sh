# Sourced by the benchmark scripts.

# replace_block FILE NAME CONTENT_FILE: put CONTENT_FILE between the lines
# <!-- NAME:begin --> and <!-- NAME:end --> of FILE; the rest stays.
replace_block() {
	grep -q "^<!-- $2:begin -->\$" "$1" && grep -q "^<!-- $2:end -->\$" "$1" || {
		echo "$1: no <!-- $2:begin --> / <!-- $2:end --> markers" >&2
		return 1
	}
	awk -v b="<!-- $2:begin -->" -v e="<!-- $2:end -->" -v f="$3" '
		$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
		$0 == e { skip = 0 }
		!skip' "$1" >"$1.tmp.$$" && mv "$1.tmp.$$" "$1"
}

# bench_args NAME ARGS...: the command line the scripts share (--update,
# --help). Sets ROOT, MD, update and the default binaries; log and die
# below prefix their lines with NAME.
bench_args() {
	BENCH_NAME=$1
	shift
	ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	MD=$ROOT/BENCHMARKS.md
	update=0
	for a in "$@"; do
		case $a in
		--update) update=1 ;;
		-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
		*) echo "$BENCH_NAME: unknown argument '$a'" >&2; exit 2 ;;
		esac
	done
	NREXEC_GLIBC=${NREXEC_GLIBC:-$ROOT/build/nrexec}
	NREXEC_MUSL=${NREXEC_MUSL:-$ROOT/build/musl/nrexec}
}
# fresh_binaries: bring the default binaries up to date (a failed build, e.g.
# of a tree being edited, leaves the existing ones in place with a warning),
# then insist that both exist.
fresh_binaries() {
	local b
	if [ "$NREXEC_GLIBC" = "$ROOT/build/nrexec" ] && ! make -q -C "$ROOT" all >/dev/null 2>&1; then
		log "make all"; make -s -C "$ROOT" all >&2 || log "warning: 'make all' failed"
	fi
	if [ "$NREXEC_MUSL" = "$ROOT/build/musl/nrexec" ] && ! make -q -C "$ROOT" static >/dev/null 2>&1; then
		log "make static"; make -s -C "$ROOT" static >&2 || log "warning: 'make static' failed"
	fi
	for b in "$NREXEC_GLIBC" "$NREXEC_MUSL"; do
		[ -x "$b" ] || die "$b: not an executable (set NREXEC_GLIBC / NREXEC_MUSL)"
	done
}

# fmt_int N: 1234567 -> 1,234,567
fmt_int() { printf '%s' "$1" | sed -e ':a' -e 's/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/' -e 'ta'; }

log() { printf '%s: %s\n' "$BENCH_NAME" "$*" >&2; }
die() { log "error: $*"; exit 1; }
# need_root [WHY]
need_root() { [ "$(id -u)" = 0 ] || die "run as root${1:+ ($1)}"; }

# publish NAME FILE: the section in FILE on stdout; with --update, also in
# BENCHMARKS.md between <!-- NAME:begin --> and <!-- NAME:end -->
publish() {
	cat "$2"
	[ "$update" = 1 ] || return 0
	[ -f "$MD" ] || die "$MD does not exist"
	replace_block "$MD" "$1" "$2"
	log "updated $MD"
}

# need_pkgs PKG[=VERSION]...: install from Debian what is missing (apt's
# lists are refreshed only if the first try fails).
need_pkgs() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "${p%%=*}" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" = 0 ] || die "missing packages: ${missing[*]}"
	log "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 ||
		{ apt-get update -q >&2 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
				--no-install-recommends "${missing[@]}" >&2; }
}
