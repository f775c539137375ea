#!/bin/bash
# tests/bench/charts.sh — SVG charts of the start-up and --chown tables.
#
#   tests/bench/charts.sh [--update]
#
# Reads the tables that tests/bench/startup.sh and tests/bench/chown.sh put
# into BENCHMARKS.md (the same numbers, never typed in), draws them with
# gnuplot into tests/bench/charts/startup.svg and chown.svg, and with
# --update puts the image links between <!-- charts:begin --> and
# <!-- charts:end -->. Run it after those two (make bench does).
set -euo pipefail
export LC_ALL=C
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_args charts.sh "$@"
need_pkgs gnuplot-nox
TMP=$(mktemp -d /tmp/nrexec-charts.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CHARTS=$HERE/charts
mkdir -p "$CHARTS"

# block NAME: the lines between the markers
block() { sed -n "/^<!-- $1:begin -->\$/,/^<!-- $1:end -->\$/p" "$MD"; }

# start-up: the first table after "### Wall time": command, median (ms)
block startup | awk -F'|' '/^### Wall time/ { on = 1; next }
	on && /^\|/ && $3 ~ /ms/ { c = $2; gsub(/^ +| +$/, "", c); m = $3; gsub(/[^0-9.]/, "", m); print c "\t" m; n++; next }
	on && n && !/^\|/ { exit }' >"$TMP/startup.tsv"
# chown: command, (a) all root-owned, (b) all already owned (ms)
block chown | awk -F'|' '/^\| `/ { c = $2; gsub(/^ +| +$|`/, "", c); a = $3; b = $4
	gsub(/[^0-9.]/, "", a); gsub(/[^0-9.]/, "", b); print c "\t" a "\t" b }' >"$TMP/chown.tsv"
[ -s "$TMP/startup.tsv" ] || die "no start-up table in $MD (run tests/bench/startup.sh --update)"
[ -s "$TMP/chown.tsv" ] || die "no chown table in $MD (run tests/bench/chown.sh --update)"

n=$(wc -l <"$TMP/startup.tsv")
gnuplot <<EOF
set terminal svg size 760,$((120 + 36 * n)) font "sans,12" background "white"
set output "$CHARTS/startup.svg"
set title "Start-up to /bin/true as 10001:10001 (median)"
set xlabel "ms"
set style fill solid 0.8 border -1
set datafile separator "\t"
set yrange [$n-0.5:-0.5]
set ytics scale 0
set grid xtics
set xrange [0:*]
set offsets 0, graph 0.15, 0, 0
unset key
plot "$TMP/startup.tsv" using (\$2*0.5):0:(\$2*0.5):(0.35):yticlabels(1) with boxxyerror lc rgb "#4878a8", \
     "" using 2:0:(sprintf(" %g", \$2)) with labels left
EOF
n=$(wc -l <"$TMP/chown.tsv")
gnuplot <<EOF
set terminal svg size 760,$((140 + 60 * n)) font "sans,12" background "white"
set output "$CHARTS/chown.svg"
set title "--chown of a 100k-entry tree (median)"
set xlabel "ms"
set style fill solid 0.8 border -1
set datafile separator "\t"
set yrange [$n-0.5:-0.5]
set ytics scale 0
set grid xtics
set xrange [0:*]
set offsets 0, graph 0.35, 0, 0
set key top right
plot "$TMP/chown.tsv" using (\$2*0.5):(\$0-0.18):(\$2*0.5):(0.16):yticlabels(1) with boxxyerror lc rgb "#4878a8" title "(a) all root-owned", \
     "" using (\$3*0.5):(\$0+0.18):(\$3*0.5):(0.16) with boxxyerror lc rgb "#e8a33c" title "(b) all already owned", \
     "" using 2:(\$0-0.18):(sprintf(" %g", \$2)) with labels left notitle, \
     "" using 3:(\$0+0.18):(sprintf(" %g", \$3)) with labels left notitle
EOF
{
	echo "Drawn by \`tests/bench/charts.sh\` (\`make bench\`) from the tables below; do not edit by hand."
	echo
	echo "![start-up](tests/bench/charts/startup.svg)"
	echo
	echo "![--chown](tests/bench/charts/chown.svg)"
} >"$TMP/section.md"
cat "$TMP/section.md"
if [ "$update" = 1 ]; then
	replace_block "$MD" charts "$TMP/section.md"
	log "updated $MD"
fi
