#!/bin/bash
# tests/e2e/init.sh — `nrexec --init` as PID 1 of real containers.
#
#   NREXEC=/abs/path/to/static/nrexec tests/e2e/init.sh
#
# Reaping 100 orphans (no zombie in the container's /proc); docker kill -s
# TERM/USR1/HUP -> 143/138/129; exit codes and 128+N; the init and the
# command show the same dropped identity in /proc/PID/status while tini
# (Debian's tini-static) chained before nrexec stays uid 0; stop latency of
# busybox httpd (FROM scratch) and of the seeds' Flask demo (python3-flask,
# a Debian image built from tests/lib/debian-base.sh); --init-grace with a
# worker that needs 2 s; --pids-limit 1; 10,000 processes exiting at once
# (RSS before/after); `docker run -it` through a pty: the command is the
# foreground group and Ctrl-C gives 130. The command is
# tests/lib/initprobe.c, built static.
#
# TAP-like output and a closing `e2e-init: P passed, F failed, S skipped`.
# Docker as in run.sh: tests/lib/dockerd.sh; no Docker is a loud SKIP, or a
# failure with NREXEC_REQUIRE_DOCKER=1. NREXEC_E2E_ONLY=REGEX runs a subset.
# Everything created carries a per-run label and unique name, removed on exit.
set -eu
export DOCKER_BUILDKIT=0 LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
LIB=$ROOT/tests/lib
RUN_ID="init-$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
export NREXEC_E2E_RUN=$RUN_ID
WORK=$(mktemp -d /tmp/nrexec-e2e-init.XXXXXX)
export NREXEC_E2E_IMAGES=$WORK/images.list
: >"$NREXEC_E2E_IMAGES"
# shellcheck source=../lib/e2e.sh
. "$LIB/e2e.sh"

docker_cleanup() { "$LIB/scratch-image.sh" cleanup; }
on_exit_run_cleanup

need_static_nrexec init.sh
docker_up "--init container suite"

# t NAME FUNCTION: run one test in a subshell; it fails if it prints FAIL
t() {
	local name=$1 fn=$2 t0 ms
	selected "$name" || return 0
	t0=$(now_ms)
	("$fn") >"$WORK/diag" 2>&1 || echo "FAIL: the test function failed" >>"$WORK/diag"
	ms=$(( $(now_ms) - t0 ))
	N=$((N + 1))
	if grep -q '^FAIL' "$WORK/diag"; then
		FAIL=$((FAIL + 1)); echo "not ok $N - $name [$ms ms]"; sed 's/^/#   /' "$WORK/diag"
	else
		PASS=$((PASS + 1)); echo "ok $N - $name [$ms ms]"; grep '^note:' "$WORK/diag" | sed 's/^/# /' || true
	fi
}
# (its own fail: a test fails when its output has a FAIL line)
fail() { echo "FAIL: $*"; }
name() { echo "nrexec-e2e-$RUN_ID-$1"; }
# run NAME [docker run options] IMAGE ARGS...: detached, labelled
run() { local n; n=$(name "$1"); shift; dk run -d --name "$n" --label "nrexec.e2e.run=$RUN_ID" "$@" >/dev/null && echo "$n"; }
# wait_log CONTAINER REGEX: up to 10 s
wait_log() {
	local i
	for i in $(seq 100); do dk logs "$1" 2>&1 | grep -Eq -- "$2" && return 0; sleep 0.1; done
	return 1
}
code_of() { dk inspect -f '{{.State.ExitCode}}' "$1"; }
# stop_ms CONTAINER: docker stop -t 10, prints the time it took
stop_ms() { local t0; t0=$(now_ms); timeout 30 docker stop -t 10 "$1" >/dev/null; echo $(( $(now_ms) - t0 )); }

