#!/bin/bash
# tests/e2e/images/run.sh — real images: what gosu runs, nrexec runs.
#
#   NREXEC=/abs/path/to/static/nrexec tests/e2e/images/run.sh   (make e2e-images)
#
# Builds, once per run, one image with Debian 12's own PostgreSQL 15, Redis 7,
# nginx, Flask, ping, setcap and curl (Dockerfile.pkgs, from the local
# debootstrap base of tests/lib/debian-base.sh: nothing is pulled), puts
# nrexec and the test apps on top (Dockerfile.app), and runs each scenario
# in real containers under dockerd: docker-library-style and nrexec-only
# PostgreSQL entrypoints on a named volume, Redis with --umask, nginx as
# www-data on :80, the seeds' Flask demo, a ping health check, hardened
# runtimes and non-root starts. Every case reads PID 1's /proc status from
# the host (ids, groups, all five capability sets, no_new_privs), checks the
# exit code and times `docker stop`; the run ends with the table
#   client | scenario | result | docker stop ms
#
# Cases that need a feature not on main yet are PENDING: listed in the
# table and the summary, not run (NREXEC_IMAGES_PENDING=1 runs them too, to
# see them fail; they never count as passed). PENDING_FEATURES below names
# what is missing; remove a name when its feature lands.
#
# Knobs: NREXEC_E2E_ONLY=REGEX runs the cases whose "client scenario"
# matches; NREXEC_E2E_KEEP=1 keeps the work dir (logs of every container);
# NREXEC_E2E_KEEP_BUILD_CACHE=1 keeps the package image for the next run;
# NREXEC_REQUIRE_DOCKER=1 (CI) makes "no Docker" a failure, not a loud skip.
# Everything created carries the label nrexec.e2e.run=RUN and a unique name,
# and is removed at the end; nothing is pruned.
set -eu
export DOCKER_BUILDKIT=0 LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
LIB=$ROOT/tests/lib

# Features of issue 12 that main does not have yet (their cases are pending).
PENDING_FEATURES=${NREXEC_IMAGES_PENDING_FEATURES-""}

RUN_ID="$$-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
P=nrexec-images-$RUN_ID
WORK=$(mktemp -d /tmp/nrexec-images.XXXXXX)
IMAGES=$WORK/images.list
: >"$IMAGES"
# shellcheck source=../../lib/e2e.sh
. "$LIB/e2e.sh"

# the run's images, newest first: derived images before the ones they
# are built on (cleanup, in tests/lib/e2e.sh, calls it)
docker_cleanup() {
	local t
	for t in $(tac "$IMAGES"); do dk image rm "$t" >/dev/null 2>&1; done
}
on_exit_run_cleanup

# ---------------------------------------------------------------- set-up ---

need_static_nrexec images/run.sh
docker_up "real-images suite"
log "real-images suite, run $RUN_ID; nrexec $NREXEC ($(stat -c %s "$NREXEC") bytes)"

# build TAG DOCKERFILE-TEXT [CONTEXT]: legacy builder, quiet, recorded for removal
build() {
	local tag=$1 df=$2 ctx=${3:-$WORK/ctx}
	echo "$tag" >>"$IMAGES"
	if ! printf '%s\n' "$df" | DK_TIMEOUT=900 dk build -q --force-rm \
			--label "nrexec.e2e.run=$RUN_ID" -t "$tag" -f - "$ctx" >"$WORK/build.log" 2>&1; then
		grep -v -e DEPRECATED -e BuildKit -e buildx "$WORK/build.log" | tail -n 20 >&2
		echo "images/run.sh: docker build of $tag failed" >&2
		return 1
	fi
}

t_build=$(now_ms)
"$LIB/debian-base.sh" >"$WORK/base.log" 2>&1 || { cat "$WORK/base.log" >&2; echo "not ok - base image"; exit 1; }
BASE=${NREXEC_BASE_TAG:-nrexec-build/debian:12}
# The package image is named after its inputs, so a kept one is reused.
PKGS_HASH=$( { docker image inspect -f '{{.Id}}' "$BASE"; cat "$HERE/Dockerfile.pkgs"; } | sha256sum | cut -c1-12)
PKGS=nrexec-e2e-images/pkgs:$PKGS_HASH
mkdir -p "$WORK/ctx"
if docker image inspect "$PKGS" >/dev/null 2>&1; then
	log "package image $PKGS is already present (kept by an earlier run)"
else
	log "building $PKGS from $BASE (apt inside docker build) ..."
	t0=$(now_ms)
	[ "${NREXEC_E2E_KEEP_BUILD_CACHE:-0}" = 1 ] || echo "$PKGS" >>"$IMAGES"
	if ! DK_TIMEOUT=1200 dk build -q --force-rm --build-arg "BASE=$BASE" -t "$PKGS" \
			-f "$HERE/Dockerfile.pkgs" "$WORK/ctx" >"$WORK/pkgs.log" 2>&1; then
		tail -n 30 "$WORK/pkgs.log" >&2; echo "not ok - building the package image"; exit 1
	fi
	log "package image built in $(( $(now_ms) - t0 )) ms"
