#!/bin/bash
# Hostile /etc/passwd and /etc/group, against the real binary, as root:
#
#   NREXEC=/abs/path/to/nrexec bash tests/integration/hostile-files.sh
#
# Every file is generated here, at test time, under a temp dir, and
# bind-mounted over /etc/passwd or /etc/group (or a whole directory over
# /etc, for a FIFO, a directory or a symlink in the file's place) in a
# private mount namespace. Each case asserts the behaviour README.md
# documents in "How USER[:GROUP] is resolved" and runs under GNU time, so
# that every run is also checked against a time and memory bound; the big
# cases print what they measured.
set -u
# shellcheck source=../lib/tap.sh
. "$(dirname "$0")/../lib/tap.sh"
it_start nrexec-hostile
TIME=/usr/bin/time
SETPRIV=/usr/bin/setpriv
[ -x "$TIME" ] || { echo "FAILED: GNU time is needed (apt-get install time)" >&2; exit 1; }
: >"$tmp/time"; chmod 666 "$tmp/time"	# GNU time writes it as uid 65534 too
# shellcheck source=../lib/identity.sh
. "$here/../lib/identity.sh"	# inns PASSWD GROUP CMD...; field

# Bounds every run must meet unless a case says otherwise: measured on
# Debian 12 at 0.00-0.11 s and 0.4-5 MB (glibc and musl builds), 0.2-0.5 s
# for 100 MB. A case raises them with LIM_S/LIM_KB.
LIM_S_DEFAULT=2 LIM_KB_DEFAULT=8192

# inetc DIR CMD...: run CMD with DIR as the whole of /etc (for a FIFO, a
# directory or a symlink where the file should be).
inetc() {
	local d=$1; shift
	unshare -m --propagation private -- "$BB" sh -c '
		mount --bind "$1" /etc || exit 99; shift; exec "$@"' sh "$d" "$@"
}

# run HOW WHERE... -- NREXEC-ARGS...: HOW is inns or inetc, WHERE its file
# arguments. Sets out, err, code, secs, kb. With GUARD=1, busybox timeout
# guards against a read that would block (it execs nrexec in place, but
# its own footprint before the exec, ~1.4 MB, then counts in the peak RSS:
# so only for the FIFO and device cases). With NOBODY=1, nrexec starts as
# uid/gid 65534 (no DAC override: an unreadable file is unreadable).
run() {
	local how=$1 guard=() as=(); shift
	local where=()
	while [ "$1" != -- ]; do where+=("$1"); shift; done
	shift
	[ "${GUARD:-0}" = 1 ] && guard=("$BB" timeout 20)
	[ "${NOBODY:-0}" = 1 ] && as=("$SETPRIV" --reuid=65534 --regid=65534 --clear-groups)
	"$how" "${where[@]}" "${as[@]}" "$TIME" -o "$tmp/time" -f '%e %M' \
		"${guard[@]}" "$NREXEC" "$@" >"$tmp/out" 2>"$tmp/err"
	code=$?
	out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
	read -r secs kb < <(tail -n 1 "$tmp/time")
}

