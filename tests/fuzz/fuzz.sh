#!/usr/bin/env bash
# Fuzz nrexec's parsers with libFuzzer (clang, ASan + UBSan).
#
#   bash tests/fuzz/fuzz.sh [SECONDS [HARNESS...]]
#
# Harnesses (tests/fuzz/fuzz_*.c): spec (the USER[:GROUP] parser), passwd,
# group (file parsers and queries), resolve (spec + passwd + group texts,
# input "SPEC\0\0PASSWD\0\0GROUP", a text "/" standing for a directory).
# Each checks invariants and compares with a small model, not only
# crashes. SECONDS per harness: argument, else $FUZZ_SECONDS, else 60.
# $FUZZ_JOBS harnesses run at once (default: the number of CPUs).
#
# Builds into build/fuzz/, seeds build/fuzz/corpus-NAME from
# tests/fixtures/ plus hand seeds (corpora persist between runs and grow),
# writes crash/leak/timeout inputs to build/fuzz/artifacts/NAME-*, prints
# executions, corpus size and findings per harness, and exits 1 on any
# finding. Replay one: build/fuzz/fuzz_NAME build/fuzz/artifacts/FILE
# Needs clang with libFuzzer (Debian: clang, libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/../.."

SECONDS_EACH=${1:-${FUZZ_SECONDS:-60}}
shift || true
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(spec passwd group resolve)
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
CLANG=${CLANG:-clang}
OUT=build/fuzz
ART=$OUT/artifacts
FIX=tests/fixtures

case $SECONDS_EACH in '' | *[!0-9]*)
	echo "fuzz.sh: SECONDS must be a number, not '$SECONDS_EACH'" >&2; exit 2 ;;
esac
command -v "$CLANG" >/dev/null || { echo "fuzz.sh: $CLANG not found" >&2; exit 2; }

# What each harness links (no main.c, privdrop.c, volume/, caps.c).
declare -A SRCS=(
	[spec]="src/spec.c src/idnum.c"
	[passwd]="src/userdb.c src/gidlist.c src/sort.c src/idnum.c"
	[group]="src/userdb.c src/gidlist.c src/sort.c src/idnum.c"
	[resolve]="src/resolve.c src/userdb.c src/gidlist.c src/sort.c src/spec.c src/idnum.c src/sbuf.c"
)
declare -A MAXLEN=([spec]=4096 [passwd]=1048576 [group]=1048576 [resolve]=1048576)
CFLAGS="-std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-Wall -Wextra -Wconversion -Wsign-conversion -Wshadow -Werror -D_GNU_SOURCE -Isrc"

mkdir -p "$OUT" "$ART"

build() {
	local h=$1
	[ -n "${SRCS[$h]:-}" ] || { echo "fuzz.sh: no harness '$h'" >&2; exit 2; }
	# shellcheck disable=SC2086
	"$CLANG" $CFLAGS "tests/fuzz/fuzz_$h.c" ${SRCS[$h]} -o "$OUT/fuzz_$h"
}

# seed NAME FILE CONTENT: one hand-written seed
seed() { printf '%b' "$3" >"$OUT/corpus-$1/$2"; }

