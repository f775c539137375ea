#!/usr/bin/env bash
# Attacks on --chown, run against the real binary as root.
#
#   NREXEC=/abs/path/to/nrexec bash tests/integration/chown-attacks.sh
#
# Every case plants something in a tree and checks that files outside the
# tree (the "sentinels") keep their owner root:root and mode, and that
# nrexec exits as documented: 0 when the fixups succeed (what it refused is
# reported as skipped), 125 with an "nrexec: " message when it fails.
# RACE_RUNS (default 1000) sets the nrexec runs of each race case;
# NESTED_RUNS (30) and EXT4_RUNS (30) those of the nested-PATH and the
# 1-second-timestamp races, whose windows are widened (strace, inotify).
set -u

: "${NREXEC:?set NREXEC to the absolute path of the nrexec binary}"
RACE_RUNS=${RACE_RUNS:-1000}
ID=10001:10001

if [ "$(id -u)" != 0 ]; then
	echo "SKIPPED: chown-attacks.sh needs root (it changes owners for real)" >&2
	exit 77
fi
case $NREXEC in /*) ;; *) echo "NREXEC must be an absolute path" >&2; exit 2 ;; esac

WORK=$(mktemp -d /tmp/nrexec-attacks.XXXXXX)
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
RACER_PID=
cleanup() {
	[ -n "$RACER_PID" ] && kill "$RACER_PID" 2>/dev/null && wait "$RACER_PID" 2>/dev/null
	for m in "$WORK"/*/alias; do mountpoint -q "$m" && umount "$m"; done
	rm -rf -- "$WORK"
}
trap cleanup EXIT

# shellcheck source=../lib/tap.sh
. "$ROOT/tests/lib/tap.sh"

# A case the machine cannot set up (no loop device, no overlayfs over this
# /tmp: a container's): a loud SKIP with the reason, or a failure where
# NREXEC_REQUIRE_MOUNTS=1 (CI, .ci/run) says it must run.
skip_or_fail() {
	if [ "${NREXEC_REQUIRE_MOUNTS:-}" = 1 ]; then
		not_ok "$1" "$2 (NREXEC_REQUIRE_MOUNTS=1: required here)"
	else
		skip "$1" "$2"
	fi
}

owner() { stat -c %u:%g -- "$1"; }
mode() { stat -c %a -- "$1"; }

# A fresh case directory: $C/tree (walked) and $C/out (must not change).
new_case() {
	C=$WORK/$1
	mkdir -p "$C/tree" "$C/out"
	echo secret >"$C/out/sentinel"
	chmod 640 "$C/out/sentinel"
}

# Fails the case unless every path given is still root:root (and the
# sentinel file keeps mode 640).
sentinels_intact() {
	local p
	for p in "$@"; do
		[ "$(owner "$p")" = 0:0 ] || { why="$p is now $(owner "$p")"; return 1; }
	done
	[ "$(mode "$C/out/sentinel")" = 640 ] || { why="sentinel mode $(mode "$C/out/sentinel")"; return 1; }
	return 0
}

# run ARGS...: runs nrexec, sets $rc and $err (its stderr).
run() {
	err=$("$NREXEC" "$@" 2>&1 >/dev/null)
	rc=$?
}

expect() { # NAME, then: rc wanted, a condition already evaluated into $why
	local name=$1 want=$2
	if [ "$rc" != "$want" ]; then
		not_ok "$name" "exit $rc, want $want" "stderr: $err"
	elif [ -n "${why:-}" ]; then
		not_ok "$name" "$why" "stderr: $err"
	else
		ok "$name"
	fi
	why=
}

# ---- static attacks ----

case_baseline() {
	new_case baseline
	mkdir -p "$C/tree/a/b" && touch "$C/tree/a/b/f" "$C/tree/x"
	run -v --chown "$C/tree" $ID
	why=
	[ "$(owner "$C/tree/a/b/f")" = $ID ] || why="tree/a/b/f not changed"
	[[ $err =~ ^nrexec:\ chown\ .*/tree:\ 5\ seen,\ 5\ changed,\ 0\ skipped ]] || why="-v line: $err"
	expect "baseline: tree changed, -v summary" 0
}

case_symlink_file() {
	new_case symlink-file
	ln -s "$C/out/sentinel" "$C/tree/link"
	ln -s ../out/sentinel "$C/tree/rel-link"
	run --chown "$C/tree" $ID
	why=
	sentinels_intact "$C/out/sentinel" || true
	[ "$(owner "$C/tree/link")" = $ID ] || why="the link itself was not changed"
	expect "symlink to an outside file: link changed, target not" 0
}