fi
cp -r "$HERE/postgres" "$HERE/nginx" "$HERE/flask" "$HERE/bin" "$WORK/ctx/"
cp "$NREXEC" "$WORK/ctx/nrexec"
APP=nrexec-e2e-images/app:$RUN_ID
build "$APP" "$(sed "s|^FROM \$PKGS|FROM $PKGS|" "$HERE/Dockerfile.app")" || { echo "not ok - building the app image"; exit 1; }

# One small image per ENTRYPOINT, as a user bakes it (no RUN: ~1 s each).
NX='"/usr/local/bin/nrexec"'
img() { # NAME DOCKERFILE-LINES...: FROM the app image
	local name=$1; shift
	build "nrexec-e2e-images/$name:$RUN_ID" "$(printf 'FROM %s\n' "$APP"; printf '%s\n' "$@")" &&
		echo "nrexec-e2e-images/$name:$RUN_ID"
}
# docker-library/postgres's layout: PGDATA is the volume, SIGINT is a fast shutdown
I_PG_SH=$(img pg-sh 'ENV PGDATA=/var/lib/postgresql/data' 'STOPSIGNAL SIGINT' 'EXPOSE 5432' \
	'ENTRYPOINT ["docker-entrypoint.sh"]' 'CMD ["postgres"]')
# nrexec does the root part; the shell only runs initdb on an empty PGDATA
I_PG_NX=$(img pg-nx 'ENV PGDATA=/var/lib/postgresql/data/pgdata' 'STOPSIGNAL SIGINT' 'EXPOSE 5432' \
	"ENTRYPOINT [$NX, \"-v\", \"--umask\", \"0077\", \"--chown-create\", \"--chown-mode\", \"0700\", \"--chown\", \"/var/lib/postgresql/data/pgdata\", \"postgres\", \"--\"]" \
	'CMD ["/bin/sh", "-c", "test -s \"$PGDATA/PG_VERSION\" || printf \"%s\\n\" \"$POSTGRES_PASSWORD\" | initdb --username=postgres --pwfile=/dev/stdin --auth-local=trust --auth-host=scram-sha-256 || exit 1; exec postgres"]')
I_REDIS=$(img redis 'WORKDIR /data' \
	"ENTRYPOINT [$NX, \"--chown\", \"/data\", \"--umask\", \"0077\", \"redis\", \"redis-server\", \"--appendonly\", \"yes\"]")
I_NGINX=$(img nginx "ENTRYPOINT [$NX, \"--cap-keep\", \"net_bind_service\", \"www-data\", \"nginx\", \"-c\", \"/etc/nginx/e2e.conf\"]")
I_NGINX_NOKEEP=$(img nginx-nokeep "ENTRYPOINT [$NX, \"www-data\", \"nginx\", \"-c\", \"/etc/nginx/e2e.conf\"]")
I_NGINX_SETCAP=$(img nginx-setcap 'RUN setcap cap_net_bind_service=+ep /usr/sbin/nginx' \
	"ENTRYPOINT [$NX, \"--cap-keep\", \"net_bind_service\", \"www-data\", \"nginx\", \"-c\", \"/etc/nginx/e2e.conf\"]")
I_NGINX_SETCAP_NOKEEP=$(img nginx-setcap-nokeep 'RUN setcap cap_net_bind_service=+ep /usr/sbin/nginx' \
	"ENTRYPOINT [$NX, \"www-data\", \"nginx\", \"-c\", \"/etc/nginx/e2e.conf\"]")
I_FLASK=$(img flask 'EXPOSE 5000' "ENTRYPOINT [$NX]" 'CMD ["app", "python3", "/app/app.py"]')
I_HC=$(img health "ENTRYPOINT [$NX, \"--keep-bounding-set\", \"10001:10001\", \"/app/bin/healthcheck\"]")
I_HC_DEFAULT=$(img health-default "ENTRYPOINT [$NX, \"10001:10001\", \"/app/bin/healthcheck\"]")
I_CHOWN=$(img probe-chown "ENTRYPOINT [$NX, \"-v\", \"--chown\", \"/data\", \"10001:10001\", \"/app/bin/probe\", \"/data\"]")
I_PROBE=$(img probe "ENTRYPOINT [$NX, \"10001:10001\", \"/app/bin/probe\"]")
I_ANY=$(img any "ENTRYPOINT [$NX]")
for i in I_PG_SH I_PG_NX I_REDIS I_NGINX I_NGINX_NOKEEP I_NGINX_SETCAP I_NGINX_SETCAP_NOKEEP I_FLASK I_HC I_HC_DEFAULT I_CHOWN I_PROBE I_ANY; do
	[ -n "${!i}" ] || { echo "not ok - building the scenario images ($i)"; exit 1; }
done
BUILD_MS=$(( $(now_ms) - t_build ))
log "images ready in $BUILD_MS ms"

# ------------------------------------------------------------- framework ---

PEND=0 PEND_RAN=0 TNUM=0
TABLE=$WORK/table
: >"$TABLE"

# c NAME: this case's container name
c() { echo "$P-$TNUM-$1"; }

