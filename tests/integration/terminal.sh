#!/bin/bash
# The terminal injection guard under a real pseudo-terminal, as root:
#
#   NREXEC=/abs/path/to/nrexec bash tests/integration/terminal.sh
#
# Compiles tests/lib/tiocsti.c (the hostile command) and runs
# terminal.py, which drives an interactive root bash through python3's pty
# module. See terminal.py for the cases.
set -u
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
it_start nrexec-tty
CC=${CC:-cc}
command -v python3 >/dev/null || { echo "FAILED: python3 is needed" >&2; exit 1; }

"$CC" -std=c11 -Wall -Wextra -Werror -O2 "$here/../lib/tiocsti.c" -o "$tmp/tiocsti" 2>"$tmp/cc.log" ||
	{ echo "FAILED: cannot compile tests/lib/tiocsti.c:"; cat "$tmp/cc.log"; exit 1; }
NREXEC=$NREXEC TIOCSTI=$tmp/tiocsti TMP=$tmp BB=$BB python3 "$here/terminal.py"