case_symlink_dir() {
	new_case symlink-dir
	mkdir "$C/out/dir" && touch "$C/out/dir/inner"
	ln -s "$C/out/dir" "$C/tree/to-dir"
	ln -s / "$C/tree/to-root"
	run --chown "$C/tree" $ID
	why=
	sentinels_intact "$C/out/sentinel" "$C/out/dir" "$C/out/dir/inner" "$C/out" || true
	expect "symlink to an outside directory is not entered" 0
}

case_symlink_component() {
	new_case symlink-component
	mkdir -p "$C/out/b" && touch "$C/out/b/file"
	mkdir -p "$C/tree/real/b"
	ln -s "$C/out" "$C/tree/a" # tree/a/b/file would be out/b/file
	run --chown "$C/tree" $ID
	why=
	sentinels_intact "$C/out/b" "$C/out/b/file" || true
	[ "$(owner "$C/tree/real/b")" = $ID ] || why="tree/real/b not changed"
	expect "symlink as a directory component is not followed" 0
}

case_hardlink_outside() {
	new_case hardlink-outside
	ln "$C/out/sentinel" "$C/tree/innocent"
	touch "$C/tree/plain"
	sleep 1 # links changed in the second nrexec starts in are refused anyway
	run -v --chown "$C/tree" $ID
	why=
	sentinels_intact "$C/out/sentinel" || true
	[ "$(owner "$C/tree/plain")" = $ID ] || why="tree/plain not changed"
	[[ $err == *" 1 skipped"* ]] || why="not reported as skipped: $err"
	expect "hard link to an outside file is skipped and reported" 0
}

case_hardlink_setuid() {
	new_case hardlink-setuid
	cp /bin/true "$C/out/su-tool" && chmod 4755 "$C/out/su-tool"
	ln "$C/out/su-tool" "$C/tree/tool"
	sleep 1
	run --chown "$C/tree" $ID
	why=
	sentinels_intact "$C/out/su-tool" || true
	[ "$(mode "$C/out/su-tool")" = 4755 ] || why="setuid bit lost on the outside file"
	expect "hard link to an outside setuid binary is skipped" 0
}

case_hardlink_inside() {
	new_case hardlink-inside
	mkdir "$C/tree/d1" "$C/tree/d2"
	touch "$C/tree/d1/f" && ln "$C/tree/d1/f" "$C/tree/d2/f"
	sleep 1 # a link made in the second nrexec starts in is left alone
	run --chown "$C/tree" $ID
	why=
	[ "$(owner "$C/tree/d2/f")" = $ID ] || why="a file whose links are all inside was not changed"
	expect "hard links all inside the tree are changed" 0
}

case_bind_mount() {
	new_case bind-mount
	mkdir "$C/out/etc" "$C/tree/etc" && touch "$C/out/etc/passwd" "$C/tree/passwd"
	touch "$C/out/etc/shadow"
	local log=$C/log
	# a private mount namespace: the mounts vanish with it
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private bash -c '
		mount --bind "$1/out/etc" "$1/tree/etc" &&
		mount --bind "$1/out/etc/shadow" "$1/tree/passwd" &&
		"$2" -v --chown "$1/tree" "$4" 2>"$3"' _ "$C" "$NREXEC" "$log" $ID
	rc=$?
	err=$(cat "$log")
	why=
	sentinels_intact "$C/out/etc" "$C/out/etc/passwd" "$C/out/etc/shadow" || true
	[[ $err == *" 2 skipped"* ]] || why="mount points not reported as skipped: $err"
	expect "bind mounts (same filesystem) below PATH are not entered or changed" 0
}

case_read_only() {
	new_case read-only
	mkdir "$C/ro" && touch "$C/tree/f"
	local log=$C/log
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private bash -c '
		mount --bind "$1/tree" "$1/ro" && mount -o remount,bind,ro "$1/ro" &&
		"$2" --chown "$1/ro" "$4" 2>"$3"' _ "$C" "$NREXEC" "$log" $ID
	rc=$?
	err=$(cat "$log")
	why=
	[[ $err == "nrexec: chown '$C/ro/f': cannot change owner: Read-only file system" ]] ||
		why="message: $err"
	expect "read-only volume: exit 125 naming the entry" 125
}

case_missing() {
	new_case missing
	run --chown "$C/tree" --chown "$C/nope" $ID
	why=
	[[ $err == "nrexec: chown '$C/nope': cannot open: No such file or directory" ]] || why="message: $err"
	[ "$(owner "$C/tree")" = 0:0 ] || why="first PATH changed although the second is missing"
	expect "missing PATH: exit 125, nothing changed" 125
}

