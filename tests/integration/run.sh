#!/bin/bash
# Integration tests: the real binary ($NREXEC), run as root, over a table of
# cases. Each case runs in a private mount namespace (unshare -m) with the
# fixture /etc/passwd and /etc/group bind-mounted over the machine's, and
# asserts on the target's own /proc/self/status.
set -u
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
it_start nrexec-it 700	# 755 only for the setuid case below
# shellcheck source=../lib/identity.sh
. "$here/../lib/identity.sh"

# expect_status NAME OUT uid gid groups [caps amb bnd nnp]
expect_status() {
	local name=$1 out=$2 uid=$3 gid=$4 groups=$5 eff=${6:-0000000000000000}
	local amb=${7:-0000000000000000} bnd=${8:-0000000000000000} nnp=${9:-1}
	local bad=()
	[ "$(field Uid "$out")" = "$uid $uid $uid $uid" ] || bad+=("Uid: $(field Uid "$out"), want $uid x4")
	[ "$(field Gid "$out")" = "$gid $gid $gid $gid" ] || bad+=("Gid: $(field Gid "$out"), want $gid x4")
	[ "$(field Groups "$out")" = "$groups" ] || bad+=("Groups: '$(field Groups "$out")', want '$groups'")
	[ "$(field CapInh "$out")" = "$eff" ] || bad+=("CapInh $(field CapInh "$out"), want $eff")
	[ "$(field CapPrm "$out")" = "$eff" ] || bad+=("CapPrm $(field CapPrm "$out"), want $eff")
	[ "$(field CapEff "$out")" = "$eff" ] || bad+=("CapEff $(field CapEff "$out"), want $eff")
	[ "$(field CapAmb "$out")" = "$amb" ] || bad+=("CapAmb $(field CapAmb "$out"), want $amb")
	[ "$(field CapBnd "$out")" = "$bnd" ] || bad+=("CapBnd $(field CapBnd "$out"), want $bnd")
	[ "$(field NoNewPrivs "$out")" = "$nnp" ] || bad+=("NoNewPrivs $(field NoNewPrivs "$out"), want $nnp")
	if [ ${#bad[@]} = 0 ]; then ok "$name"; else not_ok "$name" "${bad[@]}"; fi
}

status() { infix "$NREXEC" "$@" "$BB" sh -c 'cat /proc/self/status; echo "HOME: $HOME"'; }

# --- the resolution table, as the kernel sees it -------------------------
out=$(status app); expect_status "name: memberships from /etc/group" "$out" 10001 10001 "2000 2001 10001"
[ "$(field HOME "$out")" = /home/app ] && ok "name: HOME from passwd" || not_ok "name: HOME from passwd" "$(field HOME "$out")"
out=$(status 10001); expect_status "uid with entry: as the name" "$out" 10001 10001 "2000 2001 10001"
out=$(status 20002); expect_status "uid without entry: gid = uid, root's group not kept" "$out" 20002 20002 "20002"
[ "$(field HOME "$out")" = / ] && ok "uid without entry: HOME=/" || not_ok "uid without entry: HOME=/" "$(field HOME "$out")"
out=$(status app:extra); expect_status "user:group name replaces memberships" "$out" 10001 2000 "2000"
out=$(status app:3000); expect_status "user:gid digits used as-is" "$out" 10001 3000 "3000"
out=$(status 10001:0); expect_status "explicit gid 0 allowed (OpenShift)" "$out" 10001 0 "0"
out=$(status nohome); expect_status "entry with empty home" "$out" 10002 10002 "10002"
[ "$(field HOME "$out")" = / ] && ok "empty home field: HOME=/" || not_ok "empty home field: HOME=/" "$(field HOME "$out")"
out=$(inns - - "$NREXEC" 10001:10001 "$BB" cat /proc/self/status)
expect_status "no /etc/passwd or /etc/group at all (scratch)" "$out" 10001 10001 "10001"
out=$(status --allow-new-privs 10001)
expect_status "--allow-new-privs: bounding set and NNP left alone" "$out" 10001 10001 "2000 2001 10001" \
	0000000000000000 0000000000000000 "$(field CapBnd "$(cat /proc/self/status)")" 0
out=$(status --cap-keep net_bind_service app)
expect_status "--cap-keep net_bind_service: ambient and bounding, nothing else" "$out" 10001 10001 "2000 2001 10001" \
	0000000000000400 0000000000000400 0000000000000400

# --- --cap-keep really lets a non-root server bind a port below 1024 ----
# (a fresh network namespace has net.ipv4.ip_unprivileged_port_start=1024)
bind80='import socket; s = socket.socket(); s.bind(("0.0.0.0", 80)); print("bound")'
out=$(unshare -n "$NREXEC" --cap-keep net_bind_service 10001:10001 python3 -c "$bind80" 2>&1)
[ "$out" = bound ] && ok "--cap-keep net_bind_service: uid 10001 binds :80" || not_ok "--cap-keep binds :80" "$out"
out=$(unshare -n "$NREXEC" 10001:10001 python3 -c "$bind80" 2>&1)
case $out in *"Permission denied"*) ok "without --cap-keep the same bind fails" ;;
	*) not_ok "without --cap-keep the same bind fails" "$out" ;; esac

