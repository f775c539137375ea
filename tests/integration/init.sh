#!/bin/bash
# --init against the real binary, as root, outside containers (nrexec is a
# child subreaper here; `unshare --pid` makes it PID 1 for a few cases):
#
#   NREXEC=/abs/path/to/nrexec bash tests/integration/init.sh
#
# Exit codes 0-255 and 128+N; every catchable signal 1-31 forwarded with its
# number (tests/lib/initprobe.c prints what it gets); --init-group; the
# signal mask and ignored set the caller gave (tini's sigconf idea); 100
# orphans adopted and reaped, no zombie left (with a control: a subreaper
# that does not reap leaves 100); 10,000 processes exiting at once, the
# init's RSS before and after; a pty: the command is the foreground group
# and Ctrl-C ends it with 130; --init-grace; a failing fork; what the init
# holds (identity, fds, working directory); -v lines.
set -u
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
it_start nrexec-init
CC=${CC:-cc}

"$CC" -std=c11 -Wall -Wextra -Werror -O2 -static "$here/../lib/initprobe.c" -o "$tmp/initprobe" \
	2>"$tmp/cc.log" || { echo "FAILED: cannot compile tests/lib/initprobe.c:"; cat "$tmp/cc.log"; exit 1; }
P=$tmp/initprobe
I=("$NREXEC" --init 10001:10001)

# --- exit status ---------------------------------------------------------
bad=""
for c in $(seq 0 255); do
	"${I[@]}" "$BB" sh -c "exit $c"; got=$?
	[ "$got" = "$c" ] || bad="$bad $c->$got"
done
check "exit codes 0-255 pass through" "$([ -z "$bad" ]; echo $?)" "wrong:$bad"

bad=""
for s in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 24 25 26 27 29 30 31; do
	(ulimit -c 0; exec "${I[@]}" "$P" raise $s); got=$?
	[ "$got" = $((128 + s)) ] || bad="$bad $s->$got"
done
check "death by signal N exits 128+N" "$([ -z "$bad" ]; echo $?)" "wrong:$bad"

"${I[@]}" /no/such/cmd 2>"$tmp/err"; got=$?
check "command not found: 127 from the child, with its message" \
	"$([ $got = 127 ] && grep -q "^nrexec: cannot execute '/no/such/cmd'" "$tmp/err"; echo $?)" "exit $got: $(cat "$tmp/err")"
printf 'echo no\n' >"$tmp/noexec"; chmod 644 "$tmp/noexec"
"${I[@]}" "$tmp/noexec" 2>/dev/null; got=$?
check "command not executable: 126" "$([ $got = 126 ]; echo $?)" "exit $got"

# --- forwarding: every signal it can catch, with its number --------------
cat >"$tmp/forward.py" <<'EOF'
import os, signal, subprocess, sys
sigs = [s for s in range(1, 32) if s not in (signal.SIGKILL, signal.SIGSTOP, signal.SIGCHLD)]
p = subprocess.Popen(sys.argv[1:] + ["catch", str(len(sigs))], stdout=subprocess.PIPE, text=True)
assert p.stdout.readline() == "ready\n", "no ready line"
bad = []
for s in sigs:
    os.kill(p.pid, s)
    line = p.stdout.readline().strip()
    if line != "sig %d" % s:
        bad.append("sent %d got %r" % (s, line))
rc = p.wait(timeout=10)
print("sent %d, wrong: %s, exit %d" % (len(sigs), bad, rc))
sys.exit(0 if not bad and rc == 0 else 1)
EOF
out=$(timeout 60 python3 "$tmp/forward.py" "${I[@]}" "$P" 2>&1)
check "every signal 1-31 but KILL, STOP, CHLD reaches the command with its number" $? "$out"