case_fifo_and_devices() {
	new_case fifo
	mkfifo "$C/tree/fifo"
	mknod "$C/tree/null" c 1 3
	mkdir "$C/tree/locked" && touch "$C/tree/locked/f" && chmod 000 "$C/tree/locked"
	err=$(timeout 10 "$NREXEC" --chown "$C/tree" $ID 2>&1)
	rc=$?
	why=
	[ "$(owner "$C/tree/fifo")" = $ID ] || why="fifo not changed"
	[ "$(owner "$C/tree/locked/f")" = $ID ] || why="file in a mode-000 directory not changed"
	[ "$(owner /dev/null)" = 0:0 ] || why="/dev/null changed!"
	[ "$(owner "$C/tree/null")" = 0:0 ] || why="device node given away"
	[[ $err == *"left 1 device node(s) alone"* ]] || why="device skip not reported: $err"
	expect "fifo (no blocking open), device node left alone and reported, mode-000 directory" 0
}

case_root_mismatch() {
	new_case root-mismatch
	touch "$C/tree/f" && chown $ID "$C/tree"
	run --chown-if-root-mismatch --chown "$C/tree" $ID
	why=
	[ "$(owner "$C/tree/f")" = 0:0 ] || why="walk happened although PATH was already owned"
	expect "--chown-if-root-mismatch skips a PATH already owned" 0
}

case_refuse_root() {
	new_case refuse-root
	run --chown / $ID
	why=
	[[ $err == "nrexec: chown '/': refusing to give away the root directory" ]] || why="message: $err"
	[ "$(owner /etc/passwd)" = 0:0 ] || why="/etc/passwd changed!"
	expect "--chown / is refused" 125
}

# pad DIR: 60 directories of 40 files below DIR (2,460 entries), so the walk
# is big enough for helper threads (VOL_SPAWN_AFTER in src/volume.h).
pad() {
	local d
	for d in $(seq -w 1 60); do
		mkdir "$1/pad$d"
		(cd "$1/pad$d" && touch $(seq -f f%02g 1 40))
	done
}

# Threads are used when the process may run on more than one CPU.
threads_expected() { [ "$(nproc)" -gt 1 ]; }

case_wide_tree() {
	new_case wide
	pad "$C/tree"
	mkdir -p "$C/out/dir" "$C/tree/pad30/deep/er"
	ln -s "$C/out/dir" "$C/tree/pad10/to-dir"
	ln -s "$C/out" "$C/tree/pad20/a"
	ln "$C/out/sentinel" "$C/tree/pad30/deep/er/innocent"
	mkdir "$C/tree/pad40/d1" "$C/tree/pad50/d2"
	touch "$C/tree/pad40/d1/twin" && ln "$C/tree/pad40/d1/twin" "$C/tree/pad50/d2/twin"
	mknod "$C/tree/pad45/disk" b 7 200
	sleep 1
	run -v --chown "$C/tree" $ID
	why=
	sentinels_intact "$C/out/sentinel" "$C/out/dir" "$C/out" || true
	[ "$(owner "$C/tree/pad50/d2/twin")" = $ID ] || why="twin links (both inside) not changed"
	[ "$(owner "$C/tree/pad45/disk")" = 0:0 ] || why="device node given away"
	[ "$(owner "$C/tree/pad10/to-dir")" = $ID ] || why="symlink itself not changed"
	[[ $err == *" 2 skipped (0 mount points, 1 hard links, 1 devices)"* ]] || why="-v line: $err"
	if threads_expected; then
		[[ $err == *" threads" ]] || why="no helper threads in a 2,500-entry walk: $err"
	fi
	expect "big tree, walked by several threads: links, devices, symlinks as in a small one" 0
	# a second run finds everything owned: nothing written
	rc=0
	why=
	err=$(strace -f -qq -c -e trace=fchownat,fchown,chown,lchown "$NREXEC" --chown "$C/tree" $ID 2>&1 >/dev/null) || rc=$?
	[[ $err == *fchownat* ]] && why="chown calls on an already-owned tree: $err"
	expect "big tree, second run: no chown call" 0
}

# ---- races: the target user keeps swapping things in the tree ----
# (in a directory that only root can write nobody else can swap a name, and
# nrexec changes entries there by name; see is_sealed in src/volume/walk.c)

# tests/lib/racer.c, built by tests/tests.mk with the product's warnings
build_racer() {
	make -s -C "$ROOT" build/testlib/racer >&2 && RACER=$ROOT/build/testlib/racer
}