# --- images --------------------------------------------------------------------
cc -std=c11 -O2 -static -o "$WORK/initprobe" "$LIB/initprobe.c" || { echo "not ok 1 - compile initprobe"; exit 1; }
cat >"$WORK/grace.sh" <<'EOS'
#!/bin/sh
# a worker that needs 2 s after SIGTERM; the command itself dies of it
sh -c 'trap "sleep 2; echo worker-done; exit 0" TERM; echo worker-ready; sleep 1000 & wait' &
exec sleep 1000
EOS
TINI=$(command -v tini-static || true)
IMG=$("$LIB/scratch-image.sh" build --file "$WORK/initprobe:/initprobe:0755" \
	--file "$WORK/grace.sh:/grace.sh:0755" ${TINI:+--file "$TINI:/tini-static:0755"} \
	--line 'ENTRYPOINT ["/nrexec", "--init", "10001:10001"]') || { echo "not ok 1 - building the image"; exit 1; }

# --- tests ---------------------------------------------------------------------
test_reap_pid1() {
	local c
	c=$(run reap "$IMG" /initprobe orphans 100 500) || { fail "docker run"; return; }
	timeout 30 docker wait "$c" >/dev/null
	dk logs "$c" >"$WORK/reap.out" 2>&1
	[ "$(code_of "$c")" = 0 ] || fail "exit $(code_of "$c")"
	grep -qx 'adopted=100' "$WORK/reap.out" || fail "the init (PID 1) did not adopt 100: $(cat "$WORK/reap.out")"
	grep -qx 'zombies=0' "$WORK/reap.out" || fail "zombies left: $(cat "$WORK/reap.out")"
}