# run_bg NAME [docker run args] IMAGE [ARGS]: start a container in the background
run_bg() {
	local name; name=$(c "$1"); shift
	dk run -d --name "$name" --label "nrexec.e2e.run=$RUN_ID" "$@" >/dev/null 2>"$WORK/$name.run.err" ||
		{ fail "docker run $name failed: $(head -c 300 "$WORK/$name.run.err")"; return 1; }
}
running() { [ "$(dk inspect -f '{{.State.Running}}' "$(c "$1")" 2>/dev/null)" = true ]; }
logs() { dk logs "$(c "$1")" >"$WORK/$1.out" 2>"$WORK/$1.err" || true; }
# ex NAME CMD...: run CMD inside the container (as root, in its namespaces)
ex() { local n=$1; shift; dk exec "$(c "$n")" "$@"; }

# ready NAME TIMEOUT CMD...: poll CMD inside NAME until it succeeds
ready() {
	local n=$1 secs=$2 i=0; shift 2
	while [ "$i" -lt $((secs * 5)) ]; do
		ex "$n" "$@" >/dev/null 2>&1 && return 0
		running "$n" || { logs "$n"; fail "$n exited ($(dk inspect -f '{{.State.ExitCode}}' "$(c "$n")")) before it was ready"; show "$n"; return 1; }
		sleep 0.2; i=$((i + 1))
	done
	logs "$n"; fail "$n not ready after $secs s"; show "$n"; return 1
}
# wait_log NAME REGEX TIMEOUT
wait_log() {
	local n=$1 re=$2 secs=$3 i=0
	while [ "$i" -lt $((secs * 5)) ]; do
		logs "$n"
		grep -Eq -- "$re" "$WORK/$n.out" "$WORK/$n.err" && return 0
		running "$n" || break
		sleep 0.2; i=$((i + 1))
	done
	logs "$n"; fail "$n: no log line /$re/"; show "$n"; return 1
}
# wait_exit NAME: until the container ends; RC = its exit code
wait_exit() {
	RC=$(timeout 60 docker wait "$(c "$1")" 2>/dev/null) || { RC=timeout; dk kill "$(c "$1")" >/dev/null 2>&1; }
	logs "$1"
}
# refused NAME REGEX: NAME ends with 125, a line matching REGEX in its
# output, and the probe never started; the nrexec: message is noted
refused() {
	wait_exit "$1"
	[ "$RC" = 125 ] || fail "expected exit 125, got $RC"
	expect_log "$1" "$2"
	expect_no_log "$1" '^probe:'
	note "message: $(grep -h '^nrexec:' "$WORK/$1.err" | tail -n 1)"
}
show() {
	diag "$1 stdout:"; tail -n 12 "$WORK/$1.out" 2>/dev/null | sed 's/^/#     /'
	diag "$1 stderr:"; tail -n 12 "$WORK/$1.err" 2>/dev/null | sed 's/^/#     /'
}

# snap NAME: PID 1's status, environment and name, read from the host
snap() {
	local pid
	pid=$(dk inspect -f '{{.State.Pid}}' "$(c "$1")")
	[ -n "$pid" ] && [ "$pid" != 0 ] || { fail "$1 is not running"; return 1; }
	cp "/proc/$pid/status" "$WORK/$1.status" || { fail "cannot read /proc/$pid/status"; return 1; }
	tr '\0' '\n' <"/proc/$pid/environ" >"$WORK/$1.environ" 2>/dev/null || true
}
# proc NAME Field=value...: fields of PID 1's /proc status (Uid=999 means all four)
proc() {
	local n=$1 kv k v got; shift
	for kv in "$@"; do
		k=${kv%%=*} v=${kv#*=}
		case $k in Uid|Gid) case $v in *" "*) ;; *) v="$v $v $v $v" ;; esac ;; esac
		got=$(sfield "$k" "$WORK/$n.status")
		[ "$got" = "$v" ] || fail "$n PID 1 $k: expected '$v', got '$got'"
	done
}
envvar() { # NAME VAR: PID 1's environment variable, or "unset"
	grep -m1 "^$2=" "$WORK/$1.environ" | cut -d= -f2- || echo unset
}
Z=0000000000000000
DOCKER_BND=00000000a80425fb
NBS=0000000000000400
# dropped NAME UID GID GROUPS [BND [KEPT]]: the whole drop, as the kernel reports it
dropped() {
	proc "$1" Uid="$2" Gid="$3" Groups="$4" CapInh="${6:-$Z}" CapPrm="${6:-$Z}" CapEff="${6:-$Z}" \
		CapAmb="${6:-$Z}" CapBnd="${5:-$Z}" NoNewPrivs=1
}