# race NAME TREE: runs nrexec RACE_RUNS times while the racer runs.
race() {
	local name=$1 tree=$2 i c0=0 c125=0 other=0 bad_msg=0
	: >"$C/race.err"
	for ((i = 0; i < RACE_RUNS; i++)); do
		"$NREXEC" --chown "$tree" $ID 2>>"$C/race.err"
		case $? in 0) c0=$((c0 + 1)) ;; 125) c125=$((c125 + 1)) ;; *) other=$((other + 1)) ;; esac
	done
	kill "$RACER_PID" && wait "$RACER_PID" 2>/dev/null
	RACER_PID=
	# failures ("nrexec: chown 'PATH/entry': cause") and notices about
	# skipped hard links are expected; anything else is not
	bad_msg=$(grep -cv "^nrexec: chown " "$C/race.err")
	echo "# $name: $RACE_RUNS runs: $c0 exit 0, $c125 exit 125, $other other"
	sed -e "s/^nrexec: chown [^:]*: //" "$C/race.err" | sort | uniq -c | sed 's/^/#   /'
	rc=0
	why=
	[ "$other" = 0 ] || why="$other runs exited neither 0 nor 125"
	[ "$bad_msg" = 0 ] || why="$bad_msg unexpected stderr lines"
	expect "$name" 0
}

# race_dir_symlink CASE RUNS LABEL [pad]: the target user swaps tree/x (a
# directory being walked) with tree/y (a symlink to outside) while nrexec
# runs RUNS times; "pad" makes the tree big enough for helper threads.
race_dir_symlink() {
	new_case "$1"
	mkdir -p "$C/out/d" && touch "$C/out/d/f1" "$C/out/d/f2"
	[ "${4:-}" = pad ] && pad "$C/tree"
	mkdir -p "$C/tree/x/sub"
	for f in 1 2 3 4 5 6 7 8; do touch "$C/tree/x/f$f" "$C/tree/x/sub/g$f"; done
	ln -s "$C/out/d" "$C/tree/y"
	chown $ID "$C/tree" # the attacker can rename in it (root-owned: it could not)
	"$RACER" "$C/tree" x y -d "$C/tree/x" -d "$C/tree/x/sub" &
	RACER_PID=$!
	local runs=$RACE_RUNS
	RACE_RUNS=$2
	race "race: directory swapped with a symlink to outside$3" "$C/tree"
	RACE_RUNS=$runs
	why=
	sentinels_intact "$C/out" "$C/out/d" "$C/out/d/f1" "$C/out/d/f2" "$C/out/sentinel" ||
		not_ok "race dir/symlink$3: outside files untouched" "$why"
	[ -z "$why" ] && ok "race dir/symlink$3: outside files untouched"
}

case_race_deep_move() {
	new_case race-deep
	mkdir -p "$C/out/d" && touch "$C/out/d/f1"
	mkdir -p "$C/tree/p1" "$C/tree/p2"
	local deep=$C/tree/p1/d i
	mkdir "$deep"
	local cur=$deep
	for ((i = 0; i < 40; i++)); do cur=$cur/n; mkdir "$cur"; touch "$cur/f"; done
	ln -s "$C/out/d" "$C/tree/p2/d"
	chown $ID "$C/tree/p1" "$C/tree/p2"
	# moves the 40-deep chain between two parents: ".." then lies
	"$RACER" "$C/tree" p1/d p2/d -d "$cur" &
	RACER_PID=$!
	race "race: deep directory moved between parents (fd window, \"..\")" "$C/tree"
	why=
	sentinels_intact "$C/out" "$C/out/d" "$C/out/d/f1" ||
		not_ok "race deep move: outside files untouched" "$why"
	[ -z "$why" ] && ok "race deep move: outside files untouched"
}

case_race_hardlink() {
	new_case race-hardlink
	echo plain >"$C/tree/h"
	ln "$C/out/sentinel" "$C/tree/.h2"
	chown $ID "$C/tree"
	# both names stay inside the tree: the outside inode is met under two
	# names in one walk unless the ctime checks catch the rename
	"$RACER" "$C/tree" h .h2 "$C/tree/h" &
	RACER_PID=$!
	race "race: hard link to outside renamed around the walk" "$C/tree"
	why=
	sentinels_intact "$C/out/sentinel" ||
		not_ok "race hard link: outside file untouched" "$why"
	[ -z "$why" ] && ok "race hard link: outside file untouched"
}

# ---- issue 11 items 2-4: nested PATHs, 1-second timestamps, overlayfs ----

# strace_delay: a prefix that widens the window between a look-up and the
# change that follows it (every fchownat waits 3 ms in the kernel's entry
# path), so a race that needs luck on 2 CPUs happens in nearly every run.
strace_delay() {
	if command -v strace >/dev/null; then
		echo "strace -f -qq -o /dev/null -e trace=fchownat -e inject=fchownat:delay_enter=3000"
	fi
}

