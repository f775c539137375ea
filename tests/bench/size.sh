#!/bin/bash
# tests/bench/size.sh — binary size of nrexec against its peers.
#
#   tests/bench/size.sh [--update]
#
# Prints a markdown section on stdout (progress on stderr) and, with
# --update, puts it into BENCHMARKS.md between <!-- size:begin --> and
# <!-- size:end -->.
#
# 1. Sizes: each binary as installed/built and after `strip -s` of a copy:
#    nrexec musl and glibc builds, gosu, tini-static, catatonit, setpriv (with
#    the shared libraries it loads), chroot. su-exec is not in Debian: its
#    figure is quoted from shared/NOTES.md.
# 2. What the musl build is made of: an unstripped copy is built from this
#    tree with the Makefile's own rules (make B=tmpdir, `strip` a no-op) and
#    a link map (musl-gcc honours REALGCC: a wrapper adds -Wl,-Map to the
#    final link only, which does not change the output). `nm --size-sort`
#    gives the largest symbols; the map tells which input each came from
#    (nrexec, libcap-ng, musl libc), and the bytes per origin.
#
# Environment: NREXEC_GLIBC (default build/nrexec), NREXEC_MUSL (default
# build/musl/nrexec), TOP (symbols listed, default 30), KEEP=1 keeps the
# temporary directory. Installs gosu, tini and catatonit from Debian when
# missing.
set -euo pipefail
export LC_ALL=C

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"
bench_args size.sh "$@"
TOP=${TOP:-30}


TMP=$(mktemp -d /tmp/nrexec-size.XXXXXX)
cleanup() { if [ "${KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT

need_pkgs gosu tini catatonit util-linux coreutils binutils musl-tools

fresh_binaries

fsize() { stat -L -c %s "$1"; }
stripped() { cp "$1" "$TMP/s" && strip -s "$TMP/s" 2>/dev/null && fsize "$TMP/s"; }
pkgver() { dpkg-query -W -f='${Package} ${Version}' "$(dpkg -S "$(readlink -f "$1")" 2>/dev/null |
	head -n1 | cut -d: -f1)" 2>/dev/null || echo "?"; }
linkage() {
	local f
	f=$(file -bL "$1")
	case $f in
	*"statically linked"*) echo static ;;
	*"dynamically linked"*) echo dynamic ;;
	*) echo "?" ;;
	esac
}

# --- 1. sizes ----------------------------------------------------------------
MUSL_STRIPPED=$(stripped "$NREXEC_MUSL")
row() { # name path what
	local s
	s=$(stripped "$2")
	printf '| %s | %s | %s | %s B | %s B | %s |\n' "$1" "$3" "$(linkage "$2")" \
		"$(fmt_int "$(fsize "$2")")" "$(fmt_int "$s")" \
		"$(awk -v a="$s" -v b="$MUSL_STRIPPED" 'BEGIN { printf "%.1f×", a/b }')"
}
libs_of() { # the shared objects a dynamic binary loads, with their sizes
	ldd "$1" 2>/dev/null | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r l; do printf '%s %s\n' "$(fsize "$l")" "$(basename "$l")"; done
}

size_table() {
	echo "| binary | origin | linkage | size as shipped | stripped (\`strip -s\` of a copy) | ÷ nrexec musl |"
	echo "|---|---|---|---:|---:|---:|"
	row "nrexec (musl static)" "$NREXEC_MUSL" "\`make static\`"
	row "nrexec (glibc static)" "$NREXEC_GLIBC" "\`make\`"
	row gosu "$(command -v gosu)" "$(pkgver "$(command -v gosu)")"
	row tini-static /usr/bin/tini-static "$(pkgver /usr/bin/tini-static)"
	row catatonit "$(command -v catatonit)" "$(pkgver "$(command -v catatonit)")"
	row setpriv "$(command -v setpriv)" "$(pkgver "$(command -v setpriv)")"
	row chroot "$(command -v chroot)" "$(pkgver "$(command -v chroot)")"
	printf '| su-exec 0.3 | not in Debian; figure from shared/NOTES.md (musl static) | static | – | 63,128 B (50,824 B with gc-sections) | %s |\n' \
		"$(awk -v a=63128 -v b="$MUSL_STRIPPED" 'BEGIN { printf "%.1f×", a/b }')"
	echo
	local sp libs total
	sp=$(command -v setpriv)
	libs=$(libs_of "$sp")
	total=$(( $(fsize "$sp") + $(printf '%s\n' "$libs" | awk '{ s += $1 } END { print s+0 }') ))
	echo "setpriv is dynamic: with the shared objects it loads ($(printf '%s\n' "$libs" |
		awk '{ printf "%s%s %s B", (NR > 1 ? ", " : ""), $2, $1 }')) it maps $(fmt_int "$total") B."
}