# stop NAME [EXPECTED-EXIT]: docker stop -t 10, timed; the exit code must match
stop() {
	local t0 ms code
	t0=$(now_ms)
	timeout 40 docker stop -t 10 "$(c "$1")" >/dev/null 2>&1 || fail "docker stop $1 failed or hung"
	ms=$(( $(now_ms) - t0 ))
	code=$(dk inspect -f '{{.State.ExitCode}}' "$(c "$1")")
	logs "$1"
	echo "$ms" >>"$WORK/stopms"
	note "docker stop $1: $ms ms, exit $code"
	[ "$code" = "${2:-0}" ] || fail "$1: exit code after docker stop: expected ${2:-0}, got $code"
	[ "$ms" -lt 5000 ] || fail "$1: docker stop took $ms ms: SIGTERM/SIGINT did not end PID 1"
}
expect_log() { # NAME REGEX: in stdout or stderr
	grep -Eq -- "$2" "$WORK/$1.out" "$WORK/$1.err" || { fail "$1: no log line /$2/"; show "$1"; }
}
expect_no_log() {
	! grep -Eq -- "$2" "$WORK/$1.out" "$WORK/$1.err" || { fail "$1: unexpected log line /$2/: $(grep -Eh -- "$2" "$WORK/$1.out" "$WORK/$1.err" | head -n 2)"; }
}
# rt_groups [docker run options]: the Groups the runtime itself gives a
# container started with these options (a non-root start keeps them; they
# differ between Docker versions)
rt_groups() {
	dk run --rm --label "nrexec.e2e.run=$RUN_ID" "$@" --entrypoint /bin/sh "$APP" \
		-c 'grep "^Groups:" /proc/self/status' | awk '{ $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); print }'
}
vol() { # a fresh named volume
	local v; v="$P-$TNUM-v$RANDOM"
	dk volume create --label "nrexec.e2e.run=$RUN_ID" "$v" >/dev/null && echo "$v"
}
# as_root VOLUME SHELL-CMD: prepare a volume (mounted at /data) as root
as_root() {
	dk run --rm --label "nrexec.e2e.run=$RUN_ID" -v "$1:/data" --entrypoint /bin/sh "$APP" -c "$2"
}

# t CLIENT SCENARIO NEEDS FUNCTION: run one case (NEEDS: features, or -)
t() {
	local client=$1 scen=$2 needs=$3 fn=$4 f missing="" t0 ms res stopms
	selected "$client $scen" || return 0
	for f in ${needs//,/ }; do
		[ "$f" != - ] || continue
		case " $PENDING_FEATURES " in *" $f "*) missing="$missing $f" ;; esac
	done
	N=$((N + 1)) TNUM=$N
	if [ -n "$missing" ] && [ "${NREXEC_IMAGES_PENDING:-0}" != 1 ]; then
		PEND=$((PEND + 1))
		echo "ok $N - $client: $scen # PENDING (needs${missing}, not on main yet)"
		printf '%s|%s|PENDING (needs%s)|-\n' "$client" "$scen" "$missing" >>"$TABLE"
		return 0
	fi
	: >"$WORK/stopms"
	TFAIL=0
	t0=$(now_ms)
	(
		"$fn" || { [ "$TFAIL" = 1 ] || diag "FAIL: case function returned non-zero"; TFAIL=1; }
		exit "$TFAIL"
	) >"$WORK/diag" 2>&1 || TFAIL=1
	ms=$(( $(now_ms) - t0 ))
	stopms=$(paste -sd/ "$WORK/stopms"); [ -n "$stopms" ] || stopms=-
	# the case's containers go now: a long run must not pile them up
	ids=$(dk ps -aq --filter "label=nrexec.e2e.run=$RUN_ID" --filter "name=$P-$TNUM-")
	[ -z "$ids" ] || dk rm -f -v $ids >/dev/null 2>&1 || true
	if [ -n "$missing" ]; then
		PEND=$((PEND + 1)) PEND_RAN=$((PEND_RAN + 1))
		if [ "$TFAIL" = 0 ]; then res="passes, but pending (needs$missing): drop it from PENDING_FEATURES"
		else res="FAIL as expected: pending (needs$missing)"; fi
		echo "ok $N - $client: $scen # PENDING, ran anyway: $res [$ms ms]"
		cat "$WORK/diag"
	elif [ "$TFAIL" = 0 ]; then
		PASS=$((PASS + 1)); res=pass
		echo "ok $N - $client: $scen [$ms ms]"
		grep '^# note:' "$WORK/diag" || true
	else
		FAIL=$((FAIL + 1)); res=FAIL
		echo "not ok $N - $client: $scen [$ms ms]"
		cat "$WORK/diag"
	fi
	printf '%s|%s|%s|%s\n' "$client" "$scen" "$res" "$stopms" >>"$TABLE"
}

# ------------------------------------------------------------- PostgreSQL ---

# psql as the superuser over the socket, inside the container
sql() { local n=$1; shift; ex "$n" psql -U postgres -X -A -t -v ON_ERROR_STOP=1 -c "$*"; }
pg_ready() { ready "$1" 90 pg_isready -q -h 127.0.0.1 -p 5432; }
pg_write() { sql "$1" "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('row-$RUN_ID')" >/dev/null || fail "$1: psql could not write the row"; }
pg_read() {
	local got
	got=$(sql "$1" "SELECT v FROM kept") || { fail "$1: psql could not read the row"; return 0; }
	[ "$got" = "row-$RUN_ID" ] || fail "$1: the row did not survive: got '$got'"
}
# a clean shutdown: SIGINT is a fast shutdown (SIGTERM would be smart)
pg_stop() {
	stop "$1" 0
	expect_log "$1" 'received (fast|smart) shutdown request'
	expect_log "$1" 'database system is shut down'
	expect_no_log "$1" 'terminated by signal|was interrupted|not properly shut down|automatic recovery'
}
PG_ENV=(-e POSTGRES_PASSWORD=e2e-secret)

