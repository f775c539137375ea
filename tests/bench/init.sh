#!/bin/bash
# tests/bench/init.sh — what `nrexec --init` costs, next to the inits people
# chain today.
#
#   tests/bench/init.sh [--update]
#
# Prints a markdown section on stdout (progress on stderr); with --update it
# also goes into BENCHMARKS.md between <!-- init:begin --> and
# <!-- init:end -->, with SVG charts (gnuplot, from the same numbers as
# the tables) written to tests/bench/charts/.
#
# 1. Start-up, one `hyperfine -N` run: each runs /bin/true as 10001:10001:
#    nrexec (exec mode), nrexec --init, `tini-static -s -- gosu`,
#    `dumb-init gosu`, `catatonit -- gosu`, and /bin/true directly.
# 2. Idle RSS of the init process (VmRSS, median of 5) while its child
#    sleeps: nrexec --init (dropped), tini-static -s, dumb-init, catatonit.
# 3. `docker stop -t 10` of busybox httpd in a FROM scratch image (RUNS_STOP
#    each, default 3): exec mode (httpd is PID 1 and ignores SIGTERM),
#    --init, and `docker run --init` (Docker's docker-init, i.e. tini) with
#    gosu.
# 4. Bytes: the musl build against the same objects with init.o replaced by
#    a stub (what --init's code and the libc it pulls cost).
#
# Needs root; installs hyperfine, gosu, tini, dumb-init, catatonit and
# gnuplot-nox from Debian when missing; Docker via tests/lib/dockerd.sh.
set -euo pipefail
export LC_ALL=C DOCKER_BUILDKIT=0

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_args init.sh "$@"
RUNS=${RUNS:-500}
RUNS_STOP=${RUNS_STOP:-3}
need_root

