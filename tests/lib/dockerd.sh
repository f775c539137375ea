#!/bin/bash
# dockerd.sh — bring up a Docker daemon for the container tests, and take it
# down again only if we were the ones who started it.
#
#   tests/lib/dockerd.sh start    install docker.io if dockerd is missing, start
#                                 dockerd unless `docker info` already answers,
#                                 wait for it (NREXEC_DOCKERD_WAIT, default 60 s)
#   tests/lib/dockerd.sh stop     stop the daemon if (and only if) start started it
#   tests/lib/dockerd.sh status   print whether the daemon answers / who owns it
#
# The daemon may be shared with other test runs on the same machine, so a
# daemon that was already answering is never stopped. `start` prints
# "started" or "already-running" as its last line on stdout.
#
# Users: `start` registers the caller (pid $NREXEC_DOCKERD_USER, default the
# parent pid) under $PIDFILE.users/; `stop` unregisters it and leaves the
# daemon running while another registered process is still alive (two suites
# sharing a daemon that one of them started).
#
# Files: pid file  $NREXEC_DOCKERD_PIDFILE (default /tmp/nrexec-dockerd.pid)
#        log       $NREXEC_DOCKERD_LOG     (default /tmp/nrexec-dockerd.log)
#
# Only the legacy builder exists on this machine (no buildx): we export
# DOCKER_BUILDKIT=0 for whoever sources the environment; `docker build`
# prints a DEPRECATED notice on stderr, which is normal.
set -eu

PIDFILE=${NREXEC_DOCKERD_PIDFILE:-/tmp/nrexec-dockerd.pid}
LOG=${NREXEC_DOCKERD_LOG:-/tmp/nrexec-dockerd.log}
WAIT=${NREXEC_DOCKERD_WAIT:-60}
USERS=${PIDFILE%.pid}.users
ME=${NREXEC_DOCKERD_USER:-$PPID}
export DOCKER_BUILDKIT=0

say() { echo "dockerd.sh: $*" >&2; }
die() { echo "dockerd.sh: ERROR: $*" >&2; exit 1; }

answers() { timeout 10 docker info >/dev/null 2>&1; }

# pid recorded by us, and still a dockerd process?
our_pid() {
	local pid
	[ -s "$PIDFILE" ] || return 1
	pid=$(cat "$PIDFILE")
	case $pid in ''|*[!0-9]*) return 1 ;; esac
	[ -r "/proc/$pid/comm" ] && [ "$(cat "/proc/$pid/comm")" = dockerd ] || return 1
	echo "$pid"
}

install_docker() {
	[ "$(id -u)" = 0 ] || die "dockerd is not installed and we are not root (cannot apt-get install docker.io)"
	command -v apt-get >/dev/null || die "dockerd is not installed and there is no apt-get"
	say "dockerd not found: installing docker.io with apt-get (quiet) ..."
	export DEBIAN_FRONTEND=noninteractive
	if ! timeout 300 apt-get -qq update >/tmp/nrexec-apt-docker.log 2>&1 ||
	   ! timeout 600 apt-get -qq -y install --no-install-recommends \
		docker.io iptables ca-certificates >>/tmp/nrexec-apt-docker.log 2>&1; then
		tail -n 20 /tmp/nrexec-apt-docker.log >&2 || true
		die "apt-get install docker.io failed (log: /tmp/nrexec-apt-docker.log)"
	fi
	command -v dockerd >/dev/null || die "docker.io installed but dockerd is still not on PATH"
}

register() {
	mkdir -p "$USERS" 2>/dev/null && : >"$USERS/$ME" 2>/dev/null || true
}

# registered users other than us that are still alive (dead ones are pruned)
other_users() {
	local f p
	[ -d "$USERS" ] || return 0
	for f in "$USERS"/*; do
		[ -e "$f" ] || continue
		p=${f##*/}
		[ "$p" = "$ME" ] && continue
		if kill -0 "$p" 2>/dev/null; then echo "$p"; else rm -f "$f"; fi
	done
}

start() {
	register
	if answers; then
		say "a Docker daemon already answers: using it (it will not be stopped by us)"
		echo already-running
		return 0
	fi
	if ! command -v dockerd >/dev/null; then
		install_docker
	fi
	command -v docker >/dev/null || die "the docker client is missing (docker.io should provide /usr/bin/docker)"
	if pid=$(our_pid); then
		say "our dockerd (pid $pid) is running but does not answer yet; waiting for it"
	else
		rm -f "$PIDFILE"
		say "starting dockerd (log: $LOG)"
		# setsid: its own session, so the caller's terminal/job control
		# signals do not reach it. dockerd starts its own containerd.
		setsid dockerd >"$LOG" 2>&1 </dev/null &
		pid=$!
		echo "$pid" >"$PIDFILE"
	fi
	local i=0
	while [ "$i" -lt "$WAIT" ]; do
		if answers; then
			say "dockerd (pid $pid) is up after ~${i} s"
			echo started
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			rm -f "$PIDFILE"
			tail -n 25 "$LOG" >&2 || true
			die "dockerd exited during start-up (log above, full log: $LOG)"
		fi
		sleep 1
		i=$((i + 1))
	done
	tail -n 25 "$LOG" >&2 || true
	kill "$pid" 2>/dev/null || true
	rm -f "$PIDFILE"
	die "dockerd did not answer 'docker info' within ${WAIT} s (log: $LOG)"
}

stop() {
	local pid i others
	rm -f "$USERS/$ME"
	others=$(other_users | tr '\n' ' ')
	if [ -n "$others" ]; then
		say "dockerd is still used by pid(s) $others: leaving it running"
		return 0
	fi
	if ! pid=$(our_pid); then
		rm -f "$PIDFILE"
		say "no dockerd started by us is running: nothing to stop"
		return 0
	fi
	say "stopping dockerd (pid $pid)"
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		say "dockerd did not stop within 30 s: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$PIDFILE"
}

status() {
	if answers; then echo "daemon: answers"; else echo "daemon: does not answer"; fi
	if pid=$(our_pid); then echo "started by us: pid $pid"; else echo "started by us: no"; fi
}

case ${1:-} in
start) start ;;
stop) stop ;;
status) status ;;
*) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
