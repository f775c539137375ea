# shellcheck shell=bash
# Sourced by the container suites (tests/e2e/run.sh, tests/e2e/podman.sh,
# tests/e2e/images/run.sh): the set-up, test runner, assertions and
# clean-up they share. Needs WORK (the run's temp dir) and, for the
# Docker parts, LIB (tests/lib) and RUN_ID (the label nrexec.e2e.run every
# object of the run carries). Sourced first thing: the wall time counts
# from here.
T_START=$(date +%s%N)
DOCKER_UP=0 WE_STARTED_DOCKERD=0

log() { echo "# $*"; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
dk() { timeout "${DK_TIMEOUT:-120}" docker "$@"; }
# secs MS: "S.mmm"
secs() { echo "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }
wall_ms() { echo $(( ($(date +%s%N) - T_START) / 1000000 )); }

# ---------------------------------------------------------------- set-up ---

# need_static_nrexec SCRIPT: NREXEC set (made absolute, exported) and an
# executable static binary, which a scratch image needs; else exit 2
need_static_nrexec() {
	if [ -z "${NREXEC:-}" ]; then
		echo "$1: ERROR: set NREXEC to the absolute path of a static nrexec binary" >&2
		exit 2
	fi
	case $NREXEC in /*) ;; *) NREXEC=$(pwd)/$NREXEC ;; esac
	export NREXEC
	[ -f "$NREXEC" ] && [ -x "$NREXEC" ] || { echo "$1: ERROR: NREXEC=$NREXEC is not an executable file" >&2; exit 2; }
	if LC_ALL=C readelf -l "$NREXEC" 2>/dev/null | grep -q 'program interpreter'; then
		echo "$1: ERROR: $NREXEC is dynamically linked; a scratch image needs a static binary" >&2
		exit 2
	fi
}

# skip_suite SUITE REASON: Docker cannot be had: a loud SKIPPED and exit 0,
# or exit 1 where NREXEC_REQUIRE_DOCKER=1 (CI) says the suite must run
skip_suite() {
	echo "################################################################"
	echo "## SKIPPED: $1 ($2)"
	echo "################################################################"
	if [ "${NREXEC_REQUIRE_DOCKER:-0}" = 1 ]; then
		echo "NREXEC_REQUIRE_DOCKER=1: treating this as a failure" >&2
		exit 1
	fi
	exit 0
}

# docker_up SUITE: a Docker daemon that answers (tests/lib/dockerd.sh start
# installs and starts one if need be) or skip_suite. Sets DOCKER_UP=1, and
# WE_STARTED_DOCKERD=1 when this run started the daemon.
docker_up() {
	local state
	if ! state=$(NREXEC_DOCKERD_USER=$$ "$LIB/dockerd.sh" start 2>"$WORK/dockerd-start.err"); then
		cat "$WORK/dockerd-start.err" >&2
		skip_suite "$1" "Docker could not be installed or started: $(grep -m1 ERROR "$WORK/dockerd-start.err" || echo 'see above')"
	fi
	[ "$(printf '%s\n' "$state" | tail -n1)" != started ] || WE_STARTED_DOCKERD=1
	# shellcheck disable=SC2034 # read by the suite's cleanup
	DOCKER_UP=1
}

# --------------------------------------------------------------- clean-up ---

# cleanup: a Docker suite's end, on EXIT (on_exit_run_cleanup): with
# Docker up, this run's containers and volumes, then the suite's own
# docker_cleanup (its images); the daemon if this run started it; WORK.
# (podman.sh has a cleanup of its own, ending in drop_work.)
cleanup() {
	local rc=$?
	set +e
	if [ "$DOCKER_UP" = 1 ]; then
		rm_labelled
		docker_cleanup
	fi
	stop_our_dockerd
	drop_work
	exit "$rc"
}

# rm_labelled: this run's containers and volumes (label nrexec.e2e.run)
rm_labelled() {
	local ids
	ids=$(timeout 30 docker ps -aq --filter "label=nrexec.e2e.run=$RUN_ID" 2>/dev/null)
	[ -z "$ids" ] || timeout 60 docker rm -f -v $ids >/dev/null 2>&1
	ids=$(timeout 30 docker volume ls -q --filter "label=nrexec.e2e.run=$RUN_ID" 2>/dev/null)
	[ -z "$ids" ] || timeout 60 docker volume rm -f $ids >/dev/null 2>&1
}
# stop_our_dockerd: the daemon stopped if this run started it
# (NREXEC_KEEP_DOCKERD=1 keeps it)
stop_our_dockerd() {
	if [ "${WE_STARTED_DOCKERD:-0}" = 1 ] && [ "${NREXEC_KEEP_DOCKERD:-0}" != 1 ]; then
		NREXEC_DOCKERD_USER=$$ "$LIB/dockerd.sh" stop 2>&1 | sed 's/^/# /'
	fi
}
# drop_work: WORK removed (NREXEC_E2E_KEEP=1 keeps it and says where)
drop_work() {
	if [ "${NREXEC_E2E_KEEP:-0}" = 1 ]; then
		echo "# kept work dir: $WORK"
	else
		rm -rf "$WORK"
	fi
}
# on_exit_run_cleanup: the suite's cleanup runs at exit, also after Ctrl-C
# (exit 130) or SIGTERM (143)
on_exit_run_cleanup() {
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# ---------------------------------------------------------------- running ---

N=0 PASS=0 FAIL=0 SKIP=0 TFAIL=0
OUT='' ERR='' RC=''

diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }
fail() { TFAIL=1; diag "FAIL: $*"; }
note() { echo "# note: $*"; }

# selected NAME: NREXEC_E2E_ONLY (a regex) unset, or NAME matches it
selected() { [ -z "${NREXEC_E2E_ONLY:-}" ] || printf '%s' "$1" | grep -Eq -- "$NREXEC_E2E_ONLY"; }

# show_last: the last container's output (on failure)
show_last() {
	[ -n "$OUT" ] && [ -f "$OUT" ] || return 0
	diag "last container: exit $RC" "stdout:"
	head -n 25 "$OUT" | sed 's/^/#     /'
	diag "stderr:"
	head -n 10 "$ERR" | sed 's/^/#     /'
}

# run_test NAME FUNCTION [ARGS]: one test, `ok N - NAME [MS ms]` and its
# notes, or `not ok ...` and its diagnostics; TFAIL=1 when it failed. It
# fails if FUNCTION calls fail or returns non-zero. In a subshell, so that a
# test that breaks (unbound variable, ...) fails alone; the function is
# called in an || list, so errexit is off inside it: tests assert
# explicitly with fail/expect_*.
run_test() {
	local name=$1 fn=$2 t0 ms
	shift 2
	TFAIL=0 OUT='' ERR='' RC=''
	t0=$(now_ms)
	(
		"$fn" "$@" || { [ "$TFAIL" = 1 ] || echo "#   FAIL: test function returned non-zero"; TFAIL=1; }
		[ "$TFAIL" = 0 ] || show_last
		exit "$TFAIL"
	) >"$WORK/diag" 2>&1 || TFAIL=1
	ms=$(( $(now_ms) - t0 ))
	N=$((N + 1))
	if [ "$TFAIL" = 0 ]; then
		PASS=$((PASS + 1))
		echo "ok $N - $name [$ms ms]"
		grep '^# note:' "$WORK/diag" || true
	else
		FAIL=$((FAIL + 1))
		echo "not ok $N - $name [$ms ms]"
		cat "$WORK/diag"
	fi
}
# skip_test NAME REASON: `ok N - NAME # SKIP REASON`
skip_test() {
	N=$((N + 1)) SKIP=$((SKIP + 1))
	echo "ok $N - $1 # SKIP $2"
}

# ------------------------------------------------------------- assertions ---

# sfield KEY FILE: a /proc/PID/status field, whitespace normalised
sfield() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); print; exit }' "$2"; }
expect_rc() { [ "$RC" = "$1" ] || fail "exit status: expected $1, got $RC"; }
expect_field() { # FILE KEY VALUE
	local got
	got=$(sfield "$2" "$1")
	[ "$got" = "$3" ] || fail "$2: expected '$3', got '$got'"
}
expect_out() { grep -Eq -- "$1" "$OUT" || fail "stdout has no line matching /$1/"; }
expect_no_out() { ! grep -Eq -- "$1" "$OUT" || fail "stdout unexpectedly matches /$1/"; }

Z=0000000000000000
# expect_dropped FILE UID GID GROUPS: all ids UID/GID, Groups as given, no
# capability at all, NoNewPrivs 1
expect_dropped() {
	expect_field "$1" Uid "$2 $2 $2 $2"
	expect_field "$1" Gid "$3 $3 $3 $3"
	expect_field "$1" Groups "$4"
	local c
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do expect_field "$1" "$c" "$Z"; done
	expect_field "$1" NoNewPrivs 1
}