# race_nested KIND [bind]: --chown tree --chown tree/sub. The outer walk
# hands tree/sub to the target user; the target then swaps a root-owned
# bait file with KIND planted beside it (a hard link to an outside root
# file, or a block device node). A walk of tree/sub that still trusts the
# stat taken before the outer walk (root-owned, so "only root can rename
# here") changes the bait by name and hits whatever the name means by then.
# "bind": the inner PATH is tree/sub bind-mounted elsewhere, another mount,
# so it gets a walk of its own (nested PATHs on one mount are one walk).
race_nested() {
	local kind=$1 i handed=0 c0=0 c125=0 other=0 runs=${NESTED_RUNS:-30} victim delay
	local inner
	new_case "race-nested-$kind${2:+-$2}"
	mkdir "$C/tree/sub"
	inner=$C/tree/sub
	if [ "${2:-}" = bind ]; then
		inner=$C/alias
		mkdir "$inner" && mount --bind "$C/tree/sub" "$inner" || {
			not_ok "race: nested PATHs on a bind mount" "SKIPPED: cannot bind-mount"
			return
		}
	fi
	echo bait >"$C/tree/sub/x"
	if [ "$kind" = link ]; then
		ln "$C/out/sentinel" "$C/tree/sub/h"
		victim=$C/out/sentinel
	else
		mknod "$C/out/disk" b 7 201 # what the planted node stands for
		mknod "$C/tree/sub/h" b 7 201
		victim=dev
	fi
	sleep 1 # the planted link is old news by the time nrexec starts
	"$RACER" "$C/tree/sub" x h "$C/tree/sub/x" &
	RACER_PID=$!
	delay=$(strace_delay)
	: >"$C/race.err"
	for ((i = 0; i < runs; i++)); do
		chown 0:0 "$C/tree" "$C/tree/sub" # root's again: the outer walk must hand it over
		chmod 755 "$C/tree/sub"
		# shellcheck disable=SC2086 # $delay is a word list
		$delay "$NREXEC" --chown "$C/tree" --chown "$inner" $ID 2>>"$C/race.err"
		case $? in 0) c0=$((c0 + 1)) ;; 125) c125=$((c125 + 1)) ;; *) other=$((other + 1)) ;; esac
		if [ "$kind" = link ]; then
			[ "$(owner "$victim")" = 0:0 ] || { handed=$((handed + 1)); chown 0:0 "$victim"; }
		else
			local f
			for f in "$C/tree/sub/x" "$C/tree/sub/h"; do
				if [ -b "$f" ] && [ "$(owner "$f")" != 0:0 ]; then
					handed=$((handed + 1))
					chown 0:0 "$f"
				fi
			done
		fi
	done
	kill "$RACER_PID" && wait "$RACER_PID" 2>/dev/null
	RACER_PID=
	[ "$inner" = "$C/alias" ] && umount "$inner"
	echo "# nested PATHs${2:+ ($2)}, $kind: $runs runs${delay:+ (fchownat delayed by strace)}: $c0 exit 0, $c125 exit 125, $other other; handed over in $handed"
	rc=0
	why=
	[ "$other" = 0 ] || why="$other runs exited neither 0 nor 125"
	[ "$handed" = 0 ] || why="the planted $kind was handed to the target in $handed of $runs runs"
	err=$(sort "$C/race.err" | uniq -c | head -5)
	expect "race: nested --chown PATHs${2:+ ($2 mount)}, bait swapped for a planted $kind" 0
}