seed_corpora() {
	local d f p g
	for d in spec passwd group resolve; do mkdir -p "$OUT/corpus-$d"; done
	for s in app 10001 10001:10001 app:audio a:b:c 0 0:0 4294967294 \
		4294967295 +1 -1 ' 65534' 'a b' 'a,b' nobody:65534 ':g' 'u:' \
		'12345:wheel' 'first.last@corp'; do
		printf '%s' "$s" >"$OUT/corpus-spec/hand-$(printf '%s' "$s" | md5sum | cut -c1-12)"
	done
	seed spec long "$(head -c 256 /dev/zero | tr '\0' a):$(head -c 257 /dev/zero | tr '\0' b)"
	for f in "$FIX"/passwd.* "$FIX"/integration/passwd; do
		cp "$f" "$OUT/corpus-passwd/fix-${f//\//_}"
	done
	for f in "$FIX"/group.* "$FIX"/integration/group; do
		cp "$f" "$OUT/corpus-group/fix-${f//\//_}"
	done
	seed passwd hand-1 'a:x:1:2::/h:/bin/sh\nb:x:4294967294:0:::\n#c\n\n+\r\n'
	seed group hand-1 'g:x:1:a,b,,a\nh:x:2:a\ng:x:3:\n-x:x:4:a\r\n'
	# past the fd reader's first 4 KiB buffer: refills, moves, growth
	for p in passwd group; do
		{ for i in $(seq 1 300); do
			if [ $p = passwd ]; then echo "u$i:x:$i:$((i % 7))::/home/u$i:/bin/sh"
			else echo "g$i:x:$((i * 3 % 250)):u$i,app,u$((i + 1))"; fi
		done
		printf 'long:x:1:'; head -c 9000 /dev/zero | tr '\0' m; echo
		echo "app:x:10001:10001::/home/app:/bin/sh"; } >"$OUT/corpus-$p/hand-big"
	done
	# resolve: fixture pairs under a few specs, plus missing files
	for p in basic crlf messy nonl; do
		g=$FIX/group.$p
		for s in app 10001 10001:10001 app:audio good 12345 nobody 0 twice dup; do
			{ printf '%s\0\0' "$s"; cat "$FIX/passwd.$p"; printf '\0\0'; cat "$g"; } \
				>"$OUT/corpus-resolve/fix-$p-$s"
		done
	done
	seed resolve nofiles 'app'
	seed resolve nogroup '10001\0\0app:x:10001:10001::/home/app:/bin/sh\n'
	seed resolve numeric '10001:2000\0\0\0\0'
	# a passwd name over 256 bytes reached by uid; a group lists its
	# 256-byte prefix (commit 95d72fe: memberships used the prefix)
	long=$(head -c 300 /dev/zero | tr '\0' n)
	seed resolve longname "5000\\0\\0$long:x:5000:5000::/:/bin/sh\\n\\0\\0p:x:7:${long:0:256}\\nw:x:8:$long\\n"
	seed resolve dirs 'app\0\0/\0\0/'
	seed resolve dirgroup 'app\0\0app:x:1:2::/:/bin/sh\n\0\0/'
}

# run NAME: one libFuzzer run; its log is $OUT/NAME.log
run() {
	local h=$1
	"$OUT/fuzz_$h" "$OUT/corpus-$h" -dict="$OUT/nrexec.dict" \
		-max_total_time="$SECONDS_EACH" -max_len="${MAXLEN[$h]}" \
		-rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
		-artifact_prefix="$ART/$h-" >"$OUT/$h.log" 2>&1
}

for h in "${HARNESSES[@]}"; do build "$h"; done
seed_corpora
# libFuzzer's dictionary syntax: only \\, \" and \xNN escapes
cat >"$OUT/nrexec.dict" <<'EOF'
":"
","
"\x0a"
"\x0d\x0a"
"\x00\x00"
":x:"
"::"
"#"
"+"
"-"
"0"
"4294967294"
"4294967295"
"4294967296"
"18446744073709551616"
"/home/app"
"/bin/sh"
"root"
"app"
EOF
rm -f "$OUT"/*.rc
stamp=$OUT/.started
touch "$stamp"
sleep 1	# artifacts of this run are strictly newer than the stamp

running=0
for h in "${HARNESSES[@]}"; do
	if [ "$running" -ge "$JOBS" ]; then wait -n || true; running=$((running - 1)); fi
	echo "fuzz.sh: fuzz_$h for ${SECONDS_EACH}s (log $OUT/$h.log)"
	(if run "$h"; then echo 0; else echo $?; fi >"$OUT/$h.rc") &
	running=$((running + 1))
done
wait

status=0
total=0
printf '\n%-8s %14s %8s %9s\n' harness executions corpus findings
for h in "${HARNESSES[@]}"; do
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$OUT/$h.log" | tail -n 1)
	corpus=$(find "$OUT/corpus-$h" -type f | wc -l)
	found=$(find "$ART" -newer "$stamp" -type f \( -name "$h-crash-*" -o \
		-name "$h-leak-*" -o -name "$h-timeout-*" -o -name "$h-oom-*" \) | wc -l)
	rc=$(cat "$OUT/$h.rc" 2>/dev/null || echo 1)
	# a non-zero exit without an artifact (e.g. a harness that did not
	# start) is a finding too
	if [ "$rc" != 0 ] && [ "$found" = 0 ]; then found=1; fi
	[ "$found" = 0 ] || status=1
	total=$((total + ${execs:-0}))
	printf '%-8s %14s %8s %9s\n' "$h" "${execs:-?}" "$corpus" "$found"
done
printf '%-8s %14s\n' total "$total"
if [ "$status" != 0 ]; then
	echo "fuzz.sh: FINDINGS; see $ART/ and $OUT/*.log" >&2
	for h in "${HARNESSES[@]}"; do
		[ "$(cat "$OUT/$h.rc" 2>/dev/null || echo 1)" = 0 ] && continue
		# the sanitizer's verdict and the first frames in our code
		grep -m4 -E 'ERROR:|runtime error|in [^ ]+ [^ ]*(src|tests/fuzz)/' \
			"$OUT/$h.log" | sed "s/^/  $h: /" >&2 || true
	done
fi
exit "$status"