need_pkgs hyperfine gosu tini dumb-init catatonit gnuplot-nox jq
fresh_binaries
N=$NREXEC_MUSL
TMP=$(mktemp -d /tmp/nrexec-bench-init.XXXXXX)
RUN_ID="bench-init-$$"
export NREXEC_E2E_RUN=$RUN_ID NREXEC_E2E_IMAGES=$TMP/images.list NREXEC=$N
: >"$NREXEC_E2E_IMAGES"
cleanup() {
	set +e
	"$ROOT/tests/lib/scratch-image.sh" cleanup 2>/dev/null
	ids=$(docker ps -aq --filter "label=nrexec.e2e.run=$RUN_ID" 2>/dev/null)
	[ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1
	rm -rf "$TMP"
}
trap cleanup EXIT
OUT=$TMP/section.md
CHARTS=$HERE/charts
mkdir -p "$CHARTS"

# --- 1. start-up --------------------------------------------------------------
log "start-up: hyperfine, $RUNS runs each"
G=$(command -v gosu)
names=("/bin/true directly" "nrexec (exec mode)" "nrexec --init" "tini-static -s -- gosu" "dumb-init gosu" "catatonit -- gosu")
cmds=("/bin/true" "$N 10001:10001 /bin/true" "$N --init 10001:10001 /bin/true"
	"tini-static -s -- $G 10001:10001 /bin/true" "dumb-init $G 10001:10001 /bin/true"
	"catatonit -- $G 10001:10001 /bin/true")
args=()
for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N -w 50 -r "$RUNS" --export-json "$TMP/start.json" "${args[@]}" >/dev/null 2>"$TMP/hf.err" ||
	{ cat "$TMP/hf.err" >&2; die "hyperfine failed"; }
jq -r '.results[] | [.command, (.median*1000), (.min*1000)] | @tsv' "$TMP/start.json" >"$TMP/start.tsv"
base=$(head -n1 "$TMP/start.tsv" | cut -f2)

# --- 2. idle RSS --------------------------------------------------------------
log "idle RSS"
rss_of() { # COMMAND... (the init process is the one started)
	local p v=() i
	for i in 1 2 3 4 5; do
		"$@" /bin/sleep 30 >/dev/null 2>&1 &
		p=$!
		sleep 0.3
		v+=("$(awk '/^VmRSS:/ { print $2 }' "/proc/$p/status")")
		pkill -KILL -P "$p" 2>/dev/null || true
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	printf '%s\n' "${v[@]}" | sort -n | sed -n 3p
}
{
	printf 'nrexec --init\t%s\n' "$(rss_of "$N" --init 10001:10001)"
	printf 'tini-static -s\t%s\n' "$(rss_of tini-static -s --)"
	printf 'dumb-init\t%s\n' "$(rss_of dumb-init)"
	printf 'catatonit\t%s\n' "$(rss_of catatonit --)"
} >"$TMP/rss.tsv"

# --- 3. docker stop ------------------------------------------------------------
stop_rows=""
if state=$(NREXEC_DOCKERD_USER=$$ "$ROOT/tests/lib/dockerd.sh" start 2>/dev/null); then
	log "docker stop: $RUNS_STOP runs each"
	IMG=$("$ROOT/tests/lib/scratch-image.sh" build --file "$G:/gosu:0755")
	stop_once() { # docker run options + command -> "ms code"
		local n="nrexec-bench-init-$$-$RANDOM" t0 ms
		docker run -d --name "$n" --label "nrexec.e2e.run=$RUN_ID" "$@" >/dev/null
		sleep 0.7
		t0=$(date +%s%N)
		docker stop -t 10 "$n" >/dev/null
		ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		echo "$ms $(docker inspect -f '{{.State.ExitCode}}' "$n")"
		docker rm -f "$n" >/dev/null
	}
	stop_case() { # LABEL docker-run-args...
		local label=$1 i r=()
		shift
		for i in $(seq "$RUNS_STOP"); do r+=("$(stop_once "$@")"); done
		printf '%s\t%s\t%s\n' "$label" "$(printf '%s\n' "${r[@]}" | cut -d' ' -f1 | sort -n | sed -n "$(( (RUNS_STOP + 1) / 2 ))p")" \
			"$(printf '%s\n' "${r[@]}" | cut -d' ' -f2 | sort -u | paste -sd/)"
	}
	{
		stop_case "exec mode: /nrexec 10001:10001 httpd" "$IMG" /nrexec 10001:10001 /usr/sbin/httpd -f -p 8080
		stop_case "/nrexec --init 10001:10001 httpd" "$IMG" /nrexec --init 10001:10001 /usr/sbin/httpd -f -p 8080
		stop_case "docker run --init + gosu 10001:10001 httpd" --init "$IMG" /gosu 10001:10001 /usr/sbin/httpd -f -p 8080
	} >"$TMP/stop.tsv"
	[ "$(printf '%s\n' "$state" | tail -n1)" != started ] || NREXEC_DOCKERD_USER=$$ "$ROOT/tests/lib/dockerd.sh" stop >/dev/null 2>&1 || true
else
	log "no Docker: the docker stop table is left out"
	: >"$TMP/stop.tsv"
fi

# --- 4. bytes --------------------------------------------------------------------
# the Makefile's own link command (make -n), with init.o swapped for a stub
printf '#include "init.h"\nvoid init_save_signals(struct init_sigs *s) { (void)s; }\nvoid init_reignore(const struct init_sigs *s) { (void)s; }\nint init_run(const struct init_conf *c, struct sbuf *e) { (void)c; (void)e; return -1; }\n' >"$TMP/stub.c"
musl-gcc -D_GNU_SOURCE -Os -fno-pie -I"$ROOT/src" -c "$TMP/stub.c" -o "$TMP/stub.o"
link=$(make -s -C "$ROOT" -n -W build/musl/main.o build/musl/nrexec 2>/dev/null |
	sed -n '/^musl-gcc .*-static/,/-o build\/musl\/nrexec/p' | tr '\n' ' ' | sed 's/\\ / /g; s/ 2>.*//')
[ -n "$link" ] || die "cannot find the musl link command in make -n"
link=${link//build\/musl\/init.o/$TMP\/stub.o}
link=${link//-o build\/musl\/nrexec/-o $TMP\/noinit}
(cd "$ROOT" && eval "$link") || die "linking without init.o failed"
strip -R .comment "$TMP/noinit"
with=$(stat -c %s "$N") without=$(stat -c %s "$TMP/noinit")

# --- charts (gnuplot, from the TSV files above) ----------------------------------
# (tests/bench/charts.sh draws the start-up and --chown tables the same way)
bar() { # TSV COLUMN TITLE YLABEL OUT.svg
	gnuplot <<-EOF
	set terminal svg size 720,$((120 + 40 * $(wc -l <"$1"))) font "sans,12" background "white"
	set output "$5"
	set title "$3"
	set xlabel "$4"
	set style fill solid 0.8 border -1
	set datafile separator "\t"
	set yrange [$(( $(wc -l <"$1") ))-0.5:-0.5]
	set ytics scale 0
	set grid xtics
	set xrange [0:*]
	set offsets 0, graph 0.15, 0, 0
	unset key
	plot "$1" using (\$$2*0.5):0:(\$$2*0.5):(0.35):yticlabels(1) with boxxyerror lc rgb "#4878a8", \
	     "" using $2:0:(sprintf(" %g", \$$2)) with labels left
	EOF
}
awk -F'\t' '{ printf "%s\t%.3f\n", $1, $2 }' "$TMP/start.tsv" >"$TMP/start-chart.tsv"
bar "$TMP/start-chart.tsv" 2 "Start-up to /bin/true as 10001:10001 (median)" "ms" "$CHARTS/init-startup.svg"
bar "$TMP/rss.tsv" 2 "Idle RSS of the init process" "kB" "$CHARTS/init-rss.svg"
[ ! -s "$TMP/stop.tsv" ] || bar "$TMP/stop.tsv" 2 "docker stop -t 10 of busybox httpd (median)" "ms" "$CHARTS/init-stop.svg"

# --- the section ---------------------------------------------------------------------
{
	echo "Generated by \`tests/bench/init.sh\` (\`make bench\`); do not edit by hand."
	echo
	echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) CPUs; kernel $(uname -r)"
	echo "- Peers from Debian: tini $(dpkg-query -W -f='${Version}' tini), dumb-init $(dpkg-query -W -f='${Version}' dumb-init), catatonit $(dpkg-query -W -f='${Version}' catatonit), gosu $(dpkg-query -W -f='${Version}' gosu); hyperfine $(hyperfine --version | cut -d' ' -f2)"
	echo
	echo "### Start-up (one hyperfine -N run, $RUNS runs each)"
	echo
	echo "![start-up](tests/bench/charts/init-startup.svg)"
	echo
	echo "| command | median | min | over /bin/true (median) |"
	echo "|---|---:|---:|---:|"
	awk -F'\t' -v b="$base" '{ printf "| %s | %.3f ms | %.3f ms | %s |\n", $1, $2, $3, NR == 1 ? "–" : sprintf("+%.3f ms", $2 - b) }' "$TMP/start.tsv"
	echo
	echo "Every row drops to 10001:10001 except the first; the tini, dumb-init and catatonit rows"
	echo "need gosu for that, and their init stays root with all its capabilities."
	echo
	echo "### Idle RSS of the init (VmRSS, median of 5)"
	echo
	echo "![idle RSS](tests/bench/charts/init-rss.svg)"
	echo
	echo "| init | RSS |"
	echo "|---|---:|"
	awk -F'\t' '{ printf "| %s | %s kB |\n", $1, $2 }' "$TMP/rss.tsv"
	echo
	if [ -s "$TMP/stop.tsv" ]; then
		echo "### docker stop -t 10 of busybox httpd (FROM scratch; median of $RUNS_STOP)"
		echo
		echo "![docker stop](tests/bench/charts/init-stop.svg)"
		echo
		echo "| entrypoint | median | exit code |"
		echo "|---|---:|---:|"
		awk -F'\t' '{ printf "| `%s` | %s ms | %s |\n", $1, $2, $3 }' "$TMP/stop.tsv"
		echo
	fi
	echo "### Bytes (musl build)"
	echo
	echo "| | bytes |"
	echo "|---|---:|"
	echo "| build/musl/nrexec | $(fmt_int "$with") |"
	echo "| the same objects, init.o replaced by a stub | $(fmt_int "$without") |"
	echo "| what --init's code (init.o) and the libc it pulls cost | $(fmt_int $((with - without))) |"
	echo
	echo "Not counted above: the three options and their --help lines in opts.c. The musl"
	echo "link wraps strtoul (src/idnum.c), which made room for --init within the 64 KiB budget."
	echo
	echo "Reproduce: \`make bench\` or \`bash tests/bench/init.sh --update\` (RUNS, RUNS_STOP)."
} >"$OUT"
[ "$update" = 0 ] || grep -q '^<!-- init:begin -->$' "$MD" ||
	printf '\n## --init\n\n<!-- init:begin -->\n<!-- init:end -->\n' >>"$MD"
publish init "$OUT"