# race_ext4_seconds: a loop-mounted ext4 with 128-byte inodes keeps whole
# seconds only. The target user moves the one link of an outside root file
# between two of its directories during the walk (tests/lib/link-mover.c:
# into the directory listed first when the walk opens it, into the other
# one when the walk leaves it). A rename within the same second leaves
# ctime as it was, so a walk that trusts ctime counts the one link twice,
# believes both links are inside, and hands the file over.
race_ext4_seconds() {
	local runs=${EXT4_RUNS:-30} img=$WORK/ext4-128.img log=$WORK/ext4.log
	new_case ext4-seconds
	if ! command -v mkfs.ext4 >/dev/null; then
		not_ok "race: 1-second timestamps (ext4 -I 128)" "SKIPPED: no mkfs.ext4 (e2fsprogs)"
		return
	fi
	make -s -C "$ROOT" build/testlib/link-mover >&2 || {
		not_ok "race: 1-second timestamps (ext4 -I 128)" "cannot build tests/lib/link-mover.c"
		return
	}
	truncate -s 32M "$img" && mkfs.ext4 -q -F -I 128 "$img" >/dev/null 2>&1 || {
		not_ok "race: 1-second timestamps (ext4 -I 128)" "mkfs.ext4 -I 128 failed"
		return
	}
	# a private mount namespace: the mount and its loop device vanish with it
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private bash -c '
		set -u
		M=$1/mnt NREXEC=$2 MOVER=$3 runs=$4 ID=$5
		mkdir -p "$M" && mount -o loop "$6" "$M" || exit 3
		mkdir -p "$M/out" "$M/tree"
		echo secret >"$M/out/sentinel" && chmod 640 "$M/out/sentinel"
		[ "$(stat -c %z "$M/out/sentinel" | sed "s/.*\.\([0-9]*\) .*/\1/")" = 000000000 ] ||
			echo "WARNING: ctime has sub-second digits on this ext4" >&2
		# two directories, X listed first and Y with the lower inode number
		# (the link found there is the one changed after the walk)
		for k in $(seq 1 40); do
			mkdir "$M/tree/a$k" "$M/tree/b$k"
			set -- $(ls -U "$M/tree")
			X=$1 Y=$2
			[ "$(stat -c %i "$M/tree/$X")" -gt "$(stat -c %i "$M/tree/$Y")" ] && break
			rmdir "$M/tree/a$k" "$M/tree/b$k"
			X=
		done
		[ -n "$X" ] || exit 4
		for d in "$X" "$Y"; do (cd "$M/tree/$d" && seq -f f%03g 1 500 | xargs touch); done
		ln "$M/out/sentinel" "$M/tree/$X/l"
		echo decoy >"$M/tree/$Y/l"
		chown -R 10001:10001 "$M/tree/$X" "$M/tree/$Y"
		chown 0:0 "$M/tree/$X/l"
		sleep 1
		"$MOVER" "$M/tree" "$X" "$Y" l &
		mover=$!
		sleep 0.2
		handed=0 c0=0 c125=0 other=0
		for ((i = 0; i < runs; i++)); do
			"$NREXEC" --chown "$M/tree" "$ID" 2>/dev/null
			case $? in 0) c0=$((c0 + 1)) ;; 125) c125=$((c125 + 1)) ;; *) other=$((other + 1)) ;; esac
			if [ "$(stat -c %u:%g "$M/out/sentinel")" != 0:0 ]; then
				handed=$((handed + 1))
				chown 0:0 "$M/out/sentinel"
			fi
		done
		kill $mover; wait $mover 2>/dev/null
		echo "$handed $c0 $c125 $other"' _ "$C" "$NREXEC" "$ROOT/build/testlib/link-mover" "$runs" $ID "$img" >"$log" 2>&1
	rc=$?
	local handed c0 c125 other
	read -r handed c0 c125 other < <(tail -n 1 "$log")
	echo "# ext4 -I 128: $runs runs: ${c0:-?} exit 0, ${c125:-?} exit 125, ${other:-?} other; handed over in ${handed:-?}"
	why=
	err=$(head -3 "$log")
	if [ "$rc" = 3 ]; then
		skip_or_fail "race: 1-second timestamps (ext4 -I 128), one link moved during the walk" \
			"cannot loop-mount an ext4 image here: $(grep -m1 -i mount "$log")"
		return
	elif [ "$rc" != 0 ]; then
		why="could not set up the loop-mounted ext4 (rc $rc)"
		rc=0
	elif [ "$other" != 0 ]; then
		why="$other runs exited neither 0 nor 125"
	elif [ "$handed" != 0 ]; then
		why="the outside file was handed to the target in $handed of $runs runs"
	fi
	expect "race: 1-second timestamps (ext4 -I 128), one link moved during the walk" 0
}