# --- exit codes, and bad input never runs the command --------------------
marker=$tmp/ran
expect_exit() {	# NAME WANT-CODE WANT-STDERR-SUBSTRING ARGS...
	local name=$1 want=$2 msg=$3 code; shift 3
	rm -f "$marker"
	err=$(infix "$NREXEC" "$@" 2>&1 >/dev/null); code=$?
	if [ "$code" != "$want" ]; then not_ok "$name" "exit $code, want $want: $err"
	elif [ "$want" = 125 ] && [ -e "$marker" ]; then not_ok "$name" "the command ran"
	elif [ -n "$msg" ] && [[ $err != *"$msg"* ]]; then not_ok "$name" "stderr '$err' lacks '$msg'"
	else ok "$name"; fi
}
run_marker=("$BB" touch "$marker")
expect_exit "exit 127: command not found" 127 "No such file" 10001 /nonexistent/cmd
expect_exit "exit 127: not found in PATH (looked up as the target)" 127 "" 10001 no-such-command-xyz
printf '#!/bin/sh\n' > "$tmp/noexec"; chmod 644 "$tmp/noexec"
expect_exit "exit 126: found but not executable" 126 "Permission denied" 10001 "$tmp/noexec"
expect_exit "command's own status passes through" 3 "" 10001 "$BB" sh -c 'exit 3'
for spec in "" ":" ":1" "1:" "a:b:c" "4294967295" "4294967296" "-1" "+65534" " 65534" "65534 " \
	"no-such-user" "app:no-such-group" "99999999999999999999" "app:-1"; do
	expect_exit "bad spec '$spec' → 125, not run" 125 "nrexec: " "$spec" "${run_marker[@]}"
done
expect_exit "uid 0 refused without --allow-root" 125 "--allow-root" root "${run_marker[@]}"
expect_exit "0:0 refused without --allow-root" 125 "--allow-root" 0:0 "${run_marker[@]}"
expect_exit "unknown option → 125" 125 "unknown" --bogus 10001 "${run_marker[@]}"
expect_exit "--cap-keep unknown name → 125" 125 "not a capability" --cap-keep nope 10001 "${run_marker[@]}"
expect_exit "--cap-keep setuid refused → 125" 125 "regain root" --cap-keep setuid 10001 "${run_marker[@]}"
# root-equivalent capabilities need --allow-root-caps (issue 11 item 5):
# with dac_override, uid 10001 could append a uid-0 user to /etc/passwd
for c in dac_override chown,fowner sys_admin dac_read_search fsetid setfcap setpcap sys_module \
	sys_rawio sys_ptrace bpf mknod linux_immutable sys_boot sys_chroot mac_admin mac_override \
	net_bind_service,CAP_DAC_OVERRIDE; do
	expect_exit "--cap-keep $c refused as root-equivalent → 125, not run" 125 \
		"is equivalent to root" --cap-keep "$c" 10001 "${run_marker[@]}"
	[[ $err == *--allow-root-caps* ]] || not_ok "... and the message names --allow-root-caps" "$err"
done
expect_exit "--cap-keep setgid refused even with --allow-root-caps → 125" 125 "regain root" \
	--allow-root-caps --cap-keep setgid 10001 "${run_marker[@]}"
out=$(status --allow-root-caps --cap-keep dac_override app)
expect_status "--allow-root-caps --cap-keep dac_override: kept as ambient (0x2)" "$out" 10001 10001 \
	"2000 2001 10001" 0000000000000002 0000000000000002 0000000000000002
