#!/bin/sh
# make demo: a real privilege drop you can see. Run as root.
set -eu
nrexec=$1
bb=$(command -v busybox || echo /bin/busybox)
show='id; grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):" /proc/self/status'
if [ "$(id -u)" != 0 ]; then
	echo "make demo: run as root to see a drop" >&2
	exit 1
fi
echo "== before: a shell as root"
"$bb" sh -c "$show"
echo
echo "== after:  $nrexec 10001:10001 sh -c '$show'"
"$nrexec" 10001:10001 "$bb" sh -c "$show"
echo
echo "== bad input: exit 125, the command never runs"
echo "\$ $nrexec 4294967296 echo 'must not print'"
set +e
"$nrexec" 4294967296 "$bb" echo "must not print"
echo "exit status: $?"