# --init-group: the command ignores TERM, its child does not (the pid is
# printed once the trap is set: a TERM before it killed the command, seen
# failing the control case in a fresh container)
group_case() { # OPTIONS... -> "exit CODE sleep-alive|sleep-gone"
	local pid sp code i
	"$NREXEC" "$@" 10001:10001 "$BB" sh -c \
		"$BB sleep 1001 & sp=\$!; trap '' TERM; echo \$sp; wait" >"$tmp/group.out" &
	pid=$!
	for i in $(seq 50); do [ -s "$tmp/group.out" ] && break; sleep 0.05; done
	sp=$(head -n1 "$tmp/group.out")
	kill -TERM $pid
	for i in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$sp" 2>/dev/null; then echo -n "sleep-alive "; kill -KILL "$sp"; else echo -n "sleep-gone "; fi
	# a broken init must fail the test, not hang it
	for i in $(seq 30); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
	kill -0 $pid 2>/dev/null && { pkill -KILL -P $pid; kill -KILL $pid; }
	wait $pid; code=$?
	echo "exit $code"
}
out=$(group_case --init-group)
check "--init-group: SIGTERM reaches the grandchild whose parent ignores it" \
	"$([ "$out" = "sleep-gone exit 0" ]; echo $?)" "$out"
out=$(group_case --init)
check "without --init-group only the command gets it (control)" \
	"$([ "$out" = "sleep-alive exit 0" ]; echo $?)" "$out"

# --- sigconf: what the caller blocked or ignored stays so ----------------
cat >"$tmp/sigconf.py" <<'EOF'
import os, signal, sys
signal.pthread_sigmask(signal.SIG_SETMASK, {signal.SIGUSR1, signal.SIGTTIN, signal.SIGINT})
for s in (signal.SIGUSR2, signal.SIGTTOU, signal.SIGHUP, signal.SIGCHLD):
    signal.signal(s, signal.SIG_IGN)
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])
EOF
sigs() { python3 "$tmp/sigconf.py" "$@" | grep -E '^Sig(Blk|Ign)'; }
want=$(sigs "$BB" cat /proc/self/status)
got=$(sigs "${I[@]}" "$BB" cat /proc/self/status)
check "sigconf: blocked and ignored signals reach the command as the caller set them" \
	"$([ -n "$want" ] && [ "$want" = "$got" ]; echo $?)" "want: $want" "got:  $got"

# --- reaping ---------------------------------------------------------------
out=$("${I[@]}" "$P" orphans 100 500); code=$?
check "subreaper: 100 orphans adopted and reaped, no zombie" \
	"$([ $code = 0 ] && [ "$out" = $'adopted=100\nzombies=0' ]; echo $?)" "exit $code: $out"
# control: a subreaper that never reaps leaves the same 100 as zombies
cat >"$tmp/noreap.py" <<'EOF'
import ctypes, subprocess, sys
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
sys.exit(subprocess.call(sys.argv[1:]))
EOF
out=$(python3 "$tmp/noreap.py" "$P" orphans 100 500)
check "control: a subreaper that does not reap leaves zombies the probe sees" \
	"$([ "$out" = $'adopted=100\nzombies=100' ]; echo $?)" "$out"
out=$(unshare --pid --fork --mount-proc "${I[@]}" "$P" orphans 100 500); code=$?
check "as PID 1 (unshare --pid): 100 orphans reaped, no zombie" \
	"$([ $code = 0 ] && [ "$out" = $'adopted=100\nzombies=0' ]; echo $?)" "exit $code: $out"

out=$("${I[@]}" "$P" storm 10000); code=$?
before=$(printf '%s' "$out" | sed -n 's/.*rss_before=\([0-9]*\).*/\1/p')
after=$(printf '%s' "$out" | sed -n 's/.*rss_after=\([0-9]*\).*/\1/p')
echo "# 10,000 at once: $out"
check "hostile: 10,000 orphans exiting at once all reaped, the init's RSS flat (<= 8 kB more)" \
	"$([ $code = 0 ] && [ -n "$before" ] && [ -n "$after" ] && [ $((after - before)) -le 8 ]; echo $?)" "exit $code: $out"