out=$(status --cap-keep net_raw,kill app)
expect_status "--cap-keep net_raw,kill: narrow ones need no opt-in" "$out" 10001 10001 \
	"2000 2001 10001" 0000000000002020 0000000000002020 0000000000002020
expect_exit "no command and nothing to do → 125" 125 "nothing to do" 10001
out=$(infix "$NREXEC" --allow-root 0:0 "$BB" cat /proc/self/status)
expect_status "--allow-root 0:0: uid 0 but no capabilities" "$out" 0 0 "0"

# --- hostile argv: the command's options are never ours -------------------
expect_exit "'-h' after the spec is the command" 127 "cannot execute '-h'" 10001 -h
expect_exit "'--version' after the spec is the command" 127 "'--version'" 10001 --version
out=$(infix "$NREXEC" 10001 -- "$BB" echo -v --print -- x)
[ "$out" = "-v --print -- x" ] && ok "arguments after the spec are verbatim" || not_ok "arguments verbatim" "$out"
out=$(infix "$NREXEC" -- 10001 "$BB" echo ok)
[ "$out" = ok ] && ok "'--' before the spec" || not_ok "'--' before the spec" "$out"
out=$(infix "$NREXEC" 10001 -- -- 2>&1); code=$?
[ $code = 127 ] && ok "a command named '--'" || not_ok "a command named '--'" "$code $out"

# --- --print: stable key=value, works as non-root --------------------------
want=$'user=app\nuid=10001\ngid=10001\ngroups=10001,2000,2001\nhome=/home/app\ncap_keep=net_bind_service\nno_new_privs=1\nchown=/data'
out=$(infix /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups "$NREXEC" --print --cap-keep NET_BIND_SERVICE --chown /data app)
[ "$out" = "$want" ] && ok "--print as non-root" || not_ok "--print as non-root" "$out"

# --print says what will hold: no_new_privs set by the caller cannot be
# unset, --allow-new-privs or not (issue 11 item 7)
out=$(infix /usr/bin/setpriv --no-new-privs "$NREXEC" --print --allow-new-privs app | grep no_new_privs)
[ "$out" = no_new_privs=1 ] && ok "--print --allow-new-privs under a caller's no_new_privs: no_new_privs=1" ||
	not_ok "--print --allow-new-privs under a caller's no_new_privs: no_new_privs=1" "$out"
out=$(infix "$NREXEC" --print --allow-new-privs app | grep no_new_privs)
[ "$out" = no_new_privs=0 ] && ok "--print --allow-new-privs otherwise: no_new_privs=0" ||
	not_ok "--print --allow-new-privs otherwise: no_new_privs=0" "$out"

# root without capabilities because of SECBIT_NOROOT: the message names
# the securebit, not a --cap-drop
rm -f "$marker"
err=$(infix /usr/bin/setpriv --securebits +noroot "$NREXEC" app "${run_marker[@]}" 2>&1); code=$?
if [ $code = 125 ] && [ ! -e "$marker" ] && [[ $err == *SECBIT_NOROOT* ]] && [[ $err != *cap-drop* ]]; then
	ok "SECBIT_NOROOT: 125, the message names the securebit"
else not_ok "SECBIT_NOROOT: 125, the message names the securebit" "exit $code: $err"; fi

# a message longer than the 1 KiB error buffer keeps its cause: the quoted
# input is cut in the middle, not the message's tail
long=$(printf 'a%.0s' $(seq 3000))
expect_exit "3000-byte user name: 125, the message ends with its cause" 125 \
	"user name longer than 256 bytes" "$long" "${run_marker[@]}"
[[ $err == *"[...]"* ]] || not_ok "... and the quoted name is shortened" "$err"
expect_exit "3000-byte missing command: 127, the message ends with its cause" 127 \
	"': No such file or directory" 10001 "/x/$long"
expect_exit "3000-byte missing --chown PATH: 125, the message ends with its cause" 125 \
	"No such file or directory" --chown "/nonexistent/$long" 10001 "${run_marker[@]}"

# --- non-root starts ---------------------------------------------------------
SETPRIV=/usr/bin/setpriv
out=$(infix $SETPRIV --reuid=10001 --regid=10001 --init-groups "$NREXEC" app "$BB" cat /proc/self/status 2>&1)
expect_status "started as the target already (runAsUser): just execs" "$out" 10001 10001 "2000 2001 10001" \
	0000000000000000 0000000000000000 "$(field CapBnd "$(cat /proc/self/status)")" 1
