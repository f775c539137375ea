#!/bin/sh
# link-check.sh LOG: fail on any linker message in LOG but the ones allowed
# here by name, and print what fails. A warning nobody reads is how a static
# binary ends up calling NSS; a new one must be looked at, then fixed or
# added below with the reason.
#
# Allowed (glibc build only): Debian's libcap-ng.a holds capng_change_id,
# which calls initgroups and getpwuid; nrexec never calls it, and
# --gc-sections drops it, but ld warns about static NSS use all the same.
set -eu
log=$1
allowed="in function \`capng_change_id':\$
warning: Using '(initgroups|getpwuid)' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking\$"

new=$(grep -vE "$allowed" "$log" || true)
if [ -n "$new" ]; then
	printf '%s\n' "$new" >&2
	echo "FAIL: new linker warning(s) above (allowed ones: src/build/link-check.sh)" >&2
	exit 1
fi