# --- 2. composition of the musl build -------------------------------------------
UB=$TMP/ub
mkdir -p "$UB/bin" "$UB/b"
printf '#!/bin/sh\nexit 0\n' >"$UB/bin/strip"
# the final link (no -c/-E/-S, output */musl/nrexec) also writes a link map
cat >"$UB/bin/realgcc" <<'EOF'
#!/bin/sh
link=1 out=
prev=
for a in "$@"; do
	case $a in -c | -E | -S) link=0 ;; esac
	[ "$prev" = -o ] && out=$a
	prev=$a
done
case $link:$out in
1:*/musl/nrexec) exec x86_64-linux-gnu-gcc "$@" -Wl,-Map="$out.map" ;;
esac
exec x86_64-linux-gnu-gcc "$@"
EOF
chmod +x "$UB/bin/strip" "$UB/bin/realgcc"
[ -d "$ROOT/build/musl-capng" ] && cp -a "$ROOT/build/musl-capng" "$UB/b/"
log "building an unstripped musl copy in $UB"
PATH="$UB/bin:$PATH" REALGCC="$UB/bin/realgcc" make -C "$ROOT" B="$UB/b" \
	"$UB/b/musl/nrexec" >"$UB/make.log" 2>&1 ||
	{ cat "$UB/make.log" >&2; die "unstripped build failed"; }
UNS=$UB/b/musl/nrexec MAP=$UB/b/musl/nrexec.map
[ -s "$MAP" ] || die "no link map was written"
same_text=no
objcopy -O binary --only-section=.text "$UNS" "$TMP/a.text" &&
	objcopy -O binary --only-section=.text "$NREXEC_MUSL" "$TMP/b.text" &&
	cmp -s "$TMP/a.text" "$TMP/b.text" && same_text=yes

# input sections kept in the output: "start size origin" (from the map)
awk -v ub="$UB/b/musl/" -v re='^\\.(text|rodata|data|bss|tdata|tbss|init_array|fini_array|data\\.rel\\.ro|init|fini|got|eh_frame)' '
	function origin(f) {
		if (f ~ /libcap-ng\.a/) return "libcap-ng"
		if (index(f, ub) == 1) return "nrexec"
		if (f ~ /musl/ || f ~ /crt[1i n]\.o|crt[a-z]*\.o/) return "musl libc"
		if (f ~ /libgcc|crtbegin|crtend/) return "gcc runtime"
		return "other"
	}
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	{
		if ($1 ~ re && NF == 1) { pend = $1; next }
		if (pend != "" && NF == 3 && $1 ~ /^0x/) { sec = pend; a = $1; s = $2; f = $3 }
		else if ($1 ~ re && NF == 4 && $2 ~ /^0x/) { sec = $1; a = $2; s = $3; f = $4 }
		else if ($1 == "COMMON" && NF == 4 && $2 ~ /^0x/) { sec = ".bss"; a = $2; s = $3; f = $4 }
		else { pend = ""; next }
		pend = ""
		if (s == "0x0") next
		printf "%s\t%s\t%s\t%s\t%s\n", a, s, origin(f), sec, f
	}' "$MAP" >"$TMP/sections.txt"