test_pg_sh() {
	local v; v=$(vol) || { fail "docker volume create"; return 0; }
	run_bg pg1 "${PG_ENV[@]}" -v "$v:/var/lib/postgresql/data" "$I_PG_SH" || return 0
	pg_ready pg1 || return 0
	pg_write pg1
	snap pg1 && dropped pg1 999 999 "101 999"
	logs pg1; expect_log pg1 'init process complete'
	pg_stop pg1
	run_bg pg2 "${PG_ENV[@]}" -v "$v:/var/lib/postgresql/data" "$I_PG_SH" || return 0
	pg_ready pg2 || return 0
	pg_read pg2
	logs pg2; expect_log pg2 'Skipping initialization'
	snap pg2 && dropped pg2 999 999 "101 999"
	pg_stop pg2
}

test_pg_nx() {
	local v mode; v=$(vol) || { fail "docker volume create"; return 0; }
	run_bg pg1 "${PG_ENV[@]}" -v "$v:/var/lib/postgresql/data" "$I_PG_NX" || return 0
	pg_ready pg1 || return 0
	pg_write pg1
	snap pg1 && dropped pg1 999 999 "101 999"
	logs pg1
	# the first start creates PGDATA (its parents exist: the volume)
	expect_log pg1 '^nrexec: chown /var/lib/postgresql/data/pgdata.*created'
	note "first start: $(grep -h '^nrexec: chown' "$WORK/pg1.err" | head -n1)"
	pg_stop pg1
	# parents stay root's, PGDATA is postgres's and 0700
	as_root "$v" 'stat -c "%u:%g %a %n" /data /data/pgdata' >"$WORK/pg-modes" 2>&1
	grep -qx '0:0 755 /data' "$WORK/pg-modes" || fail "the volume's top changed: $(tr '\n' ';' <"$WORK/pg-modes")"
	grep -qx '999:999 700 /data/pgdata' "$WORK/pg-modes" || fail "PGDATA is not 999:999 0700: $(tr '\n' ';' <"$WORK/pg-modes")"
	# second start: the row survives, no owner changes
	run_bg pg2 "${PG_ENV[@]}" -v "$v:/var/lib/postgresql/data" "$I_PG_NX" || return 0
	pg_ready pg2 || return 0
	pg_read pg2
	logs pg2
	expect_log pg2 '^nrexec: chown /var/lib/postgresql/data/pgdata: [0-9]+ seen, 0 changed'
	note "second start: $(grep -h '^nrexec: chown' "$WORK/pg2.err" | head -n1)"
	pg_stop pg2
	# PGDATA restored with 0755 (postgres refuses to start on it): --chown-mode fixes it
	as_root "$v" 'chmod 0755 /data/pgdata'
	run_bg pg3 "${PG_ENV[@]}" -v "$v:/var/lib/postgresql/data" "$I_PG_NX" || return 0
	pg_ready pg3 || return 0
	pg_read pg3
	mode=$(ex pg3 stat -c %a /var/lib/postgresql/data/pgdata)
	[ "$mode" = 700 ] || fail "--chown-mode 0700 did not reset PGDATA's mode (got $mode)"
	snap pg3 && dropped pg3 999 999 "101 999"
	pg_stop pg3
}

# one start of an image under extra docker run options: row, drop, clean stop
pg_once() { # IMAGE BND [docker run options]
	local img=$1 bnd=$2 v; shift 2
	v=$(vol) || { fail "docker volume create"; return 0; }
	run_bg pg "${PG_ENV[@]}" "$@" -v "$v:/var/lib/postgresql/data" "$img" || return 0
	pg_ready pg || return 0
	pg_write pg
	pg_read pg
	snap pg && dropped pg 999 999 "101 999" "$bnd"
	pg_stop pg
}
# only what --chown and the drop need; no CAP_SETPCAP, so the bounding set
# stays as it is (CHOWN DAC_OVERRIDE FOWNER SETGID SETUID = 0xcb)
test_pg_hardened() {
	pg_once "$I_PG_NX" 00000000000000cb --cap-drop ALL --cap-add SETUID --cap-add SETGID \
		--cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER
}
test_pg_hardened_sh() {
	pg_once "$I_PG_SH" 00000000000000cb --cap-drop ALL --cap-add SETUID --cap-add SETGID \
		--cap-add CHOWN --cap-add DAC_OVERRIDE --cap-add FOWNER
}
test_pg_nnp() { pg_once "$I_PG_SH" "$Z" --security-opt no-new-privileges; }
test_pg_readonly() { pg_once "$I_PG_SH" "$Z" --read-only --tmpfs /var/run/postgresql --tmpfs /tmp; }

