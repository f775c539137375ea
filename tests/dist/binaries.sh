#!/bin/bash
# The release binaries in dist/, each on its own architecture: amd64 on the
# host, the others under Debian's qemu-ARCH-static, invoked directly (no
# binfmt registration). Per architecture: the file itself (ELF machine,
# static, stripped, size budget), --version, a numeric and a named drop
# read back from /proc/self/status, bad specs (125, nothing run), --chown of
# a small tree; then the integration table (tests/integration/run.sh) with
# the binary as NREXEC.
#
# Under qemu-user, three cases of the table cannot pass, whatever nrexec
# does (QEMU_CANNOT below); they must pass on amd64, which runs natively.
# Any other failure fails this suite. Needs root (the drops, unshare -m).
. "$(dirname "$0")/lib.sh"
BB=$(command -v busybox || echo /bin/busybox)
fix=$ROOT/tests/fixtures/integration
# shellcheck source=../lib/identity.sh
. "$ROOT/tests/lib/identity.sh"
SIZE_LIMIT=${SIZE_LIMIT:-65536}
tmp=$(mktemp -d /var/tmp/nrexec-dist.XXXXXX)
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT

[ "$(id -u)" = 0 ] || { echo "FAILED: needs root"; exit 1; }
[ -x "$BB" ] || { echo "FAILED: busybox-static is needed"; exit 1; }

# Why each cannot pass under qemu-user (measured with qemu 7.2):
QEMU_CANNOT=(
	# the setuid bit belongs to the file the kernel execs (the qemu wrapper
	# script), never to the emulated binary: no AT_SECURE reaches nrexec
	"setuid-installed copy refused"
	"setuid copy --print"
	# qemu installs a host handler for every signal to emulate the guest's
	# dispositions, so an inherited SIG_IGN is a handler on the host and
	# execve resets it: the exec'd program's SigIgn is qemu's, not nrexec's
	"signal mask, ignored signals and umask pass through"
)

summary=()
for arch in $(dist_arches); do
	bin=$DIST/nrexec-$VERSION-linux-$arch
	echo "# === $arch"
	# --- the file ---------------------------------------------------------
	size=$(stat -c %s "$bin")
	limit=$(awk -v a="$arch" '$1 == a { print $2 }' "$ROOT/src/build/size-budget")
	[ "$size" -le "${limit:-$SIZE_LIMIT}" ] && ok "$arch: $size bytes <= ${limit:-$SIZE_LIMIT}" ||
		not_ok "$arch: $size bytes <= ${limit:-$SIZE_LIMIT}" "over by $((size - ${limit:-$SIZE_LIMIT})) bytes"
	[ "$size" -le "$SIZE_LIMIT" ] || echo "# $arch: OVER the $SIZE_LIMIT B budget by $((size - SIZE_LIMIT)) bytes (src/build/size-budget)"
	want=$(arch_field "$arch" 4); got=$(elf_machine "$bin")
	[ "$got" = "$want" ] && ok "$arch: ELF machine $got" || not_ok "$arch: ELF machine" "got $got, want $want"
	hdr=$(LC_ALL=C readelf -lS "$bin" 2>&1)
	if [[ $hdr != *INTERP* && $hdr != *DYNAMIC* && $hdr != *.symtab* && $hdr != *.comment* ]]; then
		ok "$arch: static (no interpreter, no dynamic section), stripped"
	else not_ok "$arch: static and stripped" "$(grep -E 'INTERP|DYNAMIC|symtab|comment' <<<"$hdr")"; fi

	run=$(runner "$arch" "$tmp") || { not_ok "$arch: qemu-$(arch_field "$arch" 3)-static is installed"; continue; }
	qpass=$pass qn=$n
	# --- --version --------------------------------------------------------
	out=$("$run" --version 2>&1); code=$?
	want="nrexec $VERSION