# within: the last run's time and memory against the bounds (LIM_S, LIM_KB)
within() {
	local s=${LIM_S:-$LIM_S_DEFAULT} k=${LIM_KB:-$LIM_KB_DEFAULT}
	awk -v t="$secs" -v s="$s" 'BEGIN { exit !(t + 0 < s + 0) }' ||
		bad+=("took $secs s, bound $s s")
	[ "${kb:-999999999}" -lt "$k" ] || bad+=("peak RSS $kb KB, bound $k KB")
}
report() {	# NAME: ok unless bad[] has entries
	if [ ${#bad[@]} = 0 ]; then ok "$1"; else not_ok "$1" "${bad[@]}"; fi
}
measured() { echo "# measured: $1: $secs s, peak RSS $kb KB"; }

# want_print NAME KEY=VALUE...: exit 0 and each line present in --print
want_print() {
	local name=$1 l; shift
	bad=()
	[ "$code" = 0 ] || bad+=("exit $code, want 0: $err")
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$out" || bad+=("no line '$l' in: $(tr '\n' ' ' <<<"$out")")
	done
	within; report "$name"
}
# want_fail NAME SUBSTRING...: exit 125, one "nrexec: " line holding each
want_fail() {
	local name=$1 s; shift
	bad=()
	[ "$code" = 125 ] || bad+=("exit $code, want 125: $err")
	[[ $err == "nrexec: "* ]] || bad+=("stderr lacks the 'nrexec: ' prefix: '$err'")
	[ "$(wc -l <<<"$err")" = 1 ] || bad+=("stderr is not one line: '$err'")
	for s in "$@"; do [[ $err == *"$s"* ]] || bad+=("stderr '$err' lacks '$s'"); done
	within; report "$name"
}
STATUS=("$BB" sh -c 'cat /proc/self/status; echo "HOME: $HOME"')

f=$tmp/f; mkdir "$f"
# the well-formed baseline the hostile files are mixed with
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:10001:10001:App:/home/app:/bin/sh\n' >"$f/passwd"
printf 'root:x:0:\napp:x:10001:\nextra:x:2000:app\nother:x:2001:bob,app\n' >"$f/group"
PW=$f/passwd GR=$f/group

# --- sanity: the baseline --------------------------------------------------
run inns "$PW" "$GR" -- --print app
want_print "baseline: app resolves" uid=10001 gid=10001 groups=10001,2000,2001 home=/home/app

# --- 100 MB files: one pass, bounded buffer ---------------------------------
# ~1.3 million well-formed lines, the user on the very last one
yes 'user:x:20000:20000:some gecos text to make the line longer:/home/user:/bin/sh' |
	head -c $((100 << 20)) >"$f/pw100"
printf '\napp:x:10001:10001::/home/app:/bin/sh\n' >>"$f/pw100"
run inns "$f/pw100" "$GR" -- --print app
measured "100 MB passwd, user on the last line, by name"
want_print "100 MB passwd, user on the last line: found (< 2 s, < 8 MB)" uid=10001 home=/home/app
run inns "$f/pw100" "$GR" -- --print 10001
measured "100 MB passwd, user on the last line, by uid"
want_print "100 MB passwd, by uid on the last line: found (< 2 s, < 8 MB)" user=app uid=10001
run inns "$f/pw100" "$GR" -- --print nosuch
measured "100 MB passwd, name absent"
want_fail "100 MB passwd, name absent: not found (< 2 s, < 8 MB)" "user 'nosuch' not found in /etc/passwd"
# past USERDB_FILE_MAX (256 MiB) reading stops: time stays bounded too
yes 'user:x:20000:20000:some gecos text to make the line longer:/home/user:/bin/sh' |
	head -c $((300 << 20)) >"$f/pw300"
printf 'app:x:10001:10001::/home/app:/bin/sh\n' >>"$f/pw300"
run inns "$f/pw300" "$GR" -- --print app
measured "300 MB passwd, user after the 256 MiB mark"
want_fail "300 MB passwd: 125 'larger than 256 MiB' (< 2 s, < 8 MB)" "cannot read /etc/passwd: larger than 256 MiB"
rm -f "$f/pw300"
# 300 MB of blank lines: refused by its size before any read (issue 11
# item 7: reading it line by line took 2.4 s)
head -c $((300 << 20)) /dev/zero | tr '\0' '\n' >"$f/pw300"
LIM_S=1 run inns "$f/pw300" "$GR" -- --print app
measured "300 MB of blank lines as passwd"
LIM_S=1 want_fail "300 MB of blank lines: 125 'larger than 256 MiB' at once (< 1 s), nothing read" \
	"cannot read /etc/passwd: larger than 256 MiB"
rm -f "$f/pw300"
out=$(inns "$f/pw100" "$GR" "$NREXEC" app "${STATUS[@]}" 2>&1)
[ "$(field Uid "$out")" = "10001 10001 10001 10001" ] && ok "100 MB passwd: the real drop runs as the last line's user" ||
	not_ok "100 MB passwd: the real drop" "$out"
rm -f "$f/pw100"

# the group file is always read to the end (memberships): 100 MB of it
yes 'grp:x:3000:alice,bob,carol,dave,erin,frank,grace,heidi,ivan,judy' | head -c $((100 << 20)) >"$f/gr100"
printf '\nextra:x:2000:app\n' >>"$f/gr100"
run inns "$PW" "$f/gr100" -- --print app
measured "100 MB group, membership on the last line"
want_print "100 MB group, membership on the last line: found (< 2 s, < 8 MB)" groups=10001,2000
rm -f "$f/gr100"

# 100 million empty lines: the per-line cost, worst case (~1.2 s measured)
yes '' | head -c $((100 << 20)) >"$f/nl100"
echo 'app:x:10001:10001::/home/app:/bin/sh' >>"$f/nl100"
LIM_S=5 run inns "$f/nl100" "$GR" -- --print app
measured "100 MB of empty lines (100 million lines), user last"
LIM_S=5 want_print "100 million empty lines: skipped, user found (< 5 s, < 8 MB)" uid=10001
rm -f "$f/nl100"

# 100 MB of NUL bytes: one 100 MB "line", refused at 16 MiB
head -c $((100 << 20)) /dev/zero >"$f/nul100"
LIM_KB=40960 run inns "$f/nul100" "$GR" -- --print 10001
measured "100 MB of NUL bytes"
LIM_KB=40960 want_fail "100 MB of NUL bytes, no newline: 125, line longer than 16 MiB (< 40 MB)" \
	"cannot read /etc/passwd: line 1 is longer than 16 MiB"
rm -f "$f/nul100"

# --- long lines ---------------------------------------------------------------
awk 'BEGIN { s = "x"; while (length(s) < 1048576) s = s s; printf "%s:x:5:5::/:/bin/sh\n", s }' >"$f/pw1m"
cat "$PW" >>"$f/pw1m"
run inns "$f/pw1m" "$GR" -- --print app
measured "passwd with a 1 MiB line first"
want_print "1 MiB line before the entry: skipped over, entry found" uid=10001

# exactly 16 MiB (the limit) is a line; one byte more is an error
head -c $((16 << 20)) /dev/zero | tr '\0' x >"$f/pw16m"
printf '\n' >>"$f/pw16m"; cat "$PW" >>"$f/pw16m"
LIM_KB=40960 run inns "$f/pw16m" "$GR" -- --print app
measured "passwd with a line of exactly 16 MiB"
LIM_KB=40960 want_print "a line of exactly 16 MiB is still read (< 40 MB)" uid=10001
{ head -c $((16 << 20)) /dev/zero | tr '\0' x; printf 'x\n'; cat "$PW"; } >"$f/pw16m1"
LIM_KB=40960 run inns "$f/pw16m1" "$GR" -- --print app
measured "passwd with a line of 16 MiB + 1"
LIM_KB=40960 want_fail "a line of 16 MiB + 1 byte: 125 naming the line (< 40 MB)" \
	"cannot read /etc/passwd: line 1 is longer than 16 MiB"
run inns "$f/pw16m1" "$GR" -- --print 10001:10001
LIM_KB=40960 want_fail "... also for a numeric USER:GROUP (passwd is still read for HOME)" "longer than 16 MiB"
# first match wins and the read stops there: a long line after the entry
# is never reached (the README's "is an error" holds for lines it reads)
{ cat "$PW"; head -c $((16 << 20)) /dev/zero | tr '\0' x; printf 'x\n'; } >"$f/pw-after"
run inns "$f/pw-after" "$GR" -- --print app
want_print "a 16 MiB+1 line after the matching entry is never read: found" uid=10001
# the group file is read to the end, so there it is always reached
{ cat "$GR"; head -c $((16 << 20)) /dev/zero | tr '\0' x; printf 'x\n'; } >"$f/gr-long"
LIM_KB=40960 run inns "$PW" "$f/gr-long" -- --print app
LIM_KB=40960 want_fail "a 16 MiB+1 line anywhere in /etc/group: 125" \
	"cannot read /etc/group: line 5 is longer than 16 MiB"
rm -f "$f"/pw16m* "$f/pw-after" "$f/gr-long" "$f/pw1m"

# --- 100,000 members in one group; the 65536-group limit ------------------------
awk 'BEGIN { printf "big:x:3000:"; for (i = 0; i < 100000; i++) printf "m%d,", i; print "app" }' >"$f/gr100k"
cat "$GR" >>"$f/gr100k"
run inns "$PW" "$f/gr100k" -- --print app
measured "one group with 100,001 members, app last"
want_print "100,000 members in one group, app last: member" groups=10001,2000,2001,3000
awk 'BEGIN { printf "big:x:3000:"; for (i = 0; i < 100000; i++) printf "app%d,", i; print "xapp" }' >"$f/gr100k-near"
run inns "$PW" "$f/gr100k-near" -- --print app
want_print "100,000 members named app0, app1…, xapp: app is not one of them" groups=10001
out=$(inns "$PW" "$f/gr100k" "$NREXEC" app "${STATUS[@]}" 2>&1)
[ "$(field Groups "$out")" = "2000 2001 3000 10001" ] && ok "100,000-member group: the kernel's list after the drop" ||
	not_ok "100,000-member group: Groups after the drop" "$(field Groups "$out") ${out:0:200}"

# app in 65535 other groups + its primary = 65536 (the kernel's NGROUPS_MAX)
awk 'BEGIN { for (i = 0; i < 65535; i++) printf "g%d:x:%d:app\n", i, 100000 + i }' >"$f/gr65535"
run inns "$PW" "$f/gr65535" -- --print app
measured "65535 memberships"
bad=(); [ "$code" = 0 ] || bad+=("exit $code: $err")
[ "$(grep '^groups=' <<<"$out" | tr ',' '\n' | wc -l)" = 65536 ] || bad+=("not 65536 groups")
within; report "65535 memberships + the primary = 65536 groups: accepted"
out=$(inns "$PW" "$f/gr65535" "$NREXEC" app "$BB" awk '$1 == "Groups:" { print NF - 1 }' /proc/self/status 2>&1)
[ "$out" = 65536 ] && ok "... and the kernel holds all 65536 after the drop" || not_ok "65536 groups after the drop" "${out:0:200}"
echo 'g65535:x:165535:app' >>"$f/gr65535"
run inns "$PW" "$f/gr65535" -- --print app
want_fail "65536 memberships + the primary: 125, over the kernel's limit" "is in more than 65536 groups"
run inns "$PW" "$f/gr65535" -- --print app:g7
want_print "... but app:g7 never reads the memberships: accepted" gid=100007 groups=100007
# the same few groups listed over and over: deduplicated, up to 16 × 65536
# listings held in memory (4 MiB); past that, refused
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "d%d:x:%d:app\n", i, 3000 + i % 10 }' >"$f/grdup"
run inns "$PW" "$f/grdup" -- --print app
want_print "200,000 listings of 10 distinct groups: deduplicated" \
	groups=10001,3000,3001,3002,3003,3004,3005,3006,3007,3008,3009
yes 'd:x:3000:app' | head -n $((16 * 65536 + 1)) >"$f/grdup"
run inns "$PW" "$f/grdup" -- --print app
measured "1,048,577 listings of one group"
want_fail "1,048,577 listings of the same group: 125, 'listed in too many groups' (bounded)" \
	"listed in too many groups in /etc/group"
rm -f "$f"/gr100k* "$f/gr65535" "$f/grdup"

# --- line endings, NUL bytes ------------------------------------------------------
printf 'root:x:0:0::/root:/bin/sh\napp:x:10001:10001::/home/app:/bin/sh' >"$f/noeol-pw"
printf 'extra:x:2000:bob,app' >"$f/noeol-gr"
run inns "$f/noeol-pw" "$f/noeol-gr" -- --print app
want_print "last line without newline: read, in passwd and group" uid=10001 home=/home/app groups=10001,2000

printf 'root:x:0:0::/root:/bin/sh\r\napp:x:10001:10001::/home/app:/bin/sh\r\n' >"$f/crlf-pw"
printf 'extra:x:2000:bob,app\r\nthird:x:2002:app\r\n' >"$f/crlf-gr"
run inns "$f/crlf-pw" "$f/crlf-gr" -- --print app
want_print "CRLF files: the trailing \\r is ignored (home, last member)" home=/home/app groups=10001,2000,2002
out=$(inns "$f/crlf-pw" "$f/crlf-gr" "$NREXEC" app "${STATUS[@]}" 2>&1)
[ "$(field HOME "$out")|$(field Groups "$out")" = "/home/app|2000 2002 10001" ] &&
	ok "CRLF files: HOME and Groups of the running command" ||
	not_ok "CRLF files: HOME and Groups of the running command" "$(field HOME "$out" | od -c | head -2)"
printf 'extra:x:2000:app\r\r\nother:x:2001:app\r\n' >"$f/crcr"
run inns "$PW" "$f/crcr" -- --print app
want_print "only one trailing \\r is removed: member 'app\\r' is not app" groups=10001,2001
printf 'ap\0p:x:0:0::/root:/bin/sh\napp:x:10001:10001::/home/app:/bin/sh\n' >"$f/nul-name"
run inns "$f/nul-name" "$GR" -- --print app
want_print "NUL byte in a name: that line skipped, the next entry found" uid=10001
printf 'app:x:10001:10001::/home/\0evil:/bin/sh\napp:x:10002:10002::/home/app2:/bin/sh\n' >"$f/nul-home"
run inns "$f/nul-home" "$GR" -- --print app
want_print "NUL byte anywhere in the line: the whole line skipped (not cut at the NUL)" uid=10002 home=/home/app2
# cut at the NUL, this line would be a complete 7-field entry
printf 'app:x:0:0::/root:/bin/sh\0:x:10001\napp:x:10001:10001::/home/app:/bin/sh\n' >"$f/nul-tail"
run inns "$f/nul-tail" "$GR" -- --print app
want_print "NUL byte after a complete entry: the line skipped, not read as uid 0" uid=10001 home=/home/app
printf 'extra:x:2000:bob\0,app\nother:x:2001:app\n' >"$f/nul-gr"
run inns "$PW" "$f/nul-gr" -- --print app
want_print "NUL byte in a group line: its members are ignored" groups=10001,2001
: >"$f/empty"
run inns "$f/empty" "$f/empty" -- --print 10001
want_print "empty files: a uid resolves as without an entry" user= gid=10001 home=/
run inns "$f/empty" "$f/empty" -- --print app
want_fail "empty files: a name is not found" "user 'app' not found in /etc/passwd"

# --- ids: negative, overflowing, out of range, odd spellings ----------------------
cat >"$f/ids" <<'EOF'
neg:x:-1:10001::/n:/bin/sh
negg:x:10001:-1::/n:/bin/sh
wrap:x:4294967296:10001::/w:/bin/sh
wrapg:x:10001:4294967296::/w:/bin/sh
wrap1:x:4294967297:10001::/w:/bin/sh
minus1:x:4294967295:10001::/m:/bin/sh
huge:x:99999999999999999999999999:10001::/h:/bin/sh
plus:x:+10001:10001::/p:/bin/sh
space:x: 10001:10001::/s:/bin/sh
trail:x:10001 :10001::/s:/bin/sh
emptyid:x::10001::/e:/bin/sh
hex:x:0x2711:10001::/x:/bin/sh
max:x:4294967294:4294967294::/max:/bin/sh
zeros:x:00010003:010003::/z:/bin/sh
app:x:10001:10001::/home/app:/bin/sh
EOF
for u in neg negg wrap wrapg wrap1 minus1 huge plus space trail emptyid hex; do
	run inns "$f/ids" "$GR" -- --print "$u"
	want_fail "passwd id not in 0…4294967294 ('$(grep "^$u:" "$f/ids" | cut -d: -f3-4)'): line skipped, '$u' not found" \
		"user '$u' not found"
done
run inns "$f/ids" "$GR" -- --print --allow-root 0
want_print "uid 0 has no entry although 4294967296 (2^32) is on a line: wrap-around never maps to root" \
	user= uid=0 gid=0 home=/
run inns "$f/ids" "$GR" -- --print 1
want_print "… nor 4294967297 to uid 1" user= uid=1
run inns "$f/ids" "$GR" -- --print max
want_print "4294967294, the largest id, is accepted" uid=4294967294 gid=4294967294
run inns "$f/ids" "$GR" -- --print zeros
want_print "leading zeros: decimal, not octal (00010003 = 10003)" uid=10003 gid=10003
out=$(inns "$f/ids" "$GR" "$NREXEC" wrap "${STATUS[@]}" 2>&1); code=$?
[ $code = 125 ] && [ -z "$(field Uid "$out")" ] && ok "the real run for 'wrap' (uid 2^32): 125, nothing executed as uid 0" ||
	not_ok "the real run for 'wrap'" "$code ${out:0:300}"

cat >"$f/ids-gr" <<'EOF'
wrap:x:4294967296:app
neg:x:-1:app
minus1:x:4294967295:app
hex:x:0x10:app
extra:x:2000:app
EOF
run inns "$PW" "$f/ids-gr" -- --print app
want_print "group ids out of range: those lines skipped, never gid 0" groups=10001,2000
for g in wrap neg minus1 hex; do
	run inns "$PW" "$f/ids-gr" -- --print "app:$g"
	want_fail "app:$g with an out-of-range gid line: group not found" "group '$g' not found in /etc/group"
done
out=$(inns "$PW" "$f/ids-gr" "$NREXEC" app "${STATUS[@]}" 2>&1)
[ "$(field Groups "$out")" = "2000 10001" ] && ok "the real run: Groups holds no 0" ||
	not_ok "the real run: Groups holds no 0" "$(field Groups "$out") ${out:0:200}"

# --- duplicates, digit names, field counts, empty names ---------------------------
cat >"$f/dup" <<'EOF'
dup:x:10010:10010::/first:/bin/sh
dup:x:0:0::/root:/bin/sh
alias:x:10010:10011::/alias:/bin/sh
10020:x:10021:10021::/digits:/bin/sh
six:x:10030:10030::/six
eight:x:10031:10031::/e:/bin/sh:extra
:x:10040:10040::/noname:/bin/sh
EOF
cat >"$f/dup-gr" <<'EOF'
team:x:3000:dup
team:x:0:dup
3100:x:3200:dup
digits:x:3300:10020
EOF
run inns "$f/dup" "$f/dup-gr" -- --print dup
want_print "duplicate name, second with uid 0: the first wins" uid=10010 gid=10010 home=/first
run inns "$f/dup" "$f/dup-gr" -- --print 10010
want_print "duplicate uid under two names: the first entry (name, gid, home) wins" user=dup gid=10010 home=/first
run inns "$f/dup" "$f/dup-gr" -- --print dup:team
want_print "duplicate group name, second with gid 0: the first wins" gid=3000 groups=3000
run inns "$f/dup" "$f/dup-gr" -- --print dup
want_print "… though both lines list dup, so both are memberships (as initgroups)" groups=10010,0,3000,3200
run inns "$f/dup" "$f/dup-gr" -- --print 10020
want_print "an all-digit spec is a uid, never the user named '10020'" user= uid=10020 gid=10020 home=/
run inns "$f/dup" "$f/dup-gr" -- --print 10021
want_print "… that user is reached by its uid, with its memberships" user=10020 uid=10021 groups=10021,3300
run inns "$f/dup" "$f/dup-gr" -- --print dup:3100
want_print "an all-digit group is a gid as-is, never the group named '3100'" gid=3100 groups=3100
run inns "$f/dup" "$f/dup-gr" -- --print six
want_fail "passwd line with 6 fields: skipped" "user 'six' not found"
run inns "$f/dup" "$f/dup-gr" -- --print eight
want_fail "passwd line with 8 fields: skipped" "user 'eight' not found"
run inns "$f/dup" "$f/dup-gr" -- --print 10040
want_print "empty name: line skipped (uid 10040 has no entry)" user= uid=10040 home=/
printf 'team:x:3000\nteam2:x:3001:dup:x\nok:x:3002:dup\n' >"$f/gr-fields"
run inns "$f/dup" "$f/gr-fields" -- --print dup
want_print "group lines with 3 or 5 fields: skipped" groups=10010,3002

# --- NIS compat lines --------------------------------------------------------------
cat >"$f/nis" <<'EOF'
+app:x:0:0::/root:/bin/sh
-app:x:0:0::/root:/bin/sh
+@admins:x:0:0::/root:/bin/sh
+
-
+::::::
app:x:10001:10001::/home/app:/bin/sh
EOF
printf '+:::\n+extra:x:0:app\n-other:x:0:app\n+@ng:x:0:app\nextra:x:2000:app\n' >"$f/nis-gr"
run inns "$f/nis" "$f/nis-gr" -- --print app
want_print "NIS +/- lines (with uid 0) skipped in both files" uid=10001 gid=10001 groups=10001,2000
out=$(inns "$f/nis" "$f/nis-gr" "$NREXEC" app "${STATUS[@]}" 2>&1)
[ "$(field Uid "$out")|$(field Groups "$out")" = "10001 10001 10001 10001|2000 10001" ] &&
	ok "NIS lines: the real run is uid 10001 with groups 2000 10001" ||
	not_ok "NIS lines: the real run" "${out:0:300}"
printf '+app:x:10050:10050::/nis:/bin/sh\n' >"$f/nis-only"
run inns "$f/nis-only" "$GR" -- --print 10050
want_print "a +name line is not an entry even when its fields parse" user= uid=10050 home=/

# --- not a regular file -------------------------------------------------------------
mkdir "$f/etc-fifo" "$f/etc-dir" "$f/etc-zero" "$f/etc-dangling"
cp "$GR" "$f/etc-fifo/group"; mkfifo "$f/etc-fifo/passwd"
cp "$GR" "$f/etc-dir/group"; mkdir "$f/etc-dir/passwd"
cp "$GR" "$f/etc-zero/group"; ln -s /dev/zero "$f/etc-zero/passwd"
cp "$GR" "$f/etc-dangling/group"; ln -s /nonexistent "$f/etc-dangling/passwd"
for spec in app 10001:10001; do
	GUARD=1 run inetc "$f/etc-fifo" -- --print "$spec"
	want_fail "passwd is a FIFO (no writer), '$spec': 125 at once, no blocking" \
		"cannot read /etc/passwd" "not a regular file"
	GUARD=1 run inns /dev/zero "$GR" -- --print "$spec"
	want_fail "passwd is /dev/zero, '$spec': 125, no endless read" \
		"cannot read /etc/passwd" "not a regular file"
	GUARD=1 run inetc "$f/etc-zero" -- --print "$spec"
	want_fail "passwd is a symlink to /dev/zero, '$spec': 125" "cannot read /etc/passwd" "not a regular file"
	GUARD=1 run inetc "$f/etc-dir" -- --print "$spec"
	want_fail "passwd is a directory, '$spec': 125" "cannot read /etc/passwd: Is a directory"
done
# a FIFO that does have a writer which never writes must not block either
sleep 30 3<>"$f/etc-fifo/passwd" & holder=$!
GUARD=1 run inetc "$f/etc-fifo" -- --print app
kill $holder 2>/dev/null; wait $holder 2>/dev/null
want_fail "passwd is a FIFO with an idle writer: 125 at once" "not a regular file"
GUARD=1 run inetc "$f/etc-dangling" -- --print 10001
want_print "passwd is a dangling symlink: as missing, a uid resolves" user= uid=10001
GUARD=1 run inns "$PW" /dev/zero -- --print app
want_fail "group is /dev/zero and memberships are needed: 125" "cannot read /etc/group" "not a regular file"
GUARD=1 run inns "$PW" /dev/zero -- --print app:2000
want_print "group is /dev/zero but USER:gid never reads it: accepted" gid=2000 groups=2000
GUARD=1 run inns "$PW" /dev/null -- --print app
want_fail "group is /dev/null (a character device, though empty): 125" "not a regular file"

# --- unreadable files --------------------------------------------------------------
cp "$PW" "$f/pw000"; cp "$GR" "$f/gr000"; chmod 000 "$f/pw000" "$f/gr000"
run inns "$f/pw000" "$GR" -- --print app
want_print "mode 000 passwd, started as root: read anyway (CAP_DAC_OVERRIDE)" uid=10001
NOBODY=1 run inns "$f/pw000" "$GR" -- --print app
want_fail "mode 000 passwd, started as uid 65534, 'app': 125 Permission denied" \
	"cannot read /etc/passwd: Permission denied"
# Started non-root, nrexec changes no id: a numeric target needs no entry,
# so a passwd it may not read counts as missing (podman --user creates a
# mode 0600 /etc/passwd in an image without one)
NOBODY=1 run inns "$f/pw000" "$GR" -- --print 10001
want_print "mode 000 passwd, uid 65534, '10001': read as missing (gid = uid)" uid=10001 gid=10001 home=/
NOBODY=1 run inns "$f/pw000" "$f/gr000" -- 65534:65534 "${STATUS[@]}"
bad=(); [ "$code" = 0 ] || bad+=("exit $code, want 0: $err")
[ "$(field Uid "$out")" = "65534	65534	65534	65534" ] || [ "$(field Uid "$out")" = "65534 65534 65534 65534" ] ||
	bad+=("Uid: $(field Uid "$out")")
within; report "mode 000 passwd and group, started as 65534:65534, target 65534:65534: passthrough runs"
NOBODY=1 run inns "$PW" "$f/gr000" -- --print app
want_fail "mode 000 group, started as uid 65534, memberships needed: 125 Permission denied" \
	"cannot read /etc/group: Permission denied"
NOBODY=1 run inns "$PW" "$f/gr000" -- --print app:2000
want_print "mode 000 group, uid 65534, app:2000 (group not read): accepted" gid=2000

# --- a home too long for the environment ----------------------------------------------
awk 'BEGIN { s = "h"; while (length(s) < 200000) s = s s; printf "app:x:10001:10001::/%s:/bin/sh\n", s }' >"$f/longhome"
run inns "$f/longhome" "$GR" -- --print app
bad=(); [ "$code" = 0 ] || bad+=("exit $code: $err")
[ "$(grep '^home=' <<<"$out" | wc -c)" -gt 200000 ] || bad+=("home line not printed whole")
within; report "--print prints a 256 KiB home whole"
rm -f "$tmp/ran"
run inns "$f/longhome" "$GR" -- app "$BB" touch "$tmp/ran"
bad=(); [ "$code" = 126 ] || bad+=("exit $code, want 126")
[[ $err == *"Argument list too long"* ]] || bad+=("stderr: $err")
[ ! -e "$tmp/ran" ] || bad+=("the command ran")
within; report "home over 128 KiB: HOME does not fit execve, 126 'Argument list too long', not run"

tap_end