# ------------------------------------------------------------------ Redis ---

test_redis() {
	local v bad; v=$(vol) || { fail "docker volume create"; return 0; }
	run_bg r1 -v "$v:/data" "$I_REDIS" || return 0
	ready r1 30 redis-cli ping || return 0
	[ "$(ex r1 redis-cli set kept "v-$RUN_ID")" = OK ] || fail "redis-cli set failed"
	snap r1 && dropped r1 998 998 998
	stop r1 0
	expect_log r1 'Saving the final RDB snapshot|DB saved on disk'
	run_bg r2 -v "$v:/data" "$I_REDIS" || return 0
	ready r2 30 redis-cli ping || return 0
	[ "$(ex r2 redis-cli get kept)" = "v-$RUN_ID" ] || fail "the key did not survive docker stop"
	ex r2 find /data -mindepth 1 -printf '%U:%G %m %y %p\n' >"$WORK/redis-files"
	note "files: $(tr '\n' ';' <"$WORK/redis-files")"
	grep -q ' f /data/dump.rdb$' "$WORK/redis-files" || fail "no dump.rdb"
	bad=$(awk '$3 == "f" && $2 != "600"' "$WORK/redis-files")
	[ -z "$bad" ] || fail "files not 0600 (--umask 0077): $(printf '%s' "$bad" | tr '\n' ';')"
	bad=$(awk '$1 != "998:998"' "$WORK/redis-files")
	[ -z "$bad" ] || fail "entries not redis's: $(printf '%s' "$bad" | tr '\n' ';')"
	snap r2 && dropped r2 998 998 998
	stop r2 0
}

# ------------------------------------------------------------------ nginx ---