# overlay_deep_wide: overlayfs lists a merged directory from a cache built
# when it is opened; copy-ups (every chown is one) make a re-opened
# directory list in another order, so a listing resumed by offset after a
# re-open skips entries. A 45-deep chain below a 10,000-entry directory
# pushes that directory out of the walk's fd window. Every entry must be
# owned afterwards, or the walk must fail with 125: never exit 0 with
# entries left.
overlay_deep_wide() {
	new_case overlay
	local L=$C/lower d i log=$C/log left
	mkdir -p "$L/wide" "$C/rw" "$C/merged"
	(cd "$L/wide" && seq -f f%05g 1 10000 | xargs touch)
	d=$L/wide/m0050
	for ((i = 1; i <= 45; i++)); do
		d=$d/n$i
		mkdir -p "$d" && touch "$d/a" "$d/b" "$d/z"
	done
	mkdir "$L/wide/m9000" && touch "$L/wide/m9000/f"
	# shellcheck disable=SC2016 # expanded by the inner shell
	unshare -m --propagation private bash -c '
		# upper and work on a tmpfs: overlayfs refuses an upper layer on
		# overlayfs (a container'"'"'s /tmp)
		mount -t tmpfs tmpfs "$1/rw" && mkdir "$1/rw/upper" "$1/rw/work" &&
		mount -t overlay overlay -o "lowerdir=$1/lower,upperdir=$1/rw/upper,workdir=$1/rw/work" "$1/merged" || exit 3
		"$2" -v --chown "$1/merged" "$3" 2>"$4"
		rc=$?
		echo "left $(find "$1/merged" ! -user 10001 | wc -l)" >>"$4"
		exit $rc' _ "$C" "$NREXEC" $ID "$log"
	rc=$?
	err=$(cat "$log")
	left=$(sed -n 's/^left //p' "$log")
	echo "# overlayfs, 45 deep below 10,000 entries: exit $rc, ${left:-?} entries not owned"
	why=
	if [ "$rc" = 3 ]; then
		skip_or_fail "overlayfs: 45-deep tree below a 10,000-entry directory, every entry owned or 125" \
			"cannot mount overlayfs here"
		return
	elif [ "$rc" = 0 ] && [ "$left" != 0 ]; then
		why="exit 0 with $left entries left root's"
	elif [ "$rc" = 125 ]; then
		[[ $err == nrexec:\ chown* ]] || why="exit 125 without a chown message"
		rc=0 # failing loudly is allowed
	fi
	expect "overlayfs: 45-deep tree below a 10,000-entry directory, every entry owned or 125" 0
}

# ---- --chown-create and --chown-mode (issue 12 item 7) ----

case_create() {
	new_case create
	run -v --chown-create --chown "$C/tree/pg" $ID
	why=
	[ "$(owner "$C/tree/pg")" = $ID ] || why="PATH not created or not given: $(ls -la "$C/tree" 2>&1)"
	[ "$(owner "$C/tree")" = 0:0 ] || why="the parent changed owner"
	[[ $err == *"/tree/pg (created): 1 seen, 1 changed"* ]] || why="-v line: $err"
	expect "--chown-create: PATH made and given, its parent left as it is" 0
	# a second start: PATH exists, nothing is created
	run -v --chown-create --chown "$C/tree/pg" $ID
	why=
	[[ $err == *"(created)"* ]] && why="created again: $err"
	expect "--chown-create: an existing PATH is used as it is" 0
	run --chown-create --chown "$C/tree/a/b/pg" $ID
	why=
	[ -e "$C/tree/a" ] && why="made a missing parent"
	[[ $err == "nrexec: chown '$C/tree/a/b/pg': cannot create: No such file or directory" ]] || why="message: $err"
	expect "--chown-create: a missing parent is an error (125), nothing made" 125
	# every PATH is checked before any is made: a later bad one leaves
	# an earlier missing one unmade
	mkdir "$C/tree/app" && chown $ID "$C/tree/app" && ln -s "$C/out" "$C/tree/app/data"
	for bad in "$C/tree/a/b/pg" "$C/tree/app/data"; do
		run --chown-create --chown "$C/tree/first" --chown "$bad" $ID
		why=
		[ -e "$C/tree/first" ] && why="made PATH 1 before refusing PATH 2 ($bad)"
		[[ $err == "nrexec: chown '$bad': "* ]] || why=${why:-"message: $err"}
		expect "--chown-create: PATH 2 refused ($(basename "$bad")): PATH 1 is not made (125)" 125
	done
}

case_create_symlinks() {
	new_case create-symlinks
	ln -s "$C/out/new" "$C/tree/dangling"      # PATH itself
	ln -s "$C/out/gone" "$C/tree/mid"          # a component below the existing part
	run --chown-create --chown "$C/tree/dangling" $ID
	why=
	[ -e "$C/out/new" ] && why="created at the symlink's target"
	[[ $err == "nrexec: chown '$C/tree/dangling': cannot create: "* ]] || why="message: $err"
	expect "--chown-create: a dangling symlink as PATH is not followed (125)" 125
	run --chown-create --chown "$C/tree/mid/sub" $ID
	why=
	[ -e "$C/out/gone" ] && why="created at the symlink's target"
	[[ $err == "nrexec: chown '$C/tree/mid/sub': cannot create: "* ]] || why="message: $err"
	expect "--chown-create: a dangling symlink as PATH's parent is not followed (125)" 125
}

