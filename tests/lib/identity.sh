# Sourced by the integration scripts: run the real binary with fixture
# identity files, and read the target's /proc/self/status. Needs $BB
# (busybox-static), for infix $fix (a directory with passwd, group), for
# expect_fail and expect_ran tests/lib/tap.sh and $marker.

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

# expect_fail NAME SUBSTRING... -- CMD...: exit 125, a "nrexec: " message
# holding every SUBSTRING, and the command (touch $marker) never ran; the
# output is left in last_out
expect_fail() {
	local name=$1 subs=() out code bad=() s; shift
	while [ "$1" != -- ]; do subs+=("$1"); shift; done
	shift
	rm -f "$marker"
	out=$("$@" 2>&1); code=$?
	[ "$code" = 125 ] || bad+=("exit $code, want 125")
	[ -e "$marker" ] && bad+=("the command ran")
	[[ $out == *"nrexec: "* ]] || bad+=("no 'nrexec: ' message")
	for s in "${subs[@]}"; do [[ $out == *"$s"* ]] || bad+=("output lacks '$s'"); done
	if [ ${#bad[@]} = 0 ]; then ok "$name"; else not_ok "$name" "${bad[@]}" "output: $out"; fi
	last_out=$out
}
# expect_ran NAME "Field: value"... [+SUBSTRING]... -- CMD...: exit 0, each
# field of the target's /proc/self/status as given, each +SUBSTRING
# somewhere in the output
expect_ran() {
	local name=$1 want=() out code bad=() w k; shift
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	out=$("$@" 2>&1); code=$?
	[ "$code" = 0 ] || bad+=("exit $code, want 0")
	for w in "${want[@]}"; do
		case $w in
		+*) [[ $out == *"${w#+}"* ]] || bad+=("output lacks '${w#+}'") ;;
		*) k=${w%%: *}
		   [ "$(field "$k" "$out")" = "${w#*: }" ] || bad+=("$k: '$(field "$k" "$out")', want '${w#*: }'") ;;
		esac
	done
	if [ ${#bad[@]} = 0 ]; then ok "$name"; else not_ok "$name" "${bad[@]}" "output: ${out:0:600}"; fi
}