HEXFN='function h(x,  i, c, n) { n = 0; x = tolower(x); sub(/^0x/, "", x)
	for (i = 1; i <= length(x); i++) { c = index("0123456789abcdef", substr(x, i, 1)) - 1; n = n * 16 + c }
	return n }'
composition() {
	# bytes per origin and kind (code / read-only / data+bss)
	echo "| origin | code (.text) | read-only data | data + bss | total |"
	echo "|---|---:|---:|---:|---:|"
	awk -F'\t' "$HEXFN"'
		{ o = $3; k = ($4 ~ /^\.text|^\.init$|^\.fini$/) ? "t" : ($4 ~ /^\.rodata/) ? "r" : "d"
		  v = h($2); S[o, k] += v; T[o] += v; O[o] = 1; G[k] += v; g += v }
		END { n = split("nrexec,libcap-ng,musl libc,gcc runtime,other", L, ",")
		  for (i = 1; i <= n; i++) { o = L[i]; if (!(o in O)) continue
		    printf "| %s | %d | %d | %d | %d |\n", o, S[o, "t"], S[o, "r"], S[o, "d"], T[o] }
		  printf "| **all** | %d | %d | %d | %d |\n", G["t"], G["r"], G["d"], g }' "$TMP/sections.txt"
	echo
	echo "Bytes in the file (code + read-only + data, bss excluded) by libc/library cluster, i.e. what a change in nrexec's own calls could remove; objects are matched by name:"
	echo
	echo "| cluster | pulled in by | objects | bytes |"
	echo "|---|---|---|---:|"
	awk -F'\t' "$HEXFN"'
		BEGIN {
			n = split("malloc|getopt+stdio|qsort|strerror|strtoul|setxid|vdso|capng", K, "|")
			D["malloc"] = "musl mallocng#malloc/calloc/realloc/free/strdup#^(malloc|free|realloc|calloc|lite_malloc|replaced|donate|malloc_usable_size|madvise|mremap)$"
			D["getopt+stdio"] = "getopt_long and its stderr messages (stdio)#getopt_long#^(getopt|getopt_long|mbtowc|mblen|fwrite|fputs|putc|__stdio_write|__stdio_close|__stdio_seek|__stdio_read|__stdio_exit|__stdout_write|__towrite|__overflow|__lockfile|stdout|stderr|fflush|ofl|ofl_add|__fdopen)$"
			D["qsort"] = "smoothsort#qsort#^(qsort|qsort_nr)$"
			D["strerror"] = "message table#strerror#^(strerror|__lctrans)$"
			D["strtoul"] = "libcap-ng init_lib#strtoul#^(strtol|intscan|shgetc)$"
			D["setxid"] = "multi-thread set*id broadcast#setgroups/setresuid/setresgid/setuid/setgid#^(synccall|setxid|setgroups|block|sem_post|sem_wait|sem_timedwait|sem_init|__timedwait|sigaction|membarrier)$"
			D["vdso"] = "vDSO lookup#clock_gettime#^(vdso|clock_gettime)$"
			D["capng"] = "libcap-ng itself#capng_name_to_capability#^libcap-ng$"
		}
		{ f = $5; sub(/.*\//, "", f); if ($4 ~ /bss/) next
		  o = f; if (o ~ /^libcap-ng\.a\(/) o = "libcap-ng"; else { sub(/^libc\.a\(/, "", o); sub(/\.lo\)$/, "", o) }
		  for (i = 1; i <= n; i++) { split(D[K[i]], d, "#"); if (o ~ d[3]) { B[K[i]] += h($2); if (!((K[i], o) in seen)) { seen[K[i], o] = 1; L[K[i]] = L[K[i]] (L[K[i]] == "" ? "" : " ") o } ; break } } }
		END { for (i = 1; i <= n; i++) { split(D[K[i]], d, "#"); if (B[K[i]] > 0)
			printf "| %s (%s) | `%s` | %s | %d |\n", K[i], d[1], d[2], L[K[i]], B[K[i]] } }' "$TMP/sections.txt"
	echo
	echo "Largest $TOP symbols (\`nm --size-sort -S -r\` of the unstripped copy; aliases at one address shown once):"
	echo
	echo "| size (B) | type | symbol | origin | object |"
	echo "|---:|:---:|---|---|---|"
	nm --size-sort -S -r "$UNS" | awk 'NF == 4' >"$TMP/nm.txt"
	awk "$HEXFN"'
		NR == FNR { split($0, x, "\t"); A[NR] = h(x[1]); Z[NR] = h(x[2]); O[NR] = x[3]
		  F[NR] = x[5]; sub(/.*\//, "", F[NR]); m = NR; next }
		{ a = h($1); if (a in seen) { al[seen[a]] = al[seen[a]] ", " $4; next }
		  if (++cnt > top) next
		  seen[a] = cnt; sz[cnt] = h($2); ty[cnt] = $3; nm_[cnt] = $4; org[cnt] = "?"; obj[cnt] = ""
		  for (i = 1; i <= m; i++) if (a >= A[i] && a < A[i] + Z[i]) { org[cnt] = O[i]; obj[cnt] = F[i]; break } }
		END { for (i = 1; i <= cnt && i <= top; i++)
		  printf "| %d | %s | `%s`%s | %s | %s |\n", sz[i], ty[i] ~ /^[bB]$/ ? ty[i] " (bss)" : ty[i], nm_[i],
		    (i in al) ? " (alias " substr(al[i], 3) ")" : "", org[i], obj[i] }' top="$TOP" "$TMP/sections.txt" "$TMP/nm.txt"
}

# --- 3. the release binaries (make dist), when dist/ holds them ------------------
release_table() {
	local f a n=0
	echo "| architecture | bytes | of the 65,536 B budget |"
	echo "|---|---:|---:|"
	for a in $(awk '!/^#/ && NF { print $1 }' "$ROOT/src/build/arches"); do
		f=$(ls "$ROOT"/dist/nrexec-*-linux-"$a" 2>/dev/null | head -n 1)
		[ -n "$f" ] || continue
		n=$((n + 1))
		printf '| %s | %s | %s |\n' "$a" "$(fmt_int "$(fsize "$f")")" \
			"$(awk -v a="$(fsize "$f")" 'BEGIN { printf "%.1f %%", 100 * a / 65536 }')"
	done
	[ $n -gt 0 ] || echo "| (none: dist/ holds no release binary; run make dist first) | | |"
}

section() {
	echo "Generated by \`tests/bench/size.sh\` (\`make bench\`); do not edit by hand. $(date -u '+%Y-%m-%d %H:%M UTC'), $(. /etc/os-release && echo "$PRETTY_NAME"), $(gcc --version | head -n1), musl $(dpkg-query -W -f='${Version}' musl 2>/dev/null || echo '?')."
	echo
	echo "### Binary sizes"
	echo
	size_table
	echo
	echo "### Release binaries"
	echo
	echo "\`make dist\`'s static musl + libcap-ng binaries, stripped, as in \`dist/\` (\`stat -c %s\`; commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')):"
	echo
	release_table
	echo
	echo "### What the musl build is made of"
	echo
	echo "Unstripped copy of \`$NREXEC_MUSL\` built with the same flags minus strip (same .text as the benchmarked binary: $same_text); bytes of the input sections the linker kept (from the link map):"
	echo
	composition
	echo
	echo "Sections of the stripped binary (\`size -A\`): $(size -A "$NREXEC_MUSL" | awk '$1 ~ /^\./ && $2 > 0 { printf "%s%s %d", (n++ ? ", " : ""), $1, $2 }')."
	echo
	echo "Commands: \`strip -s\` on a copy, \`stat -c %s\`; \`nm --size-sort -S -r\` on the unstripped copy;"
	echo "\`PATH=stripdir:\$PATH REALGCC=map-wrapper make B=tmpdir tmpdir/musl/nrexec\` (see tests/bench/size.sh)."
}

section >"$TMP/section.md"
printf '## Size\n\n'
publish size "$TMP/section.md"