test_docker_kill() {
	local s want c
	for s in TERM:143 USR1:138 HUP:129; do
		want=${s#*:}; s=${s%:*}
		c=$(run "kill-$s" "$IMG" /bin/sleep 1000) || { fail "docker run"; return; }
		sleep 0.3
		dk kill -s "$s" "$c" >/dev/null
		timeout 10 docker wait "$c" >/dev/null
		[ "$(code_of "$c")" = "$want" ] || fail "docker kill -s $s: exit $(code_of "$c"), want $want"
	done
}

test_exit_codes() {
	local c want
	for want in 0 3 125 255; do
		c=$(run "exit-$want" "$IMG" /bin/sh -c "exit $want") || { fail "docker run"; return; }
		timeout 10 docker wait "$c" >/dev/null
		[ "$(code_of "$c")" = "$want" ] || fail "exit $want came out as $(code_of "$c")"
	done
	c=$(run raise "$IMG" /initprobe raise 6) || return
	timeout 10 docker wait "$c" >/dev/null
	[ "$(code_of "$c")" = 134 ] || fail "SIGABRT: $(code_of "$c"), want 134"
	c=$(run notfound "$IMG" /no/such) || return
	timeout 10 docker wait "$c" >/dev/null
	[ "$(code_of "$c")" = 127 ] || fail "not found: $(code_of "$c"), want 127"
}

ID_FIELDS='^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):'
test_privilege() {
	local c p child a b
	c=$(run priv "$IMG" /bin/sleep 1000) || { fail "docker run"; return; }
	sleep 0.3
	p=$(dk inspect -f '{{.State.Pid}}' "$c")
	child=$(pgrep -P "$p" | head -n1)
	a=$(grep -E "$ID_FIELDS" "/proc/$p/status"); b=$(grep -E "$ID_FIELDS" "/proc/$child/status")
	[ "$a" = "$b" ] || fail "init and command differ:" "$a" "$b"
	printf '%s\n' "$a" | grep -Eq '^Uid:\s+10001\s+10001\s+10001\s+10001$' || fail "init: $(echo $a)"
	printf '%s\n' "$a" | grep -Eq '^CapEff:\s+0+$' || fail "init holds capabilities: $(echo $a)"
	echo "note: PID 1 (nrexec --init): $(grep -E '^(Uid|CapEff|NoNewPrivs)' "/proc/$p/status" | tr -s '\t\n' '  ')"
	if [ -z "$TINI" ]; then echo "note: no tini-static here: comparison left out"; return; fi
	c=$(run tini --entrypoint /tini-static "$IMG" -- /nrexec 10001:10001 /bin/sleep 1000) || { fail "docker run tini"; return; }
	sleep 0.3
	p=$(dk inspect -f '{{.State.Pid}}' "$c")
	grep -Eq '^Uid:\s+0\s+0\s+0\s+0$' "/proc/$p/status" || fail "tini as PID 1 is not uid 0?"
	echo "note: PID 1 (tini-static -- nrexec): $(grep -E '^(Uid|CapEff|NoNewPrivs)' "/proc/$p/status" | tr -s '\t\n' '  ')"
}

test_httpd_stop() {
	local c ms
	c=$(run httpd "$IMG" /usr/sbin/httpd -f -p 8080) || { fail "docker run"; return; }
	sleep 0.5
	ms=$(stop_ms "$c")
	echo "note: busybox httpd under --init: docker stop took $ms ms, exit $(code_of "$c")"
	[ "$ms" -lt 1000 ] || fail "docker stop took $ms ms"
	[ "$(code_of "$c")" = 143 ] || fail "exit $(code_of "$c"), want 143"
}

test_flask_stop() {
	local base=${NREXEC_BASE_TAG:-nrexec-build/debian:12} tag="nrexec-e2e-init/flask:$RUN_ID" c ms ctx=$WORK/flask
	"$LIB/debian-base.sh" >"$WORK/base.log" 2>&1 || { fail "debian-base.sh:"; tail -5 "$WORK/base.log"; return; }
	mkdir -p "$ctx"
	cp "$NREXEC" "$ctx/nrexec"
	# the seeds' app as written (no SIGTERM handler)
	cat >"$ctx/app.py" <<'EOS'
from flask import Flask
import os
import pwd
import grp

app = Flask(__name__)

@app.route('/')
def hello_world():
    user_id = os.getuid()
    user_name = pwd.getpwuid(user_id).pw_name
    group_id = os.getgid()
    group_name = grp.getgrgid(group_id).gr_name
    return f'Hello from user: {user_name} (UID: {user_id}) and group: {group_name} (GID: {group_id})!'

if __name__ == '__main__':
    app.run(host='0.0.0.0', port=5000)
EOS
	cat >"$ctx/Dockerfile" <<EOS
FROM $base
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-flask >/dev/null && rm -rf /var/lib/apt/lists/*
RUN groupadd -r mypythongroup && useradd -r -g mypythongroup mypythonuser
COPY app.py /usr/src/app/app.py
COPY nrexec /nrexec
WORKDIR /usr/src/app
LABEL nrexec.e2e.run=$RUN_ID
ENTRYPOINT ["/nrexec", "--init", "mypythonuser"]
CMD ["python3", "app.py"]
EOS
	echo "$tag" >>"$NREXEC_E2E_IMAGES"
	DK_TIMEOUT=900 dk build -q --force-rm -t "$tag" "$ctx" >"$WORK/flask.log" 2>&1 || { fail "docker build:"; tail -5 "$WORK/flask.log"; return; }
	c=$(run flask "$tag") || { fail "docker run"; return; }
	wait_log "$c" 'Running on' || { fail "the app did not start: $(dk logs "$c" 2>&1 | tail -3)"; return; }
	ms=$(stop_ms "$c")
	echo "note: the seeds' Flask demo under --init: docker stop took $ms ms, exit $(code_of "$c")"
	[ "$ms" -lt 1000 ] || fail "docker stop took $ms ms"
	dk rm -f "$c" >/dev/null 2>&1
	dk image rm "$tag" >/dev/null 2>&1
}

test_grace() {
	local c ms
	c=$(run grace --entrypoint /nrexec "$IMG" --init-grace 5 10001:10001 /grace.sh) || { fail "docker run"; return; }
	wait_log "$c" '^worker-ready$' || { fail "the worker did not start"; return; }
	ms=$(stop_ms "$c")
	echo "note: --init-grace 5, worker needing 2 s: docker stop took $ms ms, exit $(code_of "$c")"
	[ "$ms" -ge 1800 ] && [ "$ms" -lt 4500 ] || fail "docker stop took $ms ms, want about 2000"
	[ "$(code_of "$c")" = 143 ] || fail "exit $(code_of "$c"), want 143 (the command's SIGTERM)"
	dk logs "$c" 2>&1 | grep -qx worker-done || fail "the worker did not finish: $(dk logs "$c" 2>&1 | tail -3)"
}

test_pids_limit() {
	local c
	c=$(run pids --pids-limit 1 "$IMG" /bin/true) || { fail "docker run"; return; }
	timeout 10 docker wait "$c" >/dev/null
	[ "$(code_of "$c")" = 125 ] || fail "exit $(code_of "$c"), want 125"
	dk logs "$c" 2>&1 | grep -q '^nrexec: --init: cannot fork: ' || fail "message: $(dk logs "$c" 2>&1)"
}

test_storm() {
	local c out before after
	c=$(run storm "$IMG" /initprobe storm 10000) || { fail "docker run"; return; }
	timeout 120 docker wait "$c" >/dev/null
	out=$(dk logs "$c" 2>&1)
	echo "note: 10,000 at once as PID 1: $out"
	[ "$(code_of "$c")" = 0 ] || fail "exit $(code_of "$c"): $out"
	before=$(printf '%s' "$out" | sed -n 's/.*rss_before=\([0-9]*\).*/\1/p')
	after=$(printf '%s' "$out" | sed -n 's/.*rss_after=\([0-9]*\).*/\1/p')
	[ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -le 8 ] || fail "RSS grew: $out"
}

test_tty() {
	local n out
	n=$(name tty)
	cat >"$WORK/ptyrun.py" <<'EOF'
import os, pty, sys, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
buf = b""
end = time.time() + 30
while b"ready" not in buf and time.time() < end:
    try:
        buf += os.read(fd, 1024)
    except OSError:
        break
os.write(fd, b"\x03")
while True:
    try:
        if not os.read(fd, 1024):
            break
    except OSError:
        break
_, st = os.waitpid(pid, 0)
print(buf.decode(errors="replace").replace("\r", ""))
print("exit=%d" % os.waitstatus_to_exitcode(st))
EOF
	out=$(timeout 60 python3 "$WORK/ptyrun.py" docker run -it --name "$n" --label "nrexec.e2e.run=$RUN_ID" "$IMG" /initprobe tty 2>&1)
	echo "note: docker run -it through a pty: $(printf '%s' "$out" | grep -E 'pgrp|exit' | tr '\n' ' ')"
	printf '%s\n' "$out" | grep -Eq '^pgrp=([0-9]+) fg=\1$' || fail "the command is not the foreground group: $out"
	printf '%s\n' "$out" | grep -Eq '^pgrp=1 ' && fail "the command's group is PID 1's"
	printf '%s\n' "$out" | grep -qx 'exit=130' || fail "Ctrl-C did not end it with 130: $out"
}

echo "# --init container suite (run $RUN_ID)"
t "PID 1: 100 orphans adopted and reaped, no zombie" test_reap_pid1
t "docker kill -s TERM/USR1/HUP: 143/138/129" test_docker_kill
t "exit codes pass through; SIGABRT 134; not found 127" test_exit_codes
t "init and command: the same dropped identity; tini before nrexec stays uid 0" test_privilege
t "busybox httpd (FROM scratch): docker stop < 1 s, exit 143" test_httpd_stop
t "the seeds' Flask demo: docker stop < 1 s" test_flask_stop
t "--init-grace 5, a worker needing 2 s after SIGTERM: clean exit after ~2 s" test_grace
t "--pids-limit 1: fork fails, 125 with a message" test_pids_limit
t "10,000 processes exiting at once: all reaped, RSS flat" test_storm
t "docker run -it: the command is the foreground group, Ctrl-C gives 130" test_tty
echo "e2e-init: $PASS passed, $FAIL failed, $SKIP skipped"
[ "$FAIL" = 0 ]
