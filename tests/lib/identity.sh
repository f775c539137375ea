# Sourced by the integration scripts: run the real binary with fixture
# identity files, and read the target's /proc/self/status. Needs $BB
# (busybox-static) and, for infix, $fix (a directory with passwd, group).

# inns PASSWD GROUP CMD...: run CMD in a private mount namespace with these
# files over /etc/passwd and /etc/group (or none: "-" hides /etc entirely
# behind an empty tmpfs). The machine's own files are never touched.
inns() {
	local pw=$1 gr=$2; shift 2
	unshare -m --propagation private -- "$BB" sh -c '
		pw=$1 gr=$2; shift 2
		if [ "$pw" = - ]; then mount -t tmpfs none /etc || exit 99
		else mount --bind "$pw" /etc/passwd && mount --bind "$gr" /etc/group || exit 99; fi
		exec "$@"' sh "$pw" "$gr" "$@"
}
infix() { inns "$fix/passwd" "$fix/group" "$@"; }

# field NAME STATUS-TEXT → the value of NAME: from /proc/self/status, tabs as spaces
field() { printf '%s\n' "$2" | awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ +/, ""); sub(/ +$/, ""); print }'; }
