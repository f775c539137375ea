#!/bin/bash
# What the drop keeps and leaves, against the real binary, as root:
#
#   NREXEC=/abs/path/to/nrexec bash tests/integration/privileges.sh
#
# File capabilities and the bounding set (--cap-keep, --keep-bounding-set,
# --clear-bounding-set, a runtime without CAP_SETPCAP), and what the
# bounding set is worth under no_new_privs. Each case asserts from the
# command's own /proc/self/status, or exit 125 with the command never run.
set -u
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
it_start nrexec-priv
SETPRIV=/usr/bin/setpriv
command -v setcap >/dev/null || { echo "FAILED: setcap is needed (apt-get install libcap2-bin)" >&2; exit 1; }

# shellcheck source=../lib/identity.sh
. "$here/../lib/identity.sh"
STATUS=("$BB" cat /proc/self/status)
TOUCH=("$BB" touch "$marker")
MY_BND=$(field CapBnd "$(cat /proc/self/status)")
NONE=0000000000000000

EMPTY=("CapInh: $NONE" "CapPrm: $NONE" "CapEff: $NONE" "CapAmb: $NONE")
AS_APP=("Uid: 10001 10001 10001 10001" "Gid: 10001 10001 10001 10001")

# A copy of busybox carrying cap_net_raw=ep, as Debian's ping does (named
# busybox: it picks its applet from its own name)
mkdir "$tmp/capbin"; CAPBB=$tmp/capbin/busybox
cp "$BB" "$CAPBB"
setcap cap_net_raw=ep "$CAPBB" || { echo "FAILED: setcap on $tmp (no xattrs?)"; exit 1; }
# A setuid-root cat: reads its own status with euid 0 when the kernel lets it
cp /bin/cat "$tmp/suidcat"; chmod 4755 "$tmp/suidcat"

# --- --cap-keep: the kept capabilities stay in the bounding set -------------
expect_ran "--cap-keep net_raw: ambient 0x2000 and CapBnd 0x2000, nothing else" \
	"${AS_APP[@]}" "CapAmb: 0000000000002000" "CapBnd: 0000000000002000" "NoNewPrivs: 1" -- \
	infix "$NREXEC" --cap-keep net_raw app "${STATUS[@]}"
expect_ran "--cap-keep net_raw: a cap_net_raw=ep binary executes and holds exactly that" \
	"${AS_APP[@]}" "CapPrm: 0000000000002000" "CapEff: 0000000000002000" "CapBnd: 0000000000002000" -- \
	infix "$NREXEC" --cap-keep net_raw app "$CAPBB" cat /proc/self/status

# --- an exec refused for its file capabilities says why and what to do ------
out=$(infix "$NREXEC" app "$CAPBB" true 2>&1); code=$?
if [ $code = 126 ] && [[ $out == *"net_raw=ep"* && $out == *"--cap-keep net_raw"* &&
	$out == *"--keep-bounding-set"* ]]; then
	ok "file caps outside the bounding set: 126 naming net_raw=ep, --cap-keep and --keep-bounding-set"
else not_ok "file caps outside the bounding set: 126 with the way out" "exit $code: $out"; fi
out=$(infix env PATH="$tmp/capbin" "$NREXEC" app busybox true 2>&1); code=$?
[ $code = 126 ] && [[ $out == *"net_raw=ep"* ]] && ok "... found through PATH too" ||
	not_ok "... found through PATH too" "exit $code: $out"
printf '#!/bin/sh\n' >"$tmp/noexec"; chmod 644 "$tmp/noexec"
out=$(infix "$NREXEC" app "$tmp/noexec" 2>&1); code=$?
[ $code = 126 ] && [[ $out != *"file capabilities"* ]] && ok "other exec failures say nothing of file capabilities" ||
	not_ok "other exec failures say nothing of file capabilities" "exit $code: $out"