PORTS=(--sysctl net.ipv4.ip_unprivileged_port_start=1024)
# curl from inside the container's own network namespace
curl_ok() { # NAME URL EXPECTED-BODY-REGEX
	local code
	code=$(ex "$1" curl -s -o /tmp/body -w '%{http_code}' "$2") || true
	[ "$code" = 200 ] || { fail "$1: curl $2 gave HTTP '$code'"; return 0; }
	ex "$1" cat /tmp/body | grep -Eq -- "$3" || fail "$1: unexpected body: $(ex "$1" cat /tmp/body | head -c 200)"
}
nginx_up() { ready "$1" 20 curl -s -o /dev/null http://127.0.0.1/; }

test_nginx_capkeep() {
	run_bg ng "${PORTS[@]}" "$I_NGINX" || return 0
	nginx_up ng || return 0
	curl_ok ng http://127.0.0.1/ '^nginx answers$'
	snap ng && dropped ng 33 33 33 "$NBS" "$NBS"
	[ "$(ex ng cat /proc/sys/net/ipv4/ip_unprivileged_port_start)" = 1024 ] || fail "port_start is not 1024"
	stop ng 0
	expect_log ng '"GET / HTTP/1.1" 200'
}
test_nginx_nocap() {
	run_bg ng "${PORTS[@]}" "$I_NGINX_NOKEEP" || return 0
	wait_exit ng
	[ "$RC" = 1 ] || fail "nginx without --cap-keep: expected exit 1, got $RC"
	expect_log ng 'bind\(\) to 0\.0\.0\.0:80 failed \(13: Permission denied\)'
}
test_nginx_setcap() {
	run_bg ng "${PORTS[@]}" "$I_NGINX_SETCAP" || return 0
	nginx_up ng || return 0
	curl_ok ng http://127.0.0.1/ '^nginx answers$'
	ex ng getcap /usr/sbin/nginx | grep -q cap_net_bind_service=ep || fail "nginx carries no file capability"
	# exec of a file with capabilities clears the ambient set; the file's
	# capability is granted (no_new_privs allows what was already permitted)
	snap ng && proc ng Uid=33 Gid=33 Groups=33 CapInh="$NBS" CapPrm="$NBS" CapEff="$NBS" \
		CapAmb="$Z" CapBnd="$NBS" NoNewPrivs=1
	stop ng 0
}
# the kernel refuses to exec a file whose capabilities the bounding set
# cannot grant: nrexec's message names them and the way out
test_nginx_setcap_nokeep() {
	run_bg ng "${PORTS[@]}" "$I_NGINX_SETCAP_NOKEEP" || return 0
	wait_exit ng
	[ "$RC" = 126 ] || fail "expected exit 126, got $RC"
	expect_log ng '^nrexec: .*net_bind_service'
	note "message: $(grep -h '^nrexec:' "$WORK/ng.err" | head -n 1)"
}

# ------------------------------------------------------------------ Flask ---

# flask SPEC BODY-REGEX [HTTP-CODE]
flask() {
	local spec=$1 want=$2 code_want=${3:-200} code
	run_bg fl "$I_FLASK" "$spec" python3 /app/app.py || return 0
	ready fl 30 curl -s -o /dev/null http://127.0.0.1:5000/ || return 0
	code=$(ex fl curl -s -o /tmp/body -w '%{http_code}' http://127.0.0.1:5000/) || true
	[ "$code" = "$code_want" ] || fail "curl: HTTP $code, expected $code_want"
	[ "$code_want" != 200 ] || ex fl cat /tmp/body | grep -Eq -- "$want" ||
		fail "body: $(ex fl cat /tmp/body | head -c 200), expected /$want/"
	note "HTTP $code: $(ex fl cat /tmp/body | head -c 120 | tr '\n' ' ')"
}
test_flask_name() {
	flask app '^user app \(uid 10001\), group app \(gid 10001\)$'
	snap fl && dropped fl 10001 10001 "2000 10001"
	stop fl 0
}
test_flask_uid_entry() {
	flask 10001 '^user app \(uid 10001\), group app \(gid 10001\)$'
	snap fl && dropped fl 10001 10001 "2000 10001"
	stop fl 0
}
# no passwd entry: pwd.getpwuid raises KeyError, the demo answers 500 (see README)
test_flask_uid_noentry() {
	flask 10002 - 500
	snap fl && dropped fl 10002 10002 10002
	stop fl 0
	expect_log fl "KeyError: .*getpwuid\(\): uid not found: 10002"
}

# -------------------------------------------------------------- health check ---

test_health_keepbnd() {
	run_bg hc "$I_HC" || return 0
	wait_log hc '^health: ready$' 20 || return 0
	expect_log hc '^health: ping ok$'
	snap hc && dropped hc 10001 10001 10001 "$DOCKER_BND"
	stop hc 0
}
# the default clears the bounding set: the image's ping cannot be executed
test_health_default() {
	run_bg hc "$I_HC_DEFAULT" || return 0
	wait_log hc '^health: ready$' 20 || return 0
	expect_log hc '^health: ping failed \(126\).*(Operation not permitted|permission denied)'
	snap hc && dropped hc 10001 10001 10001
	stop hc 0
}

# -------------------------------------------------------- non-root starts ---

# an fsGroup-style volume: root:2000, setgid, group-writable
FSGROUP='chown 0:2000 /data && chmod 2775 /data'
ROOTONLY='chown 0:0 /data && chmod 0755 /data'

test_nonroot_fsgroup() {
	local v; v=$(vol) && as_root "$v" "$FSGROUP" || { fail "volume set-up"; return 0; }
	run_bg p --user 10001:10001 --group-add 2000 -v "$v:/data" "$I_CHOWN" || return 0
	wait_log p '^probe: ready$' 20 || return 0
	expect_log p '^probe: wrote /data$'
	expect_log p '^nrexec: .*/data'
	snap p && dropped p 10001 10001 "$(rt_groups --user 10001:10001 --group-add 2000)" "$DOCKER_BND"
	sfield Groups "$WORK/p.status" | grep -qw 2000 || fail "group 2000 is not in Groups"
	stop p 0
}
test_nonroot_fsgroup_denied() {
	local v; v=$(vol) && as_root "$v" "$ROOTONLY" || { fail "volume set-up"; return 0; }
	run_bg p --user 10001:10001 --group-add 2000 -v "$v:/data" "$I_CHOWN" || return 0
	refused p '^nrexec: .*/data.*755'
}
test_nonroot_capkeep() {
	run_bg ng --user 33:33 "$I_NGINX" || return 0
	nginx_up ng || return 0
	curl_ok ng http://127.0.0.1/ '^nginx answers$'
	logs ng
	expect_log ng '^nrexec: .*net_bind_service'
	snap ng && dropped ng 33 33 "$(rt_groups --user 33:33)" "$DOCKER_BND"
	stop ng 0
}
test_nonroot_home() {
	run_bg p --user 10001:10001 -e HOME=/app "$I_PROBE" || return 0
	wait_log p '^probe: ready$' 20 || return 0
	expect_log p '^probe: HOME=/app '
	snap p && dropped p 10001 10001 "$(rt_groups --user 10001:10001)" "$DOCKER_BND"
	stop p 0
}
test_root_env() {
	run_bg p "$I_ANY" app /app/bin/probe || return 0
	wait_log p '^probe: ready$' 20 || return 0
	expect_log p '^probe: HOME=/home/app USER=app LOGNAME=app$'
	snap p && dropped p 10001 10001 "2000 10001"
	stop p 0
}
test_group_add() {
	local v; v=$(vol) && as_root "$v" "$FSGROUP" || { fail "volume set-up"; return 0; }
	run_bg p -v "$v:/data" "$I_ANY" --group-add 2000 10002:10002 /app/bin/probe /data || return 0
	wait_log p '^probe: ready$' 20 || return 0
	expect_log p '^probe: wrote /data$'
	snap p && dropped p 10002 10002 "2000 10002"
	stop p 0
}
test_keep_groups() {
	local v; v=$(vol) && as_root "$v" "$FSGROUP" || { fail "volume set-up"; return 0; }
	run_bg p --group-add 2000 -v "$v:/data" "$I_ANY" --keep-groups 10002:10002 /app/bin/probe /data || return 0
	wait_log p '^probe: ready$' 20 || return 0
	expect_log p '^probe: wrote /data$'
	snap p && dropped p 10002 10002 "2000 10002"
	stop p 0
}
test_writable_denied() {
	local v; v=$(vol) && as_root "$v" "$ROOTONLY" || { fail "volume set-up"; return 0; }
	run_bg p -v "$v:/data" "$I_ANY" --writable /data 10001:10001 /app/bin/probe || return 0
	refused p '^nrexec: .*/data.*755'
}
# asked to clear the bounding set where it cannot (no CAP_SETPCAP): 125
test_clear_bnd() {
	run_bg p --cap-drop ALL --cap-add SETUID --cap-add SETGID "$I_ANY" \
		--clear-bounding-set 10001:10001 /app/bin/probe || return 0
	refused p '^nrexec: .*(bounding|SETPCAP)'
	expect_no_log p 'unknown option'
}
# OpenShift: an arbitrary uid with gid 0
test_as_started() {
	run_bg p --user 1000680000:0 "$I_ANY" --as-started 10001:10001 /app/bin/probe || return 0
	wait_log p '^probe: ready$' 20 || return 0
	snap p && dropped p 1000680000 0 "$(rt_groups --user 1000680000:0)" "$DOCKER_BND"
	stop p 0
}

# --------------------------------------------------------------- the run ---

t postgres "docker-library-style entrypoint, nrexec for gosu: volume, row, stop, restart" - test_pg_sh
t postgres "nrexec-only entrypoint (--chown-create, --chown-mode 0700, --umask): row, stop, restart, 0 changed, 0755 PGDATA fixed" \
	umask,chown-create,chown-mode test_pg_nx
t postgres "--cap-drop ALL + SETUID SETGID CHOWN DAC_OVERRIDE FOWNER (nrexec-only entrypoint)" \
	umask,chown-create,chown-mode,no-setpcap test_pg_hardened
t postgres "--cap-drop ALL + SETUID SETGID CHOWN DAC_OVERRIDE FOWNER (docker-library-style entrypoint)" \
	no-setpcap test_pg_hardened_sh
t postgres "--security-opt no-new-privileges" - test_pg_nnp
t postgres "--read-only (tmpfs on /var/run/postgresql and /tmp)" - test_pg_readonly
t redis "--chown /data --umask 0077 redis: key survives docker stop, files 0600" umask test_redis
t nginx "www-data on :80, --cap-keep net_bind_service, access_log /dev/stdout: 200" bounding-keep,stdio test_nginx_capkeep
t nginx "www-data on :80 without --cap-keep: bind fails (13)" stdio test_nginx_nocap
t nginx "setcap'd nginx with --cap-keep net_bind_service: 200" bounding-keep,stdio test_nginx_setcap
t nginx "setcap'd nginx without --cap-keep: 126, message names the capability" bounding-keep test_nginx_setcap_nokeep
t flask "by name (app): 200, user app, group app" - test_flask_name
t flask "by uid with a passwd entry (10001): 200, user app" - test_flask_uid_entry
t flask "by uid without a passwd entry (10002): 500, KeyError (README)" - test_flask_uid_noentry
t ping "health-check script runs ping (cap_net_raw=ep) with --keep-bounding-set" keep-bounding-set test_health_keepbnd
t ping "same script, default drop: ping cannot be executed (126)" - test_health_default
t probe "--user 10001:10001 --group-add 2000, --chown /data baked in, root:2000 2775 volume" nonroot-chown test_nonroot_fsgroup
t probe "same on a root:root 0755 volume: 125 naming owner, group, mode" nonroot-chown test_nonroot_fsgroup_denied
t nginx "--user 33:33 with --cap-keep net_bind_service baked in: runs, one line" nonroot-capkeep test_nonroot_capkeep
t probe "--user 10001:10001 -e HOME=/app: HOME kept" env test_nonroot_home
t probe "root start as app: HOME, USER, LOGNAME set" env test_root_env
t probe "root start, --group-add 2000 on a root:2000 2775 volume" group-add test_group_add
t probe "root start under docker --group-add 2000, --keep-groups" keep-groups test_keep_groups
t probe "--writable /data on a root:root 0755 volume: 125" writable test_writable_denied
t probe "--cap-drop ALL + SETUID SETGID with --clear-bounding-set: 125" clear-bounding-set test_clear_bnd
t probe "--user 1000680000:0 (OpenShift), --as-started" as-started test_as_started

# ----------------------------------------------------------------- report ---

WALL_MS=$(wall_ms)
echo "#"
echo "# | client | scenario | result | docker stop ms |"
echo "# |---|---|---|---|"
while IFS='|' read -r cl sc re ms; do
	echo "# | $cl | $sc | $re | $ms |"
done <"$TABLE"
echo "#"
[ "$PEND" = 0 ] || echo "# PENDING: $PEND case(s) need features not on main yet ($PENDING_FEATURES)$([ "$PEND_RAN" = 0 ] || echo "; $PEND_RAN ran anyway (NREXEC_IMAGES_PENDING=1)")"
echo "# images built in $(secs "$BUILD_MS") s; wall time $(secs "$WALL_MS") s"
echo "e2e-images: $PASS passed, $FAIL failed, $PEND pending"
[ "$FAIL" = 0 ]
