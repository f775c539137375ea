#!/bin/sh
# wrap-check.sh NM BINARY: fail when the unstripped musl BINARY holds one of
# the failing stand-ins src/caps.c gives libcap-ng (stdio, syslog, NSS: see
# CAPNG_STDIO_WRAP in the Makefile). They are safe only as long as no code
# nrexec runs can reach them, so that --gc-sections drops them all; one
# in the binary means a libcap-ng function nrexec now calls would get a
# failure instead of the real call. The wraps of asprintf, strtoul,
# strchr, memcpy, memset and (src/kstat.c) stat, fstat and fstatat are real
# replacements and stay.
set -eu
nm=$1 bin=$2
found=$("$nm" "$bin" | awk '$3 ~ /^__wrap_/ && $3 !~ /^__wrap_(asprintf|strtoul|strchr|memcpy|memset|fstatat|fstat|stat)$/ { print $3 }')
if [ -n "$found" ]; then
	echo "FAIL: $bin reaches libcap-ng's failing stand-in(s): $(echo $found)" >&2
	echo "      (a libcap-ng call nrexec makes now needs them: src/caps.c, CAPNG_STDIO_WRAP)" >&2
	exit 1
fi
