#!/bin/bash
# tests/e2e/stop-latency.sh — how long `docker stop` takes when the app is
# PID 1 (nrexec exec'd it) versus behind a shell wrapper that does not exec.
#
#   NREXEC=/abs/path/to/static/nrexec tests/e2e/stop-latency.sh
#
# Both images run the same app (busybox sh: traps TERM, exits 0, `sleep & wait`):
#   exec     ENTRYPOINT ["/nrexec", "10001:10001", "/app/server"]
#            -> the app is PID 1 and receives docker's SIGTERM itself
#   wrapper  ENTRYPOINT ["/bin/sh", "-c", "/nrexec 10001:10001 /app/server; echo ..."]
#            -> sh is PID 1 without a TERM handler: the kernel drops the
#               signal, docker waits the whole timeout, then SIGKILLs
# Each is stopped with `docker stop -t $STOP_TIMEOUT` (default 2 s, to keep
# the run bounded) $RUNS times (default 20); prints the median, min and max
# as a markdown table on stdout (progress on stderr).
set -eu
export DOCKER_BUILDKIT=0 LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
LIB=$(cd "$HERE/../lib" && pwd)
RUNS=${RUNS:-20}
STOP_TIMEOUT=${STOP_TIMEOUT:-2}

die() { echo "stop-latency.sh: ERROR: $*" >&2; exit 1; }
say() { echo "stop-latency.sh: $*" >&2; }

[ -n "${NREXEC:-}" ] || die "set NREXEC to the absolute path of a static nrexec binary"
case $NREXEC in /*) ;; *) NREXEC=$(pwd)/$NREXEC ;; esac
export NREXEC
[ -x "$NREXEC" ] || die "NREXEC=$NREXEC is not executable"

RUN_ID="$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
export NREXEC_E2E_RUN=$RUN_ID
WORK=$(mktemp -d /tmp/nrexec-stoplat.XXXXXX)
export NREXEC_E2E_IMAGES=$WORK/images.list
: >"$NREXEC_E2E_IMAGES"
WE_STARTED=0
UP=0
cleanup() {
	local rc=$? ids
	set +e
	if [ "$UP" = 1 ]; then
		ids=$(timeout 30 docker ps -aq --filter "label=nrexec.e2e.run=$RUN_ID")
		[ -z "$ids" ] || timeout 60 docker rm -f -v $ids >/dev/null 2>&1
		"$LIB/scratch-image.sh" cleanup
	fi
	[ "$WE_STARTED" = 1 ] && [ "${NREXEC_KEEP_DOCKERD:-0}" != 1 ] && NREXEC_DOCKERD_USER=$$ "$LIB/dockerd.sh" stop >&2
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

state=$(NREXEC_DOCKERD_USER=$$ "$LIB/dockerd.sh" start) || die "Docker is not available"
[ "$(printf '%s\n' "$state" | tail -n1)" = started ] && WE_STARTED=1
UP=1

cat >"$WORK/server" <<'EOS'
#!/bin/sh
trap 'echo "got TERM"; exit 0' TERM
echo "pid=$$ uid=$(id -u)"
echo ready
sleep 1000 &
wait $!
exit 1
EOS

say "building the two images ..."
IMG_EXEC=$("$LIB/scratch-image.sh" build --file "$WORK/server:/app/server:0755" \
	--line 'ENTRYPOINT ["/nrexec", "10001:10001", "/app/server"]')
IMG_WRAP=$("$LIB/scratch-image.sh" build --file "$WORK/server:/app/server:0755" \
	--line 'ENTRYPOINT ["/bin/sh", "-c", "/nrexec 10001:10001 /app/server; echo \"server exited: $?\""]')

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }

# measure IMAGE LABEL: one line per run "ms exitcode pid" into $WORK/LABEL
measure() {
	local img=$1 label=$2 i name t0 ms code pid
	: >"$WORK/$label"
	for i in $(seq 1 "$RUNS"); do
		name="nrexec-stoplat-$RUN_ID-$label-$i"
		timeout 60 docker run -d --name "$name" --label "nrexec.e2e.run=$RUN_ID" "$img" >/dev/null ||
			die "docker run $img failed"
		for _ in $(seq 1 100); do
			timeout 30 docker logs "$name" 2>/dev/null | grep -q '^ready$' && break
			sleep 0.05
		done
		timeout 30 docker logs "$name" 2>/dev/null | grep -q '^ready$' || die "$label: the app never got ready"
		t0=$(now_ms)
		timeout $((STOP_TIMEOUT + 30)) docker stop -t "$STOP_TIMEOUT" "$name" >/dev/null || die "docker stop hung"
		ms=$(( $(now_ms) - t0 ))
		code=$(timeout 30 docker inspect -f '{{.State.ExitCode}}' "$name")
		pid=$(timeout 30 docker logs "$name" 2>/dev/null | sed -n 's/^pid=\([0-9]*\) .*/\1/p' | head -n1)
		timeout 30 docker rm -f -v "$name" >/dev/null
		echo "$ms $code $pid" >>"$WORK/$label"
		printf '.' >&2
	done
	echo >&2
}

# stats LABEL -> "median min max exitcodes pids"
stats() {
	local f=$WORK/$1
	local med
	med=$(cut -d' ' -f1 "$f" | sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }')
	echo "$med $(cut -d' ' -f1 "$f" | sort -n | head -n1) $(cut -d' ' -f1 "$f" | sort -n | tail -n1)" \
		"$(cut -d' ' -f2 "$f" | sort -u | paste -sd/)" "$(cut -d' ' -f3 "$f" | sort -u | paste -sd/)"
}

say "exec variant: $RUNS runs ..."
measure "$IMG_EXEC" exec
say "wrapper variant: $RUNS runs (each takes about ${STOP_TIMEOUT} s) ..."
measure "$IMG_WRAP" wrapper

read -r e_med e_min e_max e_code e_pid <<<"$(stats exec)"
read -r w_med w_min w_max w_code w_pid <<<"$(stats wrapper)"

[ "$e_pid" = 1 ] || say "WARNING: in the exec variant the app's PID was $e_pid, not 1"
[ "$w_pid" != 1 ] || say "WARNING: in the wrapper variant the app was PID 1 (the shell exec'd it?)"

echo
echo "\`docker stop -t $STOP_TIMEOUT\`, $RUNS runs each (Docker $(docker version -f '{{.Server.Version}}' 2>/dev/null), $(nproc) cores):"
echo
echo "| entrypoint | app's PID | median | min | max | exit code |"
echo "|---|---|---|---|---|---|"
echo "| \`/nrexec 10001:10001 /app/server\` (exec) | $e_pid | $e_med ms | $e_min ms | $e_max ms | $e_code |"
echo "| \`sh -c '/nrexec 10001:10001 /app/server; echo …'\` (no exec) | $w_pid | $w_med ms | $w_min ms | $w_max ms | $w_code |"
echo
echo "The app traps SIGTERM and exits 0. Behind the wrapper, sh is PID 1 with no"
echo "TERM handler, so the signal is dropped and docker kills after the ${STOP_TIMEOUT} s timeout (exit 137)."