commit=$COMMIT
libc=musl $(pin musl)
libcap-ng=$(pin libcap-ng)"
	[ $code = 0 ] && [ "$out" = "$want" ] && ok "$arch: --version names version, commit, musl and libcap-ng" ||
		not_ok "$arch: --version" "exit $code" "$out" "want: $want"

	# --- drops, read back by a native program it execs --------------------
	out=$(infix "$run" 20002:20002 "$BB" cat /proc/self/status 2>&1)
	bad=()
	[ "$(field Uid "$out")" = "20002 20002 20002 20002" ] || bad+=("Uid: $(field Uid "$out")")
	[ "$(field Gid "$out")" = "20002 20002 20002 20002" ] || bad+=("Gid: $(field Gid "$out")")
	[ "$(field Groups "$out")" = 20002 ] || bad+=("Groups: $(field Groups "$out")")
	for c in CapInh CapPrm CapEff CapBnd CapAmb; do
		[ "$(field $c "$out")" = 0000000000000000 ] || bad+=("$c: $(field $c "$out")")
	done
	[ "$(field NoNewPrivs "$out")" = 1 ] || bad+=("NoNewPrivs: $(field NoNewPrivs "$out")")
	[ ${#bad[@]} = 0 ] && ok "$arch: 20002:20002: ids, groups, no capabilities, no_new_privs" ||
		not_ok "$arch: 20002:20002 drop" "${bad[@]}" "$(head -c 300 <<<"$out")"
	out=$(infix "$run" --cap-keep net_bind_service app "$BB" cat /proc/self/status 2>&1)
	if [ "$(field Uid "$out")" = "10001 10001 10001 10001" ] && [ "$(field Groups "$out")" = "2000 2001 10001" ] &&
	   [ "$(field CapAmb "$out")" = 0000000000000400 ] && [ "$(field CapEff "$out")" = 0000000000000400 ] &&
	   [ "$(field NoNewPrivs "$out")" = 1 ]; then
		ok "$arch: app from /etc/passwd and /etc/group, --cap-keep net_bind_service"
	else not_ok "$arch: named drop with --cap-keep" "$(grep -E '^(Uid|Groups|Cap)' <<<"$out" | tr '\n' ' ')"; fi

	# --- bad specs: 125, a one-line message, nothing executed --------------
	badspecs=0 badout=()
	for spec in 4294967296 4294967295 -1 +1 " 1" "" :1 1: a:b:c 0 nosuchuser; do
		rm -f "$tmp/ran"
		err=$(infix "$run" "$spec" "$BB" touch "$tmp/ran" 2>&1); code=$?
		if [ $code != 125 ] || [ -e "$tmp/ran" ] || [[ $err != "nrexec: "* ]] || [ "$(wc -l <<<"$err")" != 1 ]; then
			badspecs=$((badspecs + 1)); badout+=("'$spec': exit $code: $err")
		fi
	done
	[ $badspecs = 0 ] && ok "$arch: 11 bad specs: 125, one 'nrexec: ' line, nothing run" ||
		not_ok "$arch: bad specs" "${badout[@]}"

	# --- --chown on a small tree ------------------------------------------
	t=$tmp/tree-$arch
	mkdir -p "$t/vol/a/b" && echo x >"$t/vol/a/b/f" && echo y >"$t/vol/top" &&
		echo secret >"$t/outside" && ln -s ../outside "$t/vol/link"
	out=$("$run" --chown "$t/vol" 10001:10001 2>&1); code=$?
	owners=$(find "$t/vol" -printf '%U:%G\n' | sort -u | tr '\n' ' ')
	if [ $code = 0 ] && [ "$owners" = "10001:10001 " ] && [ "$(stat -c %U:%G "$t/outside")" = root:root ]; then
		ok "$arch: --chown: 6 entries to 10001:10001, the symlink's target outside untouched"
	else not_ok "$arch: --chown a small tree" "exit $code: $out" "owners: $owners" "outside: $(stat -c %U:%G "$t/outside")"; fi

	# --- the integration table --------------------------------------------
	NREXEC=$run bash "$ROOT/tests/integration/run.sh" >"$tmp/it-$arch.log" 2>&1
	itpass=$(grep -c '^ok ' "$tmp/it-$arch.log")
	ittotal=$(grep -cE '^(not )?ok ' "$tmp/it-$arch.log")
	unexpected=()
	while IFS= read -r l; do
		name=${l#not ok * - }
		allowed=0
		if [ "$run" != "$bin" ]; then
			for c in "${QEMU_CANNOT[@]}"; do [ "$name" = "$c" ] && allowed=1; done
		fi
		[ $allowed = 1 ] || unexpected+=("$l")
	done < <(grep '^not ok ' "$tmp/it-$arch.log")
	if [ "$ittotal" -gt 40 ] && [ ${#unexpected[@]} = 0 ]; then
		ok "$arch: integration table: $itpass/$ittotal pass; the rest are qemu-user's limits"
	else not_ok "$arch: integration table ($itpass/$ittotal)" "${unexpected[@]}" "$(tail -n 5 "$tmp/it-$arch.log")"; fi
	summary+=("$arch | $size | $((pass - qpass))/$((n - qn)) dist checks, table $itpass/$ittotal")
done

echo "# arch | size (B) | cases passed/total"
for l in "${summary[@]}"; do echo "# $l"; done
[ ${#summary[@]} -gt 0 ] || not_ok "no release binaries in $DIST (run make dist)"
finish