"$NREXEC" -v --init 10001 "$BB" sh -c "($BB sleep 0.1 & echo \$! >$tmp/w/orphan); $BB sleep 0.4; exit 3" 2>"$tmp/v.err"
op=$(cat "$tmp/w/orphan" 2>/dev/null)
check "-v names each reaped process: the orphan (status 0) and the command (status 3)" \
	"$([ -n "$op" ] && grep -Eq "^nrexec: init: reaped $op status 0\$" "$tmp/v.err" &&
	   grep -Eq '^nrexec: init: reaped [0-9]+ status 3$' "$tmp/v.err"; echo $?)" "$(cat "$tmp/v.err")"

# --- --init-grace ------------------------------------------------------------
# Upper bounds are loose (a loaded CI machine is slow) but still tell the
# cases apart: grace 5 must end with the worker (~1 s), not after 5 s;
# grace 1 must SIGKILL, not wait for a 1003 s sleep; no grace must not wait
# the 1 s that the shortest grace would.
ms() { echo $(( $(date +%s%N) / 1000000 )); }
# the command exits at once and leaves a worker that takes 1 s over SIGTERM
# (it says when its trap is set: a SIGTERM before that would just kill it)
worker="($BB sh -c 'trap \"$BB sleep 1; echo worker-done; exit 0\" TERM; : >$tmp/w/1; $BB sleep 1002 & wait'&)
	while [ ! -e $tmp/w/1 ]; do $BB sleep 0.05; done; exit 4"
t0=$(ms); out=$("$NREXEC" --init-grace 5 10001 "$BB" sh -c "$worker"); code=$?; t=$(( $(ms) - t0 ))
check "--init-grace 5: SIGTERM to what is left, waits for it (~1 s), exits with the command's status" \
	"$([ $code = 4 ] && [ "$out" = worker-done ] && [ $t -ge 900 ] && [ $t -lt 4900 ]; echo $?)" "exit $code after $t ms: '$out'"
pgrep -f 'sleep 100[23]' >/dev/null; check "--init-grace: nothing left behind" "$([ $? = 1 ]; echo $?)" "$(pgrep -af 'sleep 100[23]')"
t0=$(ms); out=$("$NREXEC" --init-grace 1 10001 "$BB" sh -c \
	"($BB sh -c 'trap \"\" TERM; : >$tmp/w/2; $BB sleep 1003'&); while [ ! -e $tmp/w/2 ]; do $BB sleep 0.05; done; exit 5"); code=$?; t=$(( $(ms) - t0 ))
sleep 0.2
pgrep -f 'sleep 1003' >/dev/null; left=$?
check "--init-grace 1: what ignores SIGTERM gets SIGKILL after 1 s" \
	"$([ $code = 5 ] && [ $left = 1 ] && [ $t -ge 900 ] && [ $t -lt 15000 ]; echo $?)" "exit $code after $t ms, pgrep $left"
pkill -KILL -f 'sleep 100[123]' 2>/dev/null
t0=$(ms); "${I[@]}" "$BB" sh -c 'exit 0'; t=$(( $(ms) - t0 ))
check "no grace: exits as soon as the command does" "$([ $t -lt 900 ]; echo $?)" "$t ms"

for a in x -1 1.5 86401 "" " 5"; do
	out=$("$NREXEC" --init-grace "$a" 10001 "$BB" echo RAN 2>&1); code=$?
	check "--init-grace '$a' refused: 125, nothing run" "$([ $code = 125 ] && [[ $out == "nrexec: --init-grace"* ]]; echo $?)" "exit $code: $out"
done
out=$("$NREXEC" --init 10001 2>&1); code=$?
check "--init without COMMAND: 125" "$([ $code = 125 ] && [[ $out == "nrexec: no COMMAND"* ]]; echo $?)" "exit $code: $out"