out=$(infix $SETPRIV --reuid=10002 --regid=10002 --clear-groups "$NREXEC" app "$BB" touch "$marker" 2>&1); code=$?
if [ $code = 125 ] && [[ $out == *"started as uid 10002 gid 10002"*"uid 10001 gid 10001"* ]] && [ ! -e "$marker" ]; then
	ok "started as another non-root user: 125 naming both"
else not_ok "started as another non-root user: 125 naming both" "$code $out"; fi

# --- a setuid-installed copy is refused --------------------------------------
cp "$NREXEC" "$tmp/nrexec-suid"; chmod 4755 "$tmp/nrexec-suid"; chmod 755 "$tmp"
out=$($SETPRIV --reuid=65534 --regid=65534 --clear-groups "$tmp/nrexec-suid" 0 --allow-root "$BB" id -u 2>&1); code=$?
if [ $code = 125 ] && [[ $out == *setuid* ]]; then ok "setuid-installed copy refused"
else not_ok "setuid-installed copy refused" "$code $out"; fi
out=$($SETPRIV --reuid=65534 --regid=65534 --clear-groups "$tmp/nrexec-suid" --print 10001 2>&1); code=$?
[ $code = 125 ] && ok "setuid-installed copy refuses --print too" || not_ok "setuid copy --print" "$code $out"

# --- what passes through: fds, signal mask, ignored signals, umask, env ------
# Straight from a subshell that first closes every fd above 2 it inherited
# (a test harness may leave some); "nobody" makes nrexec open /etc/passwd
# and /etc/group. 3 is ls's own handle on the directory it lists.
out=$( for f in /proc/$BASHPID/fd/*; do f=${f##*/}; [ "$f" -gt 2 ] && eval "exec $f>&-"; done
	exec "$NREXEC" nobody "$BB" ls /proc/self/fd 5</dev/null 2>&1 | tr '\n' ' ')
[ "$out" = "0 1 2 3 5 " ] && ok "fds: only what nrexec was given (0 1 2 5)" || not_ok "fds: only what nrexec was given" "$out"
out=$(infix python3 -c '
import os, signal, sys
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
signal.signal(signal.SIGUSR1, signal.SIG_IGN)
os.umask(0o027)
os.execv(sys.argv[1], sys.argv[1:])' "$NREXEC" 10001 "$BB" sh -c 'grep -E "^Sig(Blk|Ign)" /proc/self/status; umask')
blk=$(field SigBlk "$out"); ign=$(field SigIgn "$out")
if (( (0x$blk & 0x800) && (0x$ign & 0x200) )) && [[ $out == *0027* ]]; then
	ok "signal mask, ignored signals and umask pass through"
else not_ok "signal mask, ignored signals and umask pass through" "$out"; fi
out=$(FOO='a b' PATH=/bin:/usr/bin infix "$NREXEC" app "$BB" sh -c 'echo "$FOO|$HOME|$PATH"')
[ "$out" = "a b|/home/app|/bin:/usr/bin" ] && ok "environment untouched but HOME" || not_ok "environment" "$out"

# --- PID 1: the command takes nrexec's PID and gets SIGTERM directly ---------
log=$tmp/pid1.log
unshare --pid --fork --mount-proc "$NREXEC" 10001 "$BB" sh -c \
	'echo "pid $$"; trap "echo got TERM; exit 0" TERM; sleep 60 & wait $!' >"$log" 2>&1 &
ushare=$!
for _ in $(seq 50); do [ -s "$log" ] && break; sleep 0.1; done
child=$(pgrep -P $ushare | head -1)
kill -TERM "$child" 2>/dev/null
wait $ushare; code=$?
if [ "$(cat "$log")" = $'pid 1\ngot TERM' ] && [ $code = 0 ]; then
	ok "as PID 1 the command receives SIGTERM with nrexec's PID"
else not_ok "PID 1 and SIGTERM" "exit $code: $(cat "$log")"; fi

# --- user namespaces: unmapped ids and denied setgroups get their own words --
out=$(unshare --user --map-root-user "$NREXEC" 10001 "$BB" true 2>&1); code=$?
if [ $code = 125 ] && [[ $out == *"setgroups: denied in this user namespace"* ]]; then
	ok "user namespace: setgroups denied is named"
else not_ok "user namespace: setgroups denied" "$code $out"; fi

tap_end