# --- --keep-bounding-set: a child may exec a file-capability tool -----------
expect_ran "--keep-bounding-set: bounding set as it was, NNP 1, every other set empty" \
	"${AS_APP[@]}" "${EMPTY[@]}" "CapBnd: $MY_BND" "NoNewPrivs: 1" -- \
	infix "$NREXEC" --keep-bounding-set app "${STATUS[@]}"
expect_ran "--keep-bounding-set: a child execs the cap_net_raw=ep binary; it gains nothing" \
	"${AS_APP[@]}" "${EMPTY[@]}" "NoNewPrivs: 1" -- \
	infix "$NREXEC" --keep-bounding-set app "$BB" sh -c '"$0" cat /proc/self/status; exit $?' "$CAPBB"
if [ -x /usr/bin/ping ] && getcap /usr/bin/ping | grep -q cap_net_raw; then
	# a fresh network namespace: loopback up, ICMP datagram sockets for all
	# groups, as Docker sets net.ipv4.ping_group_range
	pingns() { unshare -n "$BB" sh -c 'ip link set lo up &&
		echo "0 2147483647" >/proc/sys/net/ipv4/ping_group_range && exec "$@"' sh "$@"; }
	out=$(pingns "$NREXEC" --keep-bounding-set 10001 "$BB" sh -c '/usr/bin/ping -c1 -W2 127.0.0.1' 2>&1); code=$?
	[ $code = 0 ] && ok "--keep-bounding-set: a child runs Debian's ping (no_new_privs: ICMP datagram socket)" ||
		not_ok "--keep-bounding-set: a child runs Debian's ping" "exit $code: $out"
	out=$(pingns "$NREXEC" 10001 "$BB" sh -c '/usr/bin/ping -c1 -W2 127.0.0.1' 2>&1); code=$?
	[ $code = 126 ] && ok "... and without it the same ping cannot be executed (126)" ||
		not_ok "... and without it the ping cannot be executed" "exit $code: $out"
else
	not_ok "Debian's ping with cap_net_raw=ep is needed (apt-get install iputils-ping)"
fi
expect_fail "--keep-bounding-set with --clear-bounding-set: 125" "--keep-bounding-set" -- \
	infix "$NREXEC" --keep-bounding-set --clear-bounding-set app "${TOUCH[@]}"

# --- what the bounding set is worth under no_new_privs (README's trade-off) --
# A non-root process with no_new_privs gains nothing by exec, with the
# bounding set full or empty: neither file capabilities nor a setuid-root
# binary add anything. The one difference: with it cleared, a binary with
# file capabilities cannot be executed at all. The controls without
# no_new_privs show the probes can see a gain.
for how in "--keep-bounding-set" "--clear-bounding-set"; do
	expect_ran "$how: a setuid-root binary stays uid 10001 (no_new_privs)" \
		"Uid: 10001 10001 10001 10001" "${EMPTY[@]}" -- \
		infix "$NREXEC" "$how" 10001 "$tmp/suidcat" /proc/self/status
done
expect_ran "--keep-bounding-set: a cap_net_raw=ep binary executes and gains nothing" \
	"Uid: 10001 10001 10001 10001" "${EMPTY[@]}" -- \
	infix "$NREXEC" --keep-bounding-set 10001 "$CAPBB" cat /proc/self/status
out=$(infix "$NREXEC" --clear-bounding-set 10001 "$CAPBB" true 2>&1); code=$?
[ $code = 126 ] && ok "--clear-bounding-set: the same binary cannot be executed (126)" ||
	not_ok "--clear-bounding-set: the same binary cannot be executed" "exit $code: $out"
expect_ran "control, --allow-new-privs: the same setuid-root binary runs with euid 0" \
	"Uid: 10001 0 0 0" -- infix "$NREXEC" --allow-new-privs 10001 "$tmp/suidcat" /proc/self/status
expect_ran "control, --allow-new-privs: the file-capability binary gains cap_net_raw" \
	"CapPrm: 0000000000002000" -- infix "$NREXEC" --allow-new-privs 10001 "$CAPBB" cat /proc/self/status

# --- no CAP_SETPCAP (docker run --cap-drop ALL --cap-add SETUID,SETGID,CHOWN) ---
NOPCAP=("$SETPRIV" --bounding-set -all,+setuid,+setgid,+chown)
expect_ran "no CAP_SETPCAP: runs; bounding set left as it is, NNP 1, every other set empty" \
	"${AS_APP[@]}" "${EMPTY[@]}" "CapBnd: 00000000000000c1" "NoNewPrivs: 1" -- \
	infix "${NOPCAP[@]}" "$NREXEC" app "${STATUS[@]}"
expect_ran "... -v says so" "+bounding set left as it is: no CAP_SETPCAP" "+nrexec: verified" -- \
	infix "${NOPCAP[@]}" "$NREXEC" -v app "$BB" true
expect_fail "... --clear-bounding-set: 125 naming CAP_SETPCAP, not run" "--clear-bounding-set" "CAP_SETPCAP" -- \
	infix "${NOPCAP[@]}" "$NREXEC" --clear-bounding-set app "${TOUCH[@]}"
expect_ran "capsh --drop=cap_setpcap (so root's exec lacks it too): bounding set left" \
	"${AS_APP[@]}" "${EMPTY[@]}" "CapBnd: $(printf %016x $((0x$MY_BND & ~0x100)))" -- \
	infix capsh --drop=cap_setpcap -- -c "exec $NREXEC app $BB cat /proc/self/status"

# --- only the bits that are set are dropped ----------------------------------
if command -v strace >/dev/null; then
	DOCKER_CAPS=chown,dac_override,fowner,fsetid,kill,setgid,setuid,setpcap,net_bind_service,net_raw,sys_chroot,mknod,audit_write,setfcap
	drops=$(infix "$SETPRIV" --bounding-set "-all,+${DOCKER_CAPS//,/,+}" strace -qq -f -e trace=prctl \
		"$NREXEC" app "$BB" true 2>&1 | grep -c 'PR_CAPBSET_DROP')
	[ "$drops" = 14 ] && ok "Docker's bounding set (14 of 41): 14 PR_CAPBSET_DROP calls" ||
		not_ok "Docker's bounding set: 14 PR_CAPBSET_DROP calls" "$drops calls"
else
	not_ok "strace is needed to count the drops (apt-get install strace)"
fi


# --- the environment: changed only with the identity -------------------------
out=$(infix env -u USER -u LOGNAME HOME=/app "$NREXEC" app "$BB" sh -c 'echo "$HOME|$USER|$LOGNAME"' 2>&1)
[ "$out" = "/home/app|app|app" ] && ok "root start: HOME, USER and LOGNAME of the passwd entry" ||
	not_ok "root start: HOME, USER and LOGNAME" "$out"
out=$(infix env USER=x LOGNAME=y "$NREXEC" 20002 "$BB" sh -c 'echo "$HOME|$USER|$LOGNAME"' 2>&1)
[ "$out" = "/|x|y" ] && ok "uid without a passwd name: HOME=/, USER and LOGNAME left" ||
	not_ok "uid without a passwd name: HOME=/, USER and LOGNAME left" "$out"
out=$(infix "$SETPRIV" --reuid=10001 --regid=10001 --init-groups env HOME=/app USER=me \
	"$NREXEC" app "$BB" sh -c 'echo "$HOME|$USER"' 2>&1)
[ "$out" = "/app|me" ] && ok "non-root start as the target (docker run --user -e HOME=/app): HOME kept" ||
	not_ok "non-root start: HOME kept" "$out"

# --- fds 0-2: pipes and the container's terminal go to the target ------------
out=$(infix "$NREXEC" 10001 "$BB" sh -c 'echo reopened >/dev/stdout; stat -L -c %u:%g /proc/self/fd/1' | cat)
[ "$out" = $'reopened\n10001:10001' ] && ok "stdout a pipe: given to 10001:10001, /dev/stdout can be reopened" ||
	not_ok "stdout a pipe: /dev/stdout can be reopened" "$out"
# a named FIFO is a file in some directory, not the runtime's pipe: giving
# it away would hand the app an inode outside every --chown PATH
mkfifo -m 600 "$tmp/fifo"
out=$(exec 3<>"$tmp/fifo"; infix "$NREXEC" 10001 "$BB" true 0<&3 1>&3; stat -c %u:%g "$tmp/fifo")
[ "$out" = 0:0 ] && ok "stdin and stdout a named FIFO: left root's" ||
	not_ok "stdin and stdout a named FIFO: left root's" "owner now $out"
: >"$tmp/out"
infix "$NREXEC" 10001 "$BB" true >"$tmp/out" </dev/null
[ "$(stat -c %u:%g "$tmp/out") $(stat -c %u /dev/null)" = "0:0 0" ] &&
	ok "a regular file and /dev/null are never given away" ||
	not_ok "a regular file and /dev/null are never given away" "$(stat -c %u:%g "$tmp/out") $(stat -c %u /dev/null)"
# (a container started without -t has no /dev/console to bind over: an
# empty file stands in for the run and goes again)
made_console=
[ -e /dev/console ] || { : >/dev/console && made_console=1; }
python3 - "$NREXEC" "$BB" "$fix" <<'PY' >"$tmp/pty.out" 2>&1
import os, subprocess, sys
nrexec, bb, fix = sys.argv[1:]
probe = [nrexec, "10001", bb, "stat", "-L", "-c", "%u:%g", "/proc/self/fd/0"]
def run(console):
    m, s = os.openpty()
    os.chown(os.ttyname(s), 0, 5)
    mnt = 'mount --bind "$0" /dev/console && ' if console else ''
    r = subprocess.run(["unshare", "-m", "--propagation", "private", bb, "sh", "-c",
                        mnt + 'exec "$@"', os.ttyname(s)] + probe,
                       stdin=s, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    os.close(m); os.close(s)
    return r.stdout.decode().strip()
print(run(True) + "|" + run(False))
PY
[ -z "$made_console" ] || rm -f /dev/console
[ "$(cat "$tmp/pty.out")" = "10001:5|0:5" ] &&
	ok "a terminal that is /dev/console: owner 10001, group kept; any other terminal untouched" ||
	not_ok "the container's terminal only" "$(cat "$tmp/pty.out")"

# --- --umask ----------------------------------------------------------------
out=$(infix "$NREXEC" --umask 0077 10001 "$BB" sh -c umask)
[ "$out" = 0077 ] && ok "--umask 0077" || not_ok "--umask 0077" "$out"
out=$(infix "$NREXEC" --umask 27 10001 "$BB" sh -c umask)
[ "$out" = 0027 ] && ok "--umask 27" || not_ok "--umask 27" "$out"
for m in "" 8 0o77 -1 07777 1000 " 077" 0x7 00777 ; do
	expect_fail "--umask '$m': 125, not run" "--umask" -- infix "$NREXEC" --umask "$m" 10001 "${TOUCH[@]}"
done

# --- --group-add, --keep-groups ------------------------------------------------
expect_ran "--group-add extra,3000 (a name and a gid): Groups 2000 3000 10001" \
	"Groups: 2000 3000 10001" -- infix "$NREXEC" --group-add extra,3000 10001:10001 "${STATUS[@]}"
expect_ran "--group-add repeated: Groups 2001 3000 10001" \
	"Groups: 2001 3000 10001" -- infix "$NREXEC" --group-add other --group-add 3000 10001:10001 "${STATUS[@]}"
expect_fail "--chown-mode without --chown: 125, nothing run" "--chown-mode applies to --chown PATHs" -- \
	infix "$NREXEC" --chown-mode 0700 10001 "${TOUCH[@]}"
expect_fail "--chown-create without --chown: 125, nothing run" "--chown-create applies to --chown PATHs" -- \
	infix "$NREXEC" --chown-create 10001 "${TOUCH[@]}"
expect_fail "--group-add nosuch: 125 naming it" "nosuch" -- infix "$NREXEC" --group-add nosuch 10001 "${TOUCH[@]}"
expect_fail "--group-add 4294967295: 125" "--group-add" -- infix "$NREXEC" --group-add 4294967295 10001 "${TOUCH[@]}"
printf 'root:x:0:\nadm:x:4:root\ndisk:x:6:bob,root\nfsgroup:x:2000:\n' >"$tmp/group-kg"
KG=(inns "$fix/passwd" "$tmp/group-kg" "$SETPRIV" --groups 0,4,6,2000,3000)
expect_ran "--keep-groups: the runtime's 2000 and 3000 kept; 0 and root's own (adm, disk) not" \
	"Groups: 2000 3000 10001" "+nrexec: --keep-groups: 2000,3000" -- \
	"${KG[@]}" "$NREXEC" -v --keep-groups 10001:10001 "${STATUS[@]}"
expect_ran "without --keep-groups they are dropped" "Groups: 10001" -- \
	"${KG[@]}" "$NREXEC" 10001:10001 "${STATUS[@]}"
out=$("${KG[@]}" "$NREXEC" --print --keep-groups --group-add 5000 10001:10001)
[[ $out == *$'groups=10001,2000,3000,5000\nkept_groups=2000,3000'* ]] && ok "--print names them" ||
	not_ok "--print names the kept groups" "$out"

# --- --writable -------------------------------------------------------------------
mkdir -m 755 "$tmp/ro"; mkdir -m 2775 "$tmp/g2000"; chgrp 2000 "$tmp/g2000"
expect_ran "--writable on a writable directory: runs" "Uid: 10001 10001 10001 10001" -- \
	infix "$NREXEC" --writable "$tmp/w" --writable "$tmp/g2000" app "${STATUS[@]}"
expect_fail "--writable on root's 0755 directory: 125 naming owner, group, mode, identity" \
	"--writable '$tmp/ro': not writable by uid 10001 gid 10001 groups 2000,2001,10001" \
	"(owner 0, group 0, mode 0755)" -- infix "$NREXEC" --writable "$tmp/ro" app "${TOUCH[@]}"
expect_fail "--writable on a missing path: 125" "No such file" -- \
	infix "$NREXEC" --writable "$tmp/missing" app "${TOUCH[@]}"

# --- non-root starts: --chown becomes a write check, --cap-keep a warning ----
AS10001=("$SETPRIV" --reuid=10001 --regid=10001 --groups=2000)
out=$(infix "${AS10001[@]}" "$NREXEC" -v --chown "$tmp/g2000" 10001:10001 "$BB" touch "$tmp/g2000/f" 2>&1); code=$?
if [ $code = 0 ] && [ -e "$tmp/g2000/f" ] && [[ $out == *"writable: '$tmp/g2000'"* || $out == *"writable: $tmp/g2000"* ]]; then
	ok "--user 10001:10001 --group-add 2000, --chown on a root:2000 2775 volume: checked, runs"
else not_ok "non-root --chown on a group-writable volume" "exit $code: $out"; fi
expect_ran "non-root start, --group-add 2000,3000 with only 2000 given: runs, names 3000 on stderr" \
	"Groups: 2000" "+--group-add: groups 3000 not held (not started as root)" -- \
	infix "${AS10001[@]}" "$NREXEC" --group-add 2000,3000 10001:10001 "${STATUS[@]}"
expect_fail "... on root's 0755 directory: 125 naming owner, group, mode and identity" \
	"--chown '$tmp/ro': not writable by uid 10001 gid 10001 groups 2000" "(owner 0, group 0, mode 0755)" \
	"not started as root" -- infix "${AS10001[@]}" "$NREXEC" --chown "$tmp/ro" 10001:10001 "${TOUCH[@]}"
out=$(infix "${AS10001[@]}" "$NREXEC" --chown "$tmp/g2000" 10001:10001 2>&1); code=$?
[ $code = 0 ] && ok "... and without COMMAND: the check alone, exit 0" || not_ok "non-root --chown without COMMAND" "exit $code: $out"
out=$(infix "$SETPRIV" --reuid=33 --regid=33 --clear-groups "$NREXEC" --cap-keep net_bind_service 33:33 \
	"$BB" grep -E '^(CapAmb|CapEff)' /proc/self/status 2>&1); code=$?
if [ $code = 0 ] && [[ $out == *"--cap-keep net_bind_service: not held"* ]] &&
	[ "$(printf '%s\n' "$out" | grep -c 0000000000000000)" = 2 ]; then
	ok "--user 33:33 with --cap-keep baked in: one line on stderr, runs without it"
else not_ok "--user 33:33 with --cap-keep: a warning, not an error" "exit $code: $out"; fi

# --- --as-started (OpenShift's arbitrary uid) ---------------------------------------
mkdir -m 2775 "$tmp/g0"
ARB=("$SETPRIV" --reuid=1000650000 --regid=0 --clear-groups)
expect_ran "--as-started: runs as 1000650000:0, every capability gone, NNP, --chown checked" \
	"Uid: 1000650000 1000650000 1000650000 1000650000" "Gid: 0 0 0 0" "${EMPTY[@]}" "NoNewPrivs: 1" -- \
	infix "${ARB[@]}" "$NREXEC" --as-started --chown "$tmp/g0" 10001:10001 "${STATUS[@]}"
expect_fail "--as-started with a --chown it cannot write: 125" "--chown '$tmp/ro'" "uid 1000650000 gid 0" -- \
	infix "${ARB[@]}" "$NREXEC" --as-started --chown "$tmp/ro" 10001:10001 "${TOUCH[@]}"
expect_fail "without --as-started: today's refusal, naming both and the option" \
	"started as uid 1000650000 gid 0" "uid 10001 gid 10001" "--as-started" -- \
	infix "${ARB[@]}" "$NREXEC" --chown "$tmp/g0" 10001:10001 "${TOUCH[@]}"
out=$(infix "${ARB[@]}" env HOME=/opt/app "$NREXEC" --as-started 10001 "$BB" sh -c 'echo $HOME')
[ "$out" = /opt/app ] && ok "--as-started leaves HOME alone" || not_ok "--as-started leaves HOME alone" "$out"


# --- the skipped hard-link line counts what it names ------------------------
mkdir -p "$tmp/hl/tree/a" "$tmp/hl/out"; echo x >"$tmp/hl/out/f"
ln "$tmp/hl/out/f" "$tmp/hl/tree/one"; ln "$tmp/hl/out/f" "$tmp/hl/tree/a/two"
sleep 0.02
out=$(infix "$NREXEC" --chown "$tmp/hl/tree" 10001 "$BB" true 2>&1); code=$?
[ $code = 0 ] && [[ $out == *"left 2 hard link(s) alone"* && $out != *"file(s)"* ]] &&
	[ "$(stat -c %u "$tmp/hl/out/f")" = 0 ] &&
	ok "one outside file linked twice in the volume: 'left 2 hard link(s)', the file untouched" ||
	not_ok "skipped hard links: the count and the noun agree" "exit $code: $out"


# --- docs: every option in --help, README.md and nrexec.1 ---------------------
root=$here/../..
help=$("$NREXEC" --help)
missing=
for o in $(sed -n 's/^	{ "\([a-z-]*\)", .*/\1/p' "$root/src/opts.c"); do
	[[ $help == *"--$o"* ]] || missing="$missing --help:--$o"
	grep -qF -- "\`--$o" "$root/README.md" || missing="$missing README:--$o"
	grep -qF -- "Fl \\-${o//-/\\-}" "$root/nrexec.1" || missing="$missing nrexec.1:--$o"
done
[ -z "$missing" ] && ok "every option is in --help, README.md and nrexec.1" ||
	not_ok "every option is in --help, README.md and nrexec.1" "missing:$missing"

tap_end