# PATH below a directory the app owns (PGDATA below a postgres-owned
# directory): the app replaced PATH with a symlink to a root directory
# before the restart. Not followed; in a root-only directory the image
# author's symlink still is.
case_planted_top_symlink() {
	new_case planted-top
	mkdir "$C/tree/app" && chown $ID "$C/tree/app"
	ln -s "$C/out" "$C/tree/app/pgdata"
	for opts in "" "--chown-create --chown-mode 0700"; do
		# shellcheck disable=SC2086
		run $opts --chown "$C/tree/app/pgdata" $ID
		why=
		sentinels_intact "$C/out" "$C/out/sentinel" || true
		[ -z "$why" ] && [ "$(stat -c %a "$C/out")" != 700 ] || why=${why:-"mode set on the symlink's target"}
		[[ $err == *"'$C/tree/app/pgdata': a symlink in a directory not root's alone"* ]] || why=${why:-"message: $err"}
		expect "a symlink planted as PATH in an app-owned directory is not followed${opts:+ ($opts)} (125)" 125
	done
	ln -s "$C/out" "$C/tree/alias"
	run --chown "$C/tree/alias" $ID
	why=; [ "$(owner "$C/out")" = 10001:10001 ] || why="the author's symlink in a root-only directory was not followed"
	expect "... while a symlink as PATH in a root-only directory is followed" 0
}

case_mode() {
	new_case mode
	mkdir "$C/tree/pg" "$C/tree/shared" && touch "$C/tree/pg/f" "$C/tree/f"
	chmod 755 "$C/tree/pg"
	run --chown-mode 0700 --chown "$C/tree/pg" $ID
	why=
	[ "$(mode "$C/tree/pg")" = 700 ] || why="mode $(mode "$C/tree/pg"), want 700"
	[ "$(owner "$C/tree/pg")" = $ID ] || why="owner $(owner "$C/tree/pg")"
	[ "$(mode "$C/tree/pg/f")" = 644 ] || why="an entry below PATH changed mode"
	expect "--chown-mode 0700: PATH's own mode set after the walk" 0
	run --chown-mode 2775 --chown "$C/tree/shared" $ID
	why=
	[ "$(mode "$C/tree/shared")" = 2775 ] || why="mode $(mode "$C/tree/shared"), want 2775"
	expect "--chown-mode 2775: the setgid bit is set and kept" 0
	# already right: no write at all (no ctime change, no overlayfs copy-up)
	rc=0
	why=
	err=$(strace -f -qq -c -e trace=fchmod,fchmodat,chmod,fchownat,fchown \
		"$NREXEC" --chown-mode 0700 --chown "$C/tree/pg" $ID 2>&1 >/dev/null) || rc=$?
	[[ $err == *chmod* || $err == *chown* ]] && why="writes on a PATH already right: $err"
	expect "--chown-mode: a PATH already right is not written" 0
	chown 0:0 "$C/tree/pg" && chmod 755 "$C/tree/pg" && chown $ID "$C/tree/pg"
	run --chown-if-root-mismatch --chown-mode 0700 --chown "$C/tree/pg" $ID
	why=
	[ "$(mode "$C/tree/pg")" = 700 ] || why="mode $(mode "$C/tree/pg"), want 700"
	expect "--chown-mode with --chown-if-root-mismatch: the mode is set though the walk is skipped" 0
	run --chown-mode 0600 --chown "$C/tree" --chown "$C/tree/f" $ID
	why=
	[[ $err == "nrexec: chown '$C/tree/f': --chown-mode needs a directory" ]] || why="message: $err"
	[ "$(owner "$C/tree")" = 0:0 ] || why="changed something before refusing"
	expect "--chown-mode on a PATH that is not a directory: 125 before any change" 125
	run --chown-mode 0o700 --chown "$C/tree" $ID
	why=
	[[ $err == "nrexec: --chown-mode '0o700': not an octal mode"* ]] || why="message: $err"
	expect "--chown-mode 0o700: 125, strictly octal" 125
}

echo "# nrexec: $NREXEC"
case_baseline
case_symlink_file
case_symlink_dir
case_symlink_component
case_hardlink_outside
case_hardlink_setuid
case_hardlink_inside
case_bind_mount
case_read_only
case_missing
case_fifo_and_devices
case_root_mismatch
case_refuse_root
case_wide_tree
case_create
case_create_symlinks
case_planted_top_symlink
case_mode
overlay_deep_wide
if command -v cc >/dev/null && build_racer; then
	race_dir_symlink race-dir "$RACE_RUNS" ""
	case_race_deep_move
	case_race_hardlink
	# each run walks 2,500 entries: a quarter of the runs
	race_dir_symlink race-wide $(((RACE_RUNS + 3) / 4)) ", big tree (helper threads)" pad
	race_nested link
	race_nested device
	race_nested link bind
	race_ext4_seconds
else
	echo "# SKIPPED: races need a C compiler (cc) for the racer" >&2
	not_ok "races could not run: no cc"
fi
echo "1..$n"
[ "$fail" = 0 ]
