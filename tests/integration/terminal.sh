#!/bin/bash
# The terminal injection guard under a real pseudo-terminal, as root:
#
#   NREXEC=/abs/path/to/nrexec bash tests/integration/terminal.sh
#
# Compiles tests/lib/tiocsti.c (the hostile command) and runs
# terminal.py, which drives an interactive root bash through python3's pty
# module. See terminal.py for the cases.
set -u
: "${NREXEC:?set NREXEC to the nrexec binary}"
case $NREXEC in /*) ;; *) NREXEC=$PWD/$NREXEC ;; esac
here=$(cd "$(dirname "$0")" && pwd)
BB=$(command -v busybox || echo /bin/busybox)
CC=${CC:-cc}

[ "$(id -u)" = 0 ] || { echo "SKIPPED: terminal.sh needs root" >&2; exit 1; }
[ -x "$BB" ] || { echo "FAILED: busybox-static is needed (apt-get install busybox-static)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "FAILED: python3 is needed" >&2; exit 1; }

tmp=$(mktemp -d /var/tmp/nrexec-tty.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
"$CC" -std=c11 -Wall -Wextra -Werror -O2 "$here/../lib/tiocsti.c" -o "$tmp/tiocsti" 2>"$tmp/cc.log" ||
	{ echo "FAILED: cannot compile tests/lib/tiocsti.c:"; cat "$tmp/cc.log"; exit 1; }
NREXEC=$NREXEC TIOCSTI=$tmp/tiocsti TMP=$tmp BB=$BB python3 "$here/terminal.py"
