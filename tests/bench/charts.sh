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
# (awk reads to the end: an early exit would kill block with SIGPIPE, which
# pipefail then makes the script's status, now and then)
block startup | awk -F'|' 'done { next } /^### Wall time/ { on = 1; next }
	on && /^\|/ && $3 ~ /ms/ { c = $2; gsub(/^ +| +$/, "", c); m = $3; gsub(/[^0-9.]/, "", m); print c "\t" m; n++; next }
	on && n && !/^\|/ { done = 1 }' >"$TMP/startup.tsv"
# chown: command, (a) all root-owned, (b) all already owned (ms)
block chown | awk -F'|' '/^\| `/ { c = $2; gsub(/^ +| +$|`/, "", c); a = $3; b = $4
	gsub(/[^0-9.]/, "", a); gsub(/[^0-9.]/, "", b); print c "\t" a "\t" b }' >"$TMP/chown.tsv"
[ -s "$TMP/startup.tsv" ] || die "no start-up table in $MD (run tests/bench/startup.sh --update)"
[ -s "$TMP/chown.tsv" ] || die "no chown table in $MD (run tests/bench/chown.sh --update)"

# chart NAME HEIGHT PER-ROW TITLE MARGIN <<EOF: $TMP/NAME.tsv as horizontal
# bars in $CHARTS/NAME.svg, HEIGHT + PER-ROW pixels a row high, MARGIN of
# the width kept free for the labels; gnuplot's key and plot lines on stdin
chart() {
	local name=$1 h=$2 per=$3 title=$4 margin=$5 n
	n=$(wc -l <"$TMP/$name.tsv")
	{
		cat <<EOF
set terminal svg size 760,$((h + per * n)) font "sans,12" background "white"
set output "$CHARTS/$name.svg"
set title "$title"
set xlabel "ms"
set style fill solid 0.8 border -1
set datafile separator "\t"
set yrange [$n-0.5:-0.5]
set ytics scale 0
set grid xtics
set xrange [0:*]
set offsets 0, graph $margin, 0, 0
EOF
		cat
	} | gnuplot
}
chart startup 120 36 "Start-up to /bin/true as 10001:10001 (median)" 0.15 <<EOF
unset key
plot "$TMP/startup.tsv" using (\$2*0.5):0:(\$2*0.5):(0.35):yticlabels(1) with boxxyerror lc rgb "#4878a8", \
     "" using 2:0:(sprintf(" %g", \$2)) with labels left
EOF
chart chown 140 60 "--chown of a 100k-entry tree (median)" 0.35 <<EOF
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
publish charts "$TMP/section.md"