# --- fork failure: RLIMIT_NPROC 1 leaves the dropped init no room ------------
out=$(prlimit --nproc=1 "${I[@]}" "$BB" echo RAN 2>&1); code=$?
check "fork fails (RLIMIT_NPROC 1): 125 with a message, nothing run" \
	"$([ $code = 125 ] && [[ $out == "nrexec: --init: cannot fork: "* ]]; echo $?)" "exit $code: $out"

# --- what the init holds ------------------------------------------------------
mkdir -p "$tmp/wd"
(cd "$tmp/wd" && exec "$NREXEC" --init --cap-keep net_bind_service 10001:10001 "$P" catch 1 </dev/null >"$tmp/hold.out" 2>&1) &
ip=$!
for i in $(seq 50); do [ -s "$tmp/hold.out" ] && break; sleep 0.05; done
cp=$(pgrep -P $ip | head -n1)
fields='^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):'
istat=$(grep -E "$fields" /proc/$ip/status); cstat=$(grep -E "$fields" /proc/$cp/status)
check "init and command: the same dropped identity in /proc/PID/status" \
	"$([ "$istat" = "$cstat" ] && printf '%s\n' "$istat" | grep -Eq '^Uid:\s+10001\s+10001\s+10001\s+10001$' &&
	   printf '%s\n' "$istat" | grep -Eq '^NoNewPrivs:\s+1$'; echo $?)" "init: $(echo $istat)" "cmd:  $(echo $cstat)"
check "the init's working directory is /, the command's is its own" \
	"$([ "$(readlink /proc/$ip/cwd)" = / ] && [ "$(readlink /proc/$cp/cwd)" = "$tmp/wd" ]; echo $?)" \
	"init $(readlink /proc/$ip/cwd), command $(readlink /proc/$cp/cwd)"
fds=$(ls /proc/$ip/fd | sort -n | tr '\n' ' ') cfds=$(ls /proc/$cp/fd | sort -n | tr '\n' ' ')
check "the init holds only the fds it was given (those the command inherited)" \
	"$([ "$fds" = "$cfds" ]; echo $?)" "init: $fds" "command: $cfds"
pg=$(ps -o pgid= -p "$cp" | tr -d ' ')
check "the command is its own process group" "$([ "$pg" = "$cp" ]; echo $?)" "pgid $pg, pid $cp"
kill -USR1 $ip; wait $ip
check "a forwarded signal ends it cleanly" "$([ $? = 0 ]; echo $?)" "$(cat "$tmp/hold.out")"

# --- a terminal: the command is the foreground group, Ctrl-C ends it ---------
cat >"$tmp/ptytest.py" <<'EOF'
import os, pty, signal, sys, time
pid, fd = pty.fork()
if pid == 0:
    # Ctrl-C must work even when the suite runs as a background job
    # (SIGINT ignored), which --init rightly passes on
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.execv(sys.argv[1], sys.argv[1:])
buf = b""
end = time.time() + 10
while b"ready" not in buf and time.time() < end:
    try:
        buf += os.read(fd, 1024)
    except OSError:
        break
line = [l for l in buf.decode().splitlines() if l.startswith("pgrp=")]
pgrp, fg = (int(x.split("=")[1]) for x in line[0].split()) if line else (0, -1)
os.write(fd, b"\x03")
_, st = os.waitpid(pid, 0)
code = os.waitstatus_to_exitcode(st)
print("init=%d pgrp=%d fg=%d exit=%d" % (pid, pgrp, fg, code))
sys.exit(0 if pgrp == fg and pgrp != pid and code == 130 else 1)
EOF
out=$(timeout 30 python3 "$tmp/ptytest.py" "${I[@]}" "$P" tty 2>&1); code=$?
pkill -KILL -f "$P tty" 2>/dev/null	# only if it failed: what the pty left
check "pty: the command is the terminal's foreground group; Ctrl-C ends it, exit 130" $code "$out"

tap_end
