#!/bin/bash
# tests/bench/container.sh — start-up inside a default Docker container.
#
#   tests/bench/container.sh [--update]
#
# A benchmark, not a test: it prints a markdown section on stdout (progress
# goes to stderr) and, with --update, also puts it into BENCHMARKS.md
# between <!-- container:begin --> and <!-- container:end -->.
#
# Where nrexec really runs: a container started by `docker run` with the
# default capabilities (a bounding set of 14, not 41) and seccomp profile.
# One image, built locally from the debootstrap base (tests/lib/
# debian-base.sh) with Debian's hyperfine and gosu and the musl nrexec,
# runs one `hyperfine -N` side by side, each dropping to 10001:10001 and
# executing /bin/true: /bin/true directly, nrexec, gosu, and setpriv with
# a full drop (groups cleared, no inheritable capabilities, bounding set
# emptied, no_new_privs) — the same end state as nrexec's default.
# Medians, the overhead over /bin/true, and nrexec's overhead as a
# fraction of gosu's, all from that one run. The image is removed at the
# end (the base image stays: it is shared).
#
# Environment:
#   NREXEC_MUSL   default build/musl/nrexec   (`make static` first if so)
#   RUNS          hyperfine runs per command, default 2000
#   WARMUP        warm-up runs, default 200
#
# Needs root and a Docker daemon (tests/lib/dockerd.sh start). Installs jq
# from Debian when missing. Takes about a minute (the image's apt run).
set -euo pipefail
export LC_ALL=C DOCKER_BUILDKIT=0

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_args container.sh "$@"

RUNS=${RUNS:-2000}
WARMUP=${WARMUP:-200}
BASE=${NREXEC_BASE_TAG:-nrexec-build/debian:12}
TAG=nrexec-bench-container:$$

need_root
need_pkgs jq
fresh_binaries
docker info >/dev/null 2>&1 || die "no Docker daemon answers (tests/lib/dockerd.sh start)"
bash "$ROOT/tests/lib/debian-base.sh" >&2

TMP=$(mktemp -d /tmp/nrexec-bench-ctr.XXXXXX)
cleanup() { docker rmi -f "$TAG" >/dev/null 2>&1 || true; rm -rf "$TMP"; }
trap cleanup EXIT

cp "$NREXEC_MUSL" "$TMP/nrexec"
cat >"$TMP/Dockerfile" <<EOF
FROM $BASE
RUN apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends hyperfine gosu && rm -rf /var/lib/apt/lists/*
COPY nrexec /nrexec
EOF
log "docker build $TAG"
docker build -q -t "$TAG" "$TMP" >&2

SETPRIV="setpriv --reuid=10001 --regid=10001 --clear-groups --inh-caps=-all --bounding-set=-all --no-new-privs /bin/true"
log "hyperfine in the container, $RUNS runs each"
mkdir -m 777 "$TMP/out"
docker run --rm -v "$TMP/out:/out" "$TAG" \
	hyperfine -N --style none --warmup "$WARMUP" --runs "$RUNS" --export-json /out/h.json \
	-n direct "/bin/true" \
	-n nrexec "/nrexec 10001:10001 /bin/true" \
	-n gosu "gosu 10001:10001 /bin/true" \
	-n setpriv "$SETPRIV" >&2
# what each one left, read inside the same kind of container
caps=$(docker run --rm "$TAG" sh -c 'grep CapBnd /proc/self/status | cut -f2')
drop=$(docker run --rm "$TAG" /nrexec 10001:10001 sh -c 'grep -E "^(CapBnd|NoNewPrivs)" /proc/self/status | tr "\t\n" "  "')

med() { jq -r --arg n "$1" '.results[] | select(.command == $n) | .median * 1000' "$TMP/out/h.json"; }
d=$(med direct); n=$(med nrexec); g=$(med gosu); s=$(med setpriv)
ms() { awk -v v="$1" 'BEGIN { printf "%.3f", v }'; }
over() { awk -v v="$1" -v b="$d" 'BEGIN { printf "+%.3f", v - b }'; }
ratio=$(awk -v n="$n" -v g="$g" -v d="$d" 'BEGIN { printf "%.2f", (n - d) / (g - d) }')
ratio_s=$(awk -v n="$n" -v s="$s" -v d="$d" 'BEGIN { printf "%.2f", (n - d) / (s - d) }')

{
	echo "### Start-up inside a default Docker container"
	echo
	echo "\`tests/bench/container.sh --update\` (one \`hyperfine -N\` run inside"
	echo "\`docker run\` with the default capabilities, CapBnd $caps; $RUNS runs"
	echo "after $WARMUP warm-up runs; medians; each drops to 10001:10001 and"
	echo "executes /bin/true; $(docker version -f '{{.Server.Version}}' 2>/dev/null | sed 's/^/Docker /'),"
	echo "kernel $(uname -r), $(nproc) CPUs):"
	echo
	echo "| command | median ms | over /bin/true ms |"
	echo "|---|---:|---:|"
	echo "| /bin/true | $(ms "$d") | – |"
	echo "| nrexec (musl, default drop) | $(ms "$n") | $(over "$n") |"
	echo "| gosu 1.14 (Debian) | $(ms "$g") | $(over "$g") |"
	echo "| setpriv, full drop | $(ms "$s") | $(over "$s") |"
	echo
	echo "nrexec's overhead is ${ratio}x gosu's and ${ratio_s}x setpriv's (goal:"
	echo "≤ 0.1x gosu's). The command under nrexec sees: $drop."
} >"$TMP/section.md"
publish container "$TMP/section.md"
