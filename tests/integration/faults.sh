#!/bin/bash
# Every call on the path to exec, failing (or lying) in the real binary:
# each must end in exit 125 with a "nrexec: " message, and the command
# must never run. See tests/lib/faultinject.c for the NREXEC_FAULT syntax.
set -u
: "${NREXEC_FAULTBIN:?set NREXEC_FAULTBIN to build/nrexec-fault}"
BB=$(command -v busybox || echo /bin/busybox)
tmp=$(mktemp -d /var/tmp/nrexec-faults.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 1777 "$tmp"	# the dropped command could create the marker
marker=$tmp/ran
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
# PR_CAPBSET_READ (prctl:23) calls: 1 is libcap-ng's constructor, 2-7 the
# one count of the kernel's capabilities (a binary search, always six),
# 8 … 8+last the clearing (a bit is dropped only when set), then the verify
# step reads each bounding bit (from $vfy) and the one past the last
last=$(cat /proc/sys/kernel/cap_last_cap)
vfy=$((9 + last))
past=$((vfy + last + 1))

# point | spec and options | what the message must contain
# (open/read call 1 and prctl(PR_CAP_AMBIENT) call 1 are libcap-ng's
# constructor probing the kernel, with fallbacks of its own; nrexec's first
# opens are /etc/passwd, /etc/group; with nothing kept, nrexec makes no
# PR_CAP_AMBIENT call of its own; calloc call 3 is the command's
# environment, after libcap-ng's and opts_parse's)
cases=(
	"open:2|nobody|cannot read /etc/passwd"
	"open:3|nobody|cannot read /etc/group"
	"read:2|nobody|cannot read /etc/passwd"
	"read:3|nobody|cannot read"
	"getresuid|10001|current ids"
	"getresgid|10001|current ids"
	"setgroups|10001|setgroups"
	"setresgid|10001|setresgid"
	"setresuid|10001|setresuid"
	"prctl:8|10001|PR_SET_KEEPCAPS"
	"prctl:8:2|10001|PR_SET_KEEPCAPS"
	"capset|10001|capset"
	"capset:2|10001|capset"
	"capget|--cap-keep net_bind_service 10001|capget"
	"capget|10001|capget"
	"prctl:23:8|10001|PR_CAPBSET_DROP"
	"prctl:23:2|10001|PR_CAPBSET_DROP"
	"prctl:24|10001|PR_CAPBSET_DROP"
	"prctl:47:2|--cap-keep net_bind_service 10001|PR_CAP_AMBIENT"
	"prctl:47:3|--cap-keep net_bind_service 10001|PR_CAP_AMBIENT"
	"prctl:38|10001|PR_SET_NO_NEW_PRIVS"
	"getresuid:2|10001|verification failed"
	"getresgid:2|10001|verification failed"
	"getgroups|10001|verification failed"
	"capget:2|10001|verification failed"
	"prctl:39:2|10001|verification failed"
	"prctl:23:$((vfy + 22))|10001|verification failed"
	"prctl:23:$past|10001|verification failed"
	"prctl:23:$past:lie|10001|capabilities past the last one counted"
	"prctl:23:2:22|10001|capabilities past the last one counted"
	"prctl:47:4|--cap-keep net_bind_service 10001|verification failed"
	"setgroups:1:lie|10001|supplementary groups"
	"setresgid:1:lie|10001|gid"
	"setresuid:1:lie|10001|"
	"capset:2:lie|10001|verification failed"
	"prctl:24:1:lie|10001|bounding"
	"prctl:47:3:lie|--cap-keep net_bind_service 10001|ambient"
	"prctl:38:1:lie|10001|no_new_privs is not set"
	"setuid:1:lie|10001|setuid(0) succeeded"
	"setgid:1:lie|10001|setgid(0) succeeded"
	"fstat|nobody|cannot read /etc/passwd"
	"fstat:2|nobody|cannot read /etc/group"
	"calloc:3|10001|cannot set HOME"
	"getgroups:2|10001|verification failed"
	"prctl:23:$vfy|10001|verification failed"
)
# control: without a fault the same command runs, so "not run" means something
if NREXEC_FAULT= "$NREXEC_FAULTBIN" nobody "$BB" touch "$marker" && [ -e "$marker" ]; then
	echo "ok 0 - control: no fault, the command runs"
else
	echo "not ok 0 - control: no fault, the command did not run"; exit 1
fi
for c in "${cases[@]}"; do
	IFS='|' read -r point args want <<<"$c"
	rm -f "$marker"
	# shellcheck disable=SC2086
	err=$(NREXEC_FAULT=$point "$NREXEC_FAULTBIN" $args "$BB" touch "$marker" 2>&1); code=$?
	if [ $code = 125 ] && [ ! -e "$marker" ] && [[ $err == "nrexec: "*"$want"* ]]; then
		ok "$point: exit 125, not executed"
	else
		not_ok "$point: exit $code, ran=$([ -e "$marker" ] && echo yes || echo no): $err"
	fi
done
# execve itself failing: the command did not run, and the status says why
rm -f "$marker"
err=$(NREXEC_FAULT=execve:1:13 "$NREXEC_FAULTBIN" 10001 "$BB" touch "$marker" 2>&1); code=$?
if [ $code = 126 ] && [ ! -e "$marker" ] && [[ $err == *"cannot execute"*"Permission denied"* ]]; then
	ok "execve EACCES: exit 126, not executed"
else
	not_ok "execve EACCES: exit $code: $err"
fi
echo "# $pass of $n fault points end in 125 (126 for execve) without exec"
[ "$fail" = 0 ]
