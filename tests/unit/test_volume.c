/* Unit tests for src/volume/ (the --chown walk) on real trees, as root.
 *
 * Build (see the Makefile's test target):
 *   cc -std=c11 -D_GNU_SOURCE ... -Isrc tests/unit/test_volume.c \
 *      src/volume/{walk,links,walkers}.c src/sbuf.c -Wl,--wrap=fchownat,--wrap=syscall,--wrap=clock_gettime,--wrap=openat -lcmocka
 *
 * fchownat is wrapped to count the changes the walk makes and to inject
 * failures; syscall is wrapped to refuse statx (the pre-4.11 fallback);
 * clock_gettime to make every ctime look "fresh"; openat to make ".." lie.
 * The process moves into its own mount namespace so that bind mounts made
 * by the tests never leak to the machine.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "volume.h"

#define UID 10001u
#define GID 10001u
#define DEEP 10000

/* ---- link-time fakes ---- */

enum { FAKE_REAL, FAKE_FAIL, FAKE_EPERM };
static int fake_chown = FAKE_REAL;
static int fake_errno; /* FAKE_FAIL: every fchownat fails with it */
static unsigned long chown_calls;
static int refuse_statx;
static unsigned long statx_refused;

static int clock_at_epoch; /* CLOCK_REALTIME_COARSE reads 0: every ctime is "fresh" */
/* 0: CLOCK_REALTIME_COARSE reads 2 s ahead, as if nrexec started well after
 * the test made its files (only a ctime from a second before the run
 * began counts, see links.c); 1: the real clock. */
static int clock_real;

static char base[PATH_MAX]; /* each test's temporary directory */
static int dotdot_mode; /* 1: ".." opens a wrong directory; 2: and the chain moves */
static unsigned long dotdot_calls;
static unsigned long opath_calls; /* openat(..., O_PATH): a leaf changed through an fd */
static char dotdot_rename_from[PATH_MAX], dotdot_rename_to[PATH_MAX];

int __real_openat(int dirfd, const char *name, int flags, ...);
int __wrap_openat(int dirfd, const char *name, int flags, ...);
int __real_clock_gettime(clockid_t id, struct timespec *ts);
/* Makes ".." lie, as it does when a concurrent rename moved the directory
 * the walk is in: the walk must notice and find the parent again by name,
 * or fail if that is gone too. */
int __wrap_openat(int dirfd, const char *name, int flags, ...)
{
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (flags & O_PATH)
		__atomic_add_fetch(&opath_calls, 1, __ATOMIC_RELAXED);
	if (dotdot_mode != 0 && strcmp(name, "..") == 0) {
		if (dotdot_calls++ == 0 && dotdot_mode == 2)
			assert_int_equal(rename(dotdot_rename_from, dotdot_rename_to), 0);
		return __real_openat(AT_FDCWD, base, flags, mode);
	}
	return __real_openat(dirfd, name, flags, mode);
}

int __wrap_clock_gettime(clockid_t id, struct timespec *ts);
int __real_fchownat(int fd, const char *name, uid_t uid, gid_t gid, int flags);
int __wrap_fchownat(int fd, const char *name, uid_t uid, gid_t gid, int flags);
long __real_syscall(long n, ...);
long __wrap_syscall(long n, ...);

int __wrap_fchownat(int fd, const char *name, uid_t uid, gid_t gid, int flags)
{
	__atomic_add_fetch(&chown_calls, 1, __ATOMIC_RELAXED);
	if (fake_chown == FAKE_EPERM) {
		errno = EPERM;
		return -1;
	}
	if (fake_chown == FAKE_FAIL) {
		errno = fake_errno;
		return -1;
	}
	return __real_fchownat(fd, name, uid, gid, flags);
}

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
	if (clock_at_epoch && id == CLOCK_REALTIME_COARSE) {
		ts->tv_sec = 0;
		ts->tv_nsec = 0;
		return 0;
	}
	if (!clock_real && id == CLOCK_REALTIME_COARSE) {
		int rc = __real_clock_gettime(id, ts);

		ts->tv_sec += 2;
		return rc;
	}
	return __real_clock_gettime(id, ts);
}

/* The walk makes six raw system calls: statx (5 arguments), futex (6),
 * prlimit64 (4), getdents64 and fcntl (3), fchmod (2). Only those are
 * forwarded, with exactly their arguments. */
long __wrap_syscall(long n, ...)
{
	va_list ap;
	long a0, a1, a2 = 0, a3 = 0, a4 = 0, a5 = 0;

	va_start(ap, n);
	a0 = va_arg(ap, long);
	a1 = va_arg(ap, long);
	if (n != SYS_fchmod)
		a2 = va_arg(ap, long);
	if (n == SYS_statx || n == SYS_futex || n == SYS_prlimit64)
		a3 = va_arg(ap, long);
	if (n == SYS_statx || n == SYS_futex)
		a4 = va_arg(ap, long);
	if (n == SYS_futex)
		a5 = va_arg(ap, long);
	va_end(ap);
	if (n == SYS_statx && refuse_statx) {
		__atomic_add_fetch(&statx_refused, 1, __ATOMIC_RELAXED);
		errno = ENOSYS;
		return -1;
	}
	if (n == SYS_statx)
		return __real_syscall(n, a0, a1, a2, a3, a4);
	if (n == SYS_futex)
		return __real_syscall(n, a0, a1, a2, a3, a4, a5);
	if (n == SYS_prlimit64)
		return __real_syscall(n, a0, a1, a2, a3);
	if (n == SYS_getdents64 || n == SYS_fcntl)
		return __real_syscall(n, a0, a1, a2);
	if (n == SYS_fchmod)
		return __real_syscall(n, a0, a1);
	fail_msg("unexpected syscall %ld from src/volume/", n);
	return -1;
}

/* ---- fixture helpers ---- */

static int have_mountns;

static void at(char *out, const char *rel)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", base, rel);

	assert_true(n > 0 && n < PATH_MAX);
}

static void mkd(const char *rel, mode_t mode)
{
	char p[PATH_MAX];

	at(p, rel);
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(chmod(p, mode), 0);
}

static void mkf(const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	int fd;

	at(p, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static void mkl(const char *target, const char *rel)
{
	char p[PATH_MAX];

	at(p, rel);
	assert_int_equal(symlink(target, p), 0);
}

static void mkh(const char *old_rel, const char *rel)
{
	char o[PATH_MAX], p[PATH_MAX];

	at(o, old_rel);
	at(p, rel);
	assert_int_equal(link(o, p), 0);
}

static void mkn(const char *rel, mode_t mode, dev_t dev)
{
	char p[PATH_MAX];

	at(p, rel);
	assert_int_equal(mknod(p, mode, dev), 0);
}

static void mksock(const char *rel)
{
	struct sockaddr_un sa;
	char p[PATH_MAX];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	at(p, rel);
	assert_true(fd >= 0);
	assert_true(strlen(p) < sizeof(sa.sun_path));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, p, strlen(p) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

/* Let the coarse clock move on, so that a write now would show in ctime. */
static void next_tick(void)
{
	struct timespec pause = { 0, 20000000L };

	nanosleep(&pause, NULL);
}

static struct stat lst(const char *rel)
{
	char p[PATH_MAX];
	struct stat st;

	at(p, rel);
	assert_int_equal(lstat(p, &st), 0);
	return st;
}

static void assert_owner(const char *rel, uid_t uid, gid_t gid)
{
	struct stat st = lst(rel);

	if (st.st_uid != uid || st.st_gid != gid)
		fail_msg("%s is %u:%u, want %u:%u", rel, (unsigned)st.st_uid,
			 (unsigned)st.st_gid, (unsigned)uid, (unsigned)gid);
}

/* Every entry of a tree, for nftw (which takes no user pointer). */
static unsigned long tree_entries, tree_not_owned;
static struct timespec tree_ctimes[256];
static int tree_ctime_mode; /* 0 count, 1 record, 2 compare */

static int tree_cb(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)p;
	(void)type;
	(void)f;
	if (tree_ctime_mode == 1 && tree_entries < 256)
		tree_ctimes[tree_entries] = st->st_ctim;
	if (tree_ctime_mode == 2 && tree_entries < 256 &&
	    (tree_ctimes[tree_entries].tv_sec != st->st_ctim.tv_sec ||
	     tree_ctimes[tree_entries].tv_nsec != st->st_ctim.tv_nsec))
		tree_not_owned += 1000000; /* flags a ctime change */
	tree_entries++;
	if (st->st_uid != UID || st->st_gid != GID)
		tree_not_owned++;
	return 0;
}

static void scan(const char *rel, int mode)
{
	char p[PATH_MAX];

	at(p, rel);
	tree_entries = tree_not_owned = 0;
	tree_ctime_mode = mode;
	assert_int_equal(nftw(p, tree_cb, 16, FTW_PHYS | FTW_MOUNT), 0);
}

/* How the walks of the current test run: what main asks for (setup), or
 * helper threads from the first entry on (setup_threaded). */
static unsigned walkers;
static unsigned long spawn_after;

static int chown_paths(const char *const *paths, size_t n, unsigned flags,
		       struct vol_stats *st, struct sbuf *err)
{
	struct vol_request rq = {
		.paths = paths, .npaths = n, .uid = UID, .gid = GID, .flags = flags,
		.walkers = walkers, .spawn_after = spawn_after,
	};

	return volume_chown(&rq, st, err);
}

static int run1(const char *rel, unsigned flags, struct vol_stats *st, struct sbuf *err)
{
	char p[PATH_MAX];
	const char *paths[1] = { p };

	at(p, rel);
	return chown_paths(paths, 1, flags, st, err);
}

/* Where the trees go: $TMPDIR, else /tmp, unless /tmp is overlayfs (a
 * container's, as in a fresh Debian container) and /dev/shm is tmpfs. On
 * overlayfs the walk keeps every directory open instead of re-opening it
 * (its listing offsets are not stable), so the fd-window and ".." cases
 * below would test the other branch, and the deep one would run out of
 * descriptors under its 1024 limit. */
static const char *tmp_base(void)
{
	const char *tmp = getenv("TMPDIR");
	struct statfs sf;

	if (tmp != NULL && *tmp != '\0')
		return tmp;
	if (statfs("/tmp", &sf) == 0 && (uint32_t)sf.f_type == 0x794C7630u &&
	    statfs("/dev/shm", &sf) == 0 && (uint32_t)sf.f_type == 0x01021994u)
		return "/dev/shm";
	return "/tmp";
}

static int setup(void **state)
{
	(void)state;
	snprintf(base, sizeof(base), "%s/nrexec-vol.XXXXXX", tmp_base());
	if (mkdtemp(base) == NULL)
		return -1;
	chown_calls = 0;
	fake_chown = FAKE_REAL;
	refuse_statx = 0;
	statx_refused = 0;
	clock_at_epoch = 0;
	clock_real = 0;
	dotdot_mode = 0;
	dotdot_calls = 0;
	opath_calls = 0;
	walkers = VOL_WALKERS;
	spawn_after = VOL_SPAWN_AFTER;
	return 0;
}

/* rm -rf without a shell; it copes with the 10,000-deep trees (nftw
 * would hit PATH_MAX). */
static int teardown(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	if (pid == 0) {
		execlp("rm", "rm", "-rf", "--", base, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

#define ERRBUF                                                                 \
	char errmem[512];                                                      \
	struct sbuf err;                                                       \
	sbuf_init(&err, errmem, sizeof(errmem), -1)

/* ---- the tree with one of everything ---- */

static void build_mixed(void)
{
	char p[PATH_MAX];

	mkd("t", 0755);
	mkd("t/a", 0755);
	mkd("t/a/b", 0700);
	mkd("t/a/b/c", 0755);
	mkf("t/a/b/c/deep.txt", 0644);
	mkd("t/empty", 0755);
	mkd("t/locked", 0755);
	mkf("t/locked/inside", 0600);
	mkf("t/f1", 0644);
	mkf("t/a/f2", 0600);
	mkf("t/new\nline", 0644);
	mkf("t/bad-\xff\xfe-utf8", 0644);
	mkn("t/fifo", S_IFIFO | 0644, 0);
	mkn("t/null", S_IFCHR | 0666, makedev(1, 3));
	mkn("t/blk", S_IFBLK | 0600, makedev(7, 200));
	mksock("t/sock");
	at(p, "t/locked");
	assert_int_equal(chmod(p, 0), 0); /* mode 000: root still walks it */
}

static void test_mixed_tree(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	build_mixed();
	scan("t", 0);
	assert_int_equal(tree_not_owned, tree_entries);
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.seen, 16);
	assert_int_equal(st.changed, 14);
	assert_int_equal(st.skipped_mount + st.skipped_links, 0);
	assert_int_equal(st.skipped_devices, 2);	/* t/null, t/blk */
	assert_int_equal(chown_calls, 14);
	assert_false(st.root_already_owned);
	scan("t", 0);
	assert_int_equal(tree_entries, 16);
	assert_int_equal(tree_not_owned, 2);
	assert_int_equal(lst("t/locked").st_mode & 07777, 0);
	assert_true(S_ISCHR(lst("t/null").st_mode));
	assert_int_equal(lst("t/null").st_uid, 0);
	assert_int_equal(lst("t/blk").st_uid, 0);
}

/* dir_mode 0755: names changed by name (only root can rename there);
 * 0775: through checked O_PATH fds. */
static void symlinks_not_followed(mode_t dir_mode)
{
	struct vol_stats st;
	ERRBUF;
	char out[PATH_MAX];

	mkd("out", 0755);
	mkf("out/sentinel", 0600);
	mkd("out/dir", 0755);
	mkf("out/dir/sentinel", 0600);
	mkd("t", dir_mode);
	mkd("t/real", dir_mode);
	mkf("t/real/file", 0644);
	at(out, "out/sentinel");
	mkl(out, "t/to-outside-file");
	at(out, "out/dir");
	mkl(out, "t/to-outside-dir");
	mkl("real/file", "t/inside");
	mkl("/nonexistent/dangling", "t/dangling");
	mkl("..", "t/real/up");
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.seen, 8);
	assert_int_equal(st.changed, 8);
	assert_owner("t/to-outside-file", UID, GID);
	assert_owner("t/to-outside-dir", UID, GID);
	assert_owner("t/dangling", UID, GID);
	assert_owner("t/real/up", UID, GID);
	assert_owner("out/sentinel", 0, 0);
	assert_owner("out/dir", 0, 0);
	assert_owner("out/dir/sentinel", 0, 0);
	assert_owner("out", 0, 0);
}

static void test_symlinks_not_followed(void **state)
{
	(void)state;
	symlinks_not_followed(0755);
	/* one: PATH's own name, opened in its parent (open_top) */
	assert_int_equal(opath_calls, 1);
}

static void test_symlinks_not_followed_unsealed(void **state)
{
	(void)state;
	symlinks_not_followed(0775);
	assert_true(opath_calls >= 6);
}

/* Device nodes are never given away, on the careful path (root-only
 * directory) nor on the fast one (group-writable: O_PATH fds). */
static void test_devices_left_alone(void **state)
{
	static const mode_t modes[] = { 0755, 0775 };
	static const char *const dirs[] = { "sealed", "open" };
	struct vol_stats st;
	ERRBUF;
	(void)state;

	for (size_t i = 0; i < 2; i++) {
		char p[6][PATH_MAX];
		static const char *const leaf[] = { "f1", "c1", "f2", "b1", "c2", "f3" };

		mkd(dirs[i], modes[i]);
		for (size_t k = 0; k < 6; k++)
			snprintf(p[k], sizeof(p[k]), "%s/%s", dirs[i], leaf[k]);
		mkf(p[0], 0644);
		mkn(p[1], S_IFCHR | 0666, makedev(1, 3));
		mkf(p[2], 0644);
		mkn(p[3], S_IFBLK | 0600, makedev(7, 200));
		mkn(p[4], S_IFCHR | 0666, makedev(1, 5));
		mkf(p[5], 0644);
		assert_int_equal(run1(dirs[i], 0, &st, &err), 0);
		assert_int_equal(st.skipped_devices, 3);
		assert_int_equal(st.changed, 4);	/* 3 files and the dir */
		assert_owner(p[1], 0, 0);
		assert_owner(p[3], 0, 0);
		assert_owner(p[4], 0, 0);
		assert_owner(p[5], UID, GID);
	}
}

static void test_already_owned_not_written(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	build_mixed();
	assert_int_equal(run1("t", 0, &st, &err), 0);
	scan("t", 1);
	next_tick(); /* a write now would show in ctime */
	chown_calls = 0;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(chown_calls, 0);
	assert_int_equal(st.changed, 0);
	assert_int_equal(st.seen, 16);
	assert_true(st.root_already_owned);
	scan("t", 2);
	assert_int_equal(tree_not_owned, 2);	/* the two device nodes */
}

static void test_only_wrong_entries_written(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char p[PATH_MAX];

	(void)state;
	build_mixed();
	assert_int_equal(run1("t", 0, &st, &err), 0);
	at(p, "t/a/f2");
	assert_int_equal(lchown(p, 0, GID), 0); /* uid wrong */
	at(p, "t/fifo");
	assert_int_equal(lchown(p, UID, 0), 0); /* gid wrong */
	at(p, "t/a/b");
	assert_int_equal(lchown(p, 0, 0), 0);
	chown_calls = 0;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(chown_calls, 3);
	assert_int_equal(st.changed, 3);
	scan("t", 0);
	assert_int_equal(tree_not_owned, 2);	/* the two device nodes */
}

static void test_idempotent(void **state)
{
	struct vol_stats st1, st2;
	ERRBUF;

	(void)state;
	build_mixed();
	assert_int_equal(run1("t", 0, &st1, &err), 0);
	assert_int_equal(run1("t", 0, &st2, &err), 0);
	assert_int_equal(st1.seen, st2.seen);
	assert_int_equal(st2.changed, 0);
	assert_int_equal(run1("t", 0, &st2, &err), 0);
	assert_int_equal(st2.changed, 0);
}

static void test_hardlinks_inside_changed(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	mkd("t", 0755);
	mkd("t/x", 0755);
	mkd("t/y", 0755);
	mkf("t/x/data", 0644);
	mkh("t/x/data", "t/y/data");
	mkh("t/x/data", "t/x/again");
	mkl("whatever", "t/sl");
	mkh("t/sl", "t/x/sl-link"); /* a hard-linked symlink */
	next_tick();
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 0);
	assert_int_equal(st.seen, 8);
	assert_int_equal(st.changed, 5); /* t/x, t/y, data, the symlink, t */
	assert_int_equal(lst("t/y/data").st_nlink, 3);
	assert_owner("t/y/data", UID, GID);
	assert_owner("t/x/sl-link", UID, GID);
	chown_calls = 0;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(chown_calls, 0);
}

static void test_hardlink_outside_skipped(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	mkd("etc", 0755);
	mkf("etc/shadow", 0640);
	mkd("t", 0755);
	mkd("t/sub", 0755);
	mkh("etc/shadow", "t/sub/innocent");
	mkf("t/normal", 0644);
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 1);
	assert_int_equal(st.changed, 3);
	assert_owner("etc/shadow", 0, 0);
	assert_owner("t/sub", UID, GID);
	assert_owner("t/normal", UID, GID);
	assert_int_equal(lst("etc/shadow").st_mode & 07777, 0640);
}

/* The same link reached through two overlapping PATHs is one place, not
 * two: counting it twice would hand over the outside file. */
static void test_hardlink_overlapping_paths(void **state)
{
	struct vol_stats st[2];
	ERRBUF;
	char p0[PATH_MAX], p1[PATH_MAX];
	const char *paths[2] = { p0, p1 };

	(void)state;
	mkd("etc", 0755);
	mkf("etc/shadow", 0640);
	mkd("t", 0755);
	mkd("t/sub", 0755);
	mkh("etc/shadow", "t/sub/innocent");
	at(p0, "t");
	at(p1, "t/sub");
	assert_int_equal(chown_paths(paths, 2, 0, st, &err), 0);
	assert_owner("etc/shadow", 0, 0);
	/* one walk: the walk of t met the link once and reports it; t/sub
	 * was walked with it, not again */
	assert_int_equal(st[0].skipped_links, 1);
	assert_int_equal(st[1].covered, 1);
	assert_int_equal(st[1].skipped_links, 0);
	/* the same again with PATH named through a symlink and a trailing / */
	mkl("t/sub", "alias");
	at(p1, "alias/");
	assert_int_equal(chown_paths(paths, 2, 0, st, &err), 0);
	assert_owner("etc/shadow", 0, 0);
	assert_int_equal(st[1].covered, 1);
}

/* Nested PATHs are one walk, in either order; a PATH named twice too. */
static void test_nested_paths_one_walk(void **state)
{
	struct vol_stats st[3];
	ERRBUF;
	char p0[PATH_MAX], p1[PATH_MAX], p2[PATH_MAX];
	const char *paths[3] = { p0, p1, p2 };

	(void)state;
	mkd("t", 0755);
	mkd("t/sub", 0755);
	mkf("t/sub/f", 0644);
	mkf("t/g", 0644);
	at(p0, "t");
	at(p1, "t/sub");
	at(p2, "t");
	assert_int_equal(chown_paths(paths, 3, 0, st, &err), 0);
	assert_int_equal(chown_calls, 4); /* t, sub, f, g: once each */
	assert_int_equal(st[0].seen, 4);
	assert_true(!st[0].covered && st[1].covered && st[2].covered);
	assert_owner("t/sub/f", UID, GID);
	/* inner first: the walk of t does not enter t/sub again */
	at(p2, "t/sub/f");
	assert_int_equal(chown(p2, 0, 0), 0);
	at(p2, "t/sub");
	assert_int_equal(chown(p2, 0, 0), 0);
	at(p2, "t");
	assert_int_equal(chown(p2, 0, 0), 0);
	chown_calls = 0;
	at(p0, "t/sub");
	at(p1, "t");
	assert_int_equal(chown_paths(paths, 2, 0, st, &err), 0);
	assert_int_equal(st[0].seen, 2);
	assert_int_equal(st[1].seen, 3); /* t, sub and g: sub is not entered */
	assert_false(st[1].covered);
	assert_int_equal(chown_calls, 3);
	assert_owner("t/sub/f", UID, GID);
	assert_owner("t/sub", UID, GID);
}

/* Only a ctime from a second before the run began proves that no link
 * moved since (1-second timestamps, see links.c): a link made in the
 * second the walk starts is left alone and reported. */
static void test_links_of_the_start_second_skipped(void **state)
{
	struct vol_stats st;
	ERRBUF;
	struct timespec now;

	(void)state;
	clock_real = 1;
	do /* not in the last moments of a second: the walk starts in this one */
		clock_gettime(CLOCK_REALTIME_COARSE, &now);
	while (now.tv_nsec > 800000000L);
	mkd("t", 0755);
	mkf("t/data", 0644);
	mkh("t/data", "t/data2");
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 2);
	assert_owner("t/data", 0, 0);
	clock_real = 0;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 0);
	assert_owner("t/data", UID, GID);
}

static void test_hardlinks_across_paths(void **state)
{
	struct vol_stats st[2];
	ERRBUF;
	char p0[PATH_MAX], p1[PATH_MAX];
	const char *paths[2] = { p0, p1 };

	(void)state;
	mkd("v1", 0755);
	mkd("v2", 0755);
	mkf("v1/shared", 0644);
	mkh("v1/shared", "v2/shared");
	next_tick();
	at(p0, "v1");
	at(p1, "v2");
	assert_int_equal(chown_paths(paths, 1, 0, st, &err), 0);
	assert_int_equal(st[0].skipped_links, 1);
	assert_owner("v1/shared", 0, 0);
	assert_int_equal(chown_paths(paths, 2, 0, st, &err), 0);
	assert_int_equal(st[0].skipped_links + st[1].skipped_links, 0);
	assert_int_equal(st[0].changed + st[1].changed, 2); /* v1 was changed by the first call */
	assert_owner("v2/shared", UID, GID);
}

/* A link whose inode changed in the current clock tick could have been
 * renamed ahead of the walk without its ctime showing it: left alone. */
static void test_fresh_hardlinks_skipped(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	mkd("t", 0755);
	mkf("t/data", 0644);
	mkh("t/data", "t/data2");
	next_tick();
	clock_at_epoch = 1;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 2);
	assert_owner("t/data", 0, 0);
	clock_at_epoch = 0;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 0);
	assert_owner("t/data", UID, GID);
}

/* Leaves are changed by name only where no one but root can rename:
 * a root-owned directory without group/other write bits. Elsewhere each
 * goes through a checked O_PATH fd. */
static void test_by_name_only_in_sealed_dirs(void **state)
{
	static const struct {
		const char *dir;
		mode_t mode;
		uid_t uid;
		unsigned long opens;
	} cases[] = {
		/* each count includes PATH's own open in its parent */
		{ "t", 0755, 0, 1 },
		{ "t", 0775, 0, 4 },
		{ "t", 0757, 0, 4 },
		{ "t", 0700, UID, 4 },
	};
	struct vol_stats st;
	char p[PATH_MAX];
	ERRBUF;
	size_t i;

	(void)state;
	mkd("t", 0755);
	mkf("t/a", 0644);
	mkf("t/b", 0644);
	mkl("a", "t/c");
	at(p, "t");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char q[PATH_MAX];

		at(q, "t/a");
		assert_int_equal(lchown(q, 0, 0), 0);
		at(q, "t/b");
		assert_int_equal(lchown(q, 0, 0), 0);
		at(q, "t/c");
		assert_int_equal(lchown(q, 0, 0), 0);
		assert_int_equal(chown(p, cases[i].uid, cases[i].uid), 0);
		assert_int_equal(chmod(p, cases[i].mode), 0);
		opath_calls = 0;
		assert_int_equal(run1(cases[i].dir, 0, &st, &err), 0);
		assert_int_equal(opath_calls, cases[i].opens);
		scan("t", 0);
		assert_int_equal(tree_not_owned, 0);
	}
}

static void test_setuid_bits_cleared(void **state)
{
	/* file capabilities: vfs_cap_data v2, cap_net_bind_service=ep */
	static const unsigned char caps[20] = { 1, 0, 0, 2, 0, 4, 0, 0 };
	struct vol_stats st;
	char p[PATH_MAX];
	ERRBUF;

	(void)state;
	mkd("t", 0755);
	mkf("t/suid", 04755);
	mkf("t/sgid", 02755);
	mkf("t/sgid-noexec", 02644);
	mkd("t/sgid-dir", 02775);
	mkf("t/capped", 0755);
	at(p, "t/capped");
	assert_int_equal(setxattr(p, "security.capability", caps, sizeof(caps), 0), 0);
	assert_int_equal(run1("t", 0, &st, &err), 0);
	/* ... are dropped by the kernel too */
	assert_int_equal(getxattr(p, "security.capability", NULL, 0), -1);
	assert_int_equal(errno, ENODATA);
	/* the kernel drops set-id bits when a regular file changes owner */
	assert_int_equal(lst("t/suid").st_mode & 07777, 0755);
	assert_int_equal(lst("t/sgid").st_mode & 07777, 0755);
	/* without group-exec, S_ISGID means mandatory locking: kept */
	assert_int_equal(lst("t/sgid-noexec").st_mode & 07777, 02644);
	/* directories keep setgid (inheritance of the group) */
	assert_int_equal(lst("t/sgid-dir").st_mode & 07777, 02775);
}

static void test_path_is_file_or_symlink(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	mkf("lonely", 0644);
	assert_int_equal(run1("lonely", 0, &st, &err), 0);
	assert_int_equal(st.seen, 1);
	assert_int_equal(st.changed, 1);
	assert_owner("lonely", UID, GID);

	mkd("real", 0755);
	mkf("real/f", 0644);
	mkl("real", "data"); /* the image author's symlink: resolved once */
	assert_int_equal(run1("data", 0, &st, &err), 0);
	assert_int_equal(st.changed, 2);
	assert_owner("real", UID, GID);
	assert_owner("real/f", UID, GID);
	assert_owner("data", 0, 0);

	mkf("twice", 0644);
	mkh("twice", "twice-link");
	assert_int_equal(run1("twice", 0, &st, &err), 0);
	assert_int_equal(st.skipped_links, 1);
	assert_owner("twice", 0, 0);
}

static void test_if_root_mismatch(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char p[PATH_MAX];

	(void)state;
	mkd("t", 0755);
	mkf("t/f", 0644);
	at(p, "t");
	assert_int_equal(chown(p, UID, GID), 0);
	assert_int_equal(run1("t", VOL_IF_ROOT_MISMATCH, &st, &err), 0);
	assert_true(st.root_already_owned);
	assert_true(st.walk_skipped);
	assert_int_equal(chown_calls, 0);
	assert_owner("t/f", 0, 0);
	assert_int_equal(chown(p, 0, 0), 0);
	assert_int_equal(run1("t", VOL_IF_ROOT_MISMATCH, &st, &err), 0);
	assert_false(st.walk_skipped);
	assert_owner("t/f", UID, GID);
	assert_owner("t", UID, GID);
}

/* A failed walk must leave PATH itself unchanged, so that OnRootMismatch
 * walks again next time. */
static void test_failure_keeps_root(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	mkd("t", 0755);
	mkf("t/f", 0644);
	fake_chown = FAKE_FAIL;
	fake_errno = EPERM;
	assert_int_equal(run1("t", 0, &st, &err), -1);
	assert_owner("t", 0, 0);
	assert_non_null(strstr(sbuf_cstr(&err), "/t/f': cannot change owner: Operation not permitted"));
}

static void test_missing_path(void **state)
{
	struct vol_stats st[2];
	ERRBUF;
	char p0[PATH_MAX], p1[PATH_MAX], want[PATH_MAX + 64];
	const char *paths[2] = { p0, p1 };

	(void)state;
	mkd("t", 0755);
	at(p0, "t");
	at(p1, "nope");
	assert_int_equal(chown_paths(paths, 2, 0, st, &err), -1);
	snprintf(want, sizeof(want), "chown '%s': cannot open: No such file or directory", p1);
	assert_string_equal(sbuf_cstr(&err), want);
	assert_owner("t", 0, 0); /* nothing changed before every PATH was found */
	mkl("nowhere", "dangling");
	at(p1, "dangling");
	assert_int_equal(chown_paths(paths, 2, 0, st, &err), -1);
	assert_int_equal(chown_calls, 0);
}

static void test_error_names_hostile_entry(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char want[PATH_MAX + 128];

	(void)state;
	mkd("t", 0755);
	mkd("t/d\x1b[31m", 0755);
	mkf("t/d\x1b[31m/ev\nil\xff", 0644);
	fake_chown = FAKE_FAIL;
	fake_errno = EROFS;
	assert_int_equal(run1("t", 0, &st, &err), -1);
	snprintf(want, sizeof(want),
		 "chown '%s/t/d\\x1b[31m/ev\\x0ail\\xff': cannot change owner: "
		 "Read-only file system", base);
	assert_string_equal(sbuf_cstr(&err), want);
	assert_null(strchr(sbuf_cstr(&err), '\n'));
}

static void test_refuses_root_directory(void **state)
{
	struct vol_stats st;
	ERRBUF;
	const char *paths[1] = { "/" };

	(void)state;
	fake_chown = FAKE_EPERM; /* even if the refusal broke, nothing changes */
	assert_int_equal(chown_paths(paths, 1, 0, &st, &err), -1);
	assert_string_equal(sbuf_cstr(&err), "chown '/': refusing to give away the root directory");
	assert_int_equal(chown_calls, 0);
}

static void build_chain(const char *rel, int depth, int files_per_level)
{
	char p[PATH_MAX];
	int fd, i, k;

	mkd(rel, 0755);
	at(p, rel);
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (i = 0; i < depth; i++) {
		int next;

		for (k = 0; k < files_per_level; k++) {
			char name[16];
			int f;

			snprintf(name, sizeof(name), "f%d", k);
			f = openat(fd, name, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			assert_true(f >= 0);
			close(f);
		}
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
}

/* Counts entries of the deep chain that are not owned by the target. */
static unsigned long deep_not_owned(int files_per_level)
{
	char p[PATH_MAX];
	unsigned long bad = 0;
	struct stat st;
	int fd, i, k;

	at(p, "deep");
	fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (i = 0; i <= DEEP; i++) {
		int next;

		assert_int_equal(fstat(fd, &st), 0);
		bad += st.st_uid != UID || st.st_gid != GID;
		if (i == DEEP)
			break;
		for (k = 0; k < files_per_level; k++) {
			char name[16];

			snprintf(name, sizeof(name), "f%d", k);
			assert_int_equal(fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
			bad += st.st_uid != UID || st.st_gid != GID;
		}
		next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(next >= 0);
		close(fd);
		fd = next;
	}
	close(fd);
	return bad;
}

/* 10,000 levels with a low fd limit, in a child so that its peak memory
 * can be measured alone. Files beside each subdirectory make the walk come
 * back up through every level and resume listings (the fd window is left
 * behind on the way down and re-opened through ".." on the way up). */
static int deep_child(void)
{
	struct rlimit rl = { 64, 64 };
	struct vol_stats st;
	struct rusage ru;
	char errmem[512];
	struct sbuf err;

	sbuf_init(&err, errmem, sizeof(errmem), -1);
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 2;
	if (run1("deep", 0, &st, &err) != 0) {
		fprintf(stderr, "%s\n", sbuf_cstr(&err));
		return 3;
	}
	if (st.seen != 3ull * DEEP + 1 || st.changed != st.seen)
		return 4;
	getrusage(RUSAGE_SELF, &ru);
#ifdef __SANITIZE_THREAD__
	return 0; /* ThreadSanitizer's shadow memory is not the walk's */
#else
	return ru.ru_maxrss > 16L * 1024 ? 5 : 0; /* KiB */
#endif
}

static void test_deep_nesting(void **state)
{
	struct rlimit old, rl;
	struct vol_stats st;
	ERRBUF;
	int status, probe1, probe2;
	pid_t pid;

	(void)state;
	build_chain("deep", DEEP, 2);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(deep_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(deep_not_owned(2), 0);

	/* again in this process, soft limit 1024: no descriptor leaks */
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	rl = old;
	rl.rlim_cur = 1024;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	probe1 = dup(0);
	close(probe1);
	assert_int_equal(run1("deep", 0, &st, &err), 0);
	probe2 = dup(0);
	close(probe2);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_int_equal(probe1, probe2);
	assert_int_equal(st.seen, 3 * DEEP + 1);
	assert_int_equal(st.changed, 0);
}

/* Deeper than the fd window (32), so the way up goes through "..". */
static void test_dotdot_verified(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	build_chain("chain", 40, 1);
	dotdot_mode = 1;
	assert_int_equal(run1("chain", 0, &st, &err), 0);
	assert_true(dotdot_calls > 0);
	assert_int_equal(st.changed, 81);
	scan("chain", 0);
	assert_int_equal(tree_not_owned, 0);
}

static void test_dotdot_and_names_gone(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	build_chain("chain", 40, 1);
	at(dotdot_rename_from, "chain/d");
	at(dotdot_rename_to, "chain/elsewhere");
	dotdot_mode = 2;
	assert_int_equal(run1("chain", 0, &st, &err), -1);
	assert_non_null(strstr(sbuf_cstr(&err), "': directory moved during the walk"));
	assert_owner("chain", 0, 0);
}

static void test_mount_points_skipped(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char src[PATH_MAX], dst[PATH_MAX], tmp[PATH_MAX], fsrc[PATH_MAX], fdst[PATH_MAX];

	(void)state;
	if (!have_mountns)
		skip();
	mkd("host-etc", 0755);
	mkf("host-etc/passwd", 0644);
	mkd("t", 0775); /* not sealed: entries are opened, which crosses mounts */
	mkd("t/bind", 0755);
	mkd("t/tmpfs", 0755);
	mkf("t/file-bind", 0644);
	mkf("t/plain", 0644);
	at(src, "host-etc");
	at(dst, "t/bind");
	at(tmp, "t/tmpfs");
	at(fsrc, "host-etc/passwd");
	at(fdst, "t/file-bind");
	/* same filesystem, same st_dev: only the mount id tells */
	assert_int_equal(mount(src, dst, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(fsrc, fdst, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount("tmpfs", tmp, "tmpfs", 0, "mode=0755"), 0);
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.skipped_mount, 3);
	assert_int_equal(st.changed, 2);
	assert_owner("host-etc", 0, 0);
	assert_owner("host-etc/passwd", 0, 0);
	assert_owner("t/tmpfs", 0, 0);
	assert_owner("t/plain", UID, GID);
	assert_int_equal(umount2(dst, MNT_DETACH), 0);
	assert_int_equal(umount2(fdst, MNT_DETACH), 0);
	assert_int_equal(umount2(tmp, MNT_DETACH), 0);
	/* the bind targets themselves were not touched either */
	assert_owner("t/bind", 0, 0);
	assert_owner("t/file-bind", 0, 0);
}

/* Kernels without statx (< 4.11) or seccomp profiles refusing it: the walk
 * still works and still stops at another filesystem (by st_dev). */
static void test_statx_fallback(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char tmp[PATH_MAX];

	(void)state;
	build_mixed();
	mkd("t/tmpfs", 0755);
	at(tmp, "t/tmpfs");
	if (have_mountns)
		assert_int_equal(mount("tmpfs", tmp, "tmpfs", 0, "mode=0755"), 0);
	refuse_statx = 1;
	assert_int_equal(run1("t", 0, &st, &err), 0);
	refuse_statx = 0;
	assert_true(statx_refused >= 1);
	assert_int_equal(st.changed, have_mountns ? 14 : 15);	/* 2 devices left */
	assert_int_equal(st.skipped_mount, have_mountns ? 1 : 0);
	if (have_mountns) {
		assert_owner("t/tmpfs", 0, 0);
		assert_int_equal(umount2(tmp, MNT_DETACH), 0);
	}
	assert_owner("t/a/b/c/deep.txt", UID, GID);
}

static void test_read_only_fs(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char src[PATH_MAX], ro[PATH_MAX], want[PATH_MAX + 64];

	(void)state;
	if (!have_mountns)
		skip();
	mkd("t", 0755);
	mkd("t/d", 0755);
	mkd("ro", 0755);
	at(src, "t");
	at(ro, "ro");
	assert_int_equal(mount(src, ro, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	assert_int_equal(run1("ro", 0, &st, &err), -1);
	snprintf(want, sizeof(want), "chown '%s/d': cannot change owner: Read-only file system", ro);
	assert_string_equal(sbuf_cstr(&err), want);
	/* already right on a read-only volume: nothing to write, no error */
	assert_int_equal(umount2(ro, MNT_DETACH), 0);
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(mount(src, ro, NULL, MS_BIND, NULL), 0);
	assert_int_equal(mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL), 0);
	assert_int_equal(run1("ro", 0, &st, &err), 0);
	assert_int_equal(st.changed, 0);
	assert_int_equal(umount2(ro, MNT_DETACH), 0);
}

/* Run as the target user: what is already owned is fine, anything that
 * would need a change is an error, not a silent skip. */
static int as_user_child(void)
{
	char errmem[512];
	struct sbuf err;
	struct vol_stats st;

	sbuf_init(&err, errmem, sizeof(errmem), -1);
	if (setgroups(0, NULL) != 0 || setresgid(GID, GID, GID) != 0 ||
	    setresuid(UID, UID, UID) != 0)
		return 2;
	if (run1("mine", 0, &st, &err) != 0 || st.changed != 0)
		return 3;
	if (run1("mixed", 0, &st, &err) != -1)
		return 4;
	if (strstr(sbuf_cstr(&err), "/mixed/roots': cannot change owner: "
				    "Operation not permitted (not running as root)") == NULL)
		return 5;
	return 0;
}

static void test_not_root(void **state)
{
	struct vol_stats st;
	ERRBUF;
	int status;
	pid_t pid;

	(void)state;
	mkd("mine", 0755);
	mkf("mine/f", 0600);
	mkd("mine/closed", 0700);
	assert_int_equal(run1("mine", 0, &st, &err), 0);
	mkd("mixed", 0755);
	mkf("mixed/roots", 0644);
	assert_int_equal(chmod(base, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(as_user_child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_empty_list(void **state)
{
	ERRBUF;

	(void)state;
	assert_int_equal(chown_paths(NULL, 0, 0, NULL, &err), 0);
}

/* ---- several walkers (the tables below run most tests both ways) ---- */

static int setup_threaded(void **state)
{
	int rc = setup(state);

	spawn_after = 0; /* helpers from the first entry on */
	walkers = VOL_THREADS_CAP;
	return rc;
}

#define NDIRS 200

static int count_tasks(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* ThreadSanitizer's runtime starts a thread of its own with the first
 * pthread_create; called after a walk that started helpers. */
#if defined(__SANITIZE_THREAD__)
#define RUNTIME_THREADS 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RUNTIME_THREADS 1
#endif
#endif
#ifndef RUNTIME_THREADS
#define RUNTIME_THREADS 0
#endif

/* privdrop.h: the process MUST have a single thread when ids change, and
 * main calls privdrop_apply right after volume_chown. A joined thread may
 * still be listed for the moment the kernel takes to release it after it
 * woke its joiner, so a second look is allowed; a helper left running is
 * still there a second later. */
static void assert_one_thread(void)
{
	int tries;

	for (tries = 0; tries < 1000 && count_tasks() > 1 + RUNTIME_THREADS; tries++)
		usleep(1000);
	assert_int_equal(count_tasks(), 1 + RUNTIME_THREADS);
}

/* A tree big enough that directories are handed between walkers, with the
 * hard links of one file in two directories far apart (likely walked by
 * different threads), a link to an outside file, a device and a symlink
 * out, deep in it. */
static void build_wide(void)
{
	char rel[64];
	int i, j;

	mkd("outside", 0755);
	mkf("outside/secret", 0600);
	mkd("t", 0755);
	for (i = 0; i < NDIRS; i++) {
		snprintf(rel, sizeof(rel), "t/d%03d", i);
		mkd(rel, 0755);
		for (j = 0; j < 8; j++) {
			snprintf(rel, sizeof(rel), "t/d%03d/f%d", i, j);
			mkf(rel, 0644);
		}
		snprintf(rel, sizeof(rel), "t/d%03d/s", i);
		mkd(rel, 0755);
		snprintf(rel, sizeof(rel), "t/d%03d/s/g", i);
		mkf(rel, 0644);
	}
	mkh("t/d000/f0", "t/d199/s/twin");       /* both links inside */
	mkh("outside/secret", "t/d100/s/planted"); /* one link outside */
	mkn("t/d050/s/disk", S_IFBLK | 0600, makedev(7, 200));
	mkl("../../../outside/secret", "t/d020/s/out");
	next_tick();
}

static void test_wide_tree(void **state)
{
	struct vol_stats st;
	ERRBUF;

	(void)state;
	build_wide();
	assert_int_equal(run1("t", 0, &st, &err), 0);
	/* t + 200 × (d, 8 files, s, s/g) + twin, planted, disk, out */
	assert_int_equal(st.seen, 1 + NDIRS * 11 + 4);
	assert_int_equal(st.skipped_links, 1);
	assert_int_equal(st.skipped_devices, 1);
	/* f0 and twin are one inode, changed once; plus the symlink "out" */
	assert_int_equal(st.changed, 1 + NDIRS * 11 + 1);
	assert_owner("outside/secret", 0, 0);
	assert_owner("t/d100/s/planted", 0, 0);
	assert_owner("t/d050/s/disk", 0, 0);
	assert_owner("t/d199/s/twin", UID, GID);
	assert_owner("t/d020/s/out", UID, GID);
	assert_owner("t", UID, GID);
	if (spawn_after == 0) {
		assert_true(st.threads > 1);
		if (sysconf(_SC_NPROCESSORS_ONLN) > 1)
			assert_true(st.tasks > 0);
	}
	assert_one_thread();
	assert_int_equal(run1("t", 0, &st, &err), 0);
	assert_int_equal(st.changed, 0);
}

/* The message names the entry through the directories that led a helper
 * to it, as a single walker would. */
static void test_wide_tree_error_path(void **state)
{
	struct vol_stats st;
	ERRBUF;
	char want[PATH_MAX + 16], p[PATH_MAX];
	const char *e, *end;

	(void)state;
	build_wide();
	fake_chown = FAKE_FAIL;
	fake_errno = EROFS;
	assert_int_equal(run1("t", 0, &st, &err), -1);
	e = sbuf_cstr(&err);
	snprintf(want, sizeof(want), "chown '%s/t/d", base);
	assert_true(strncmp(e, want, strlen(want)) == 0);
	end = strstr(e, "': cannot change owner: Read-only file system");
	assert_non_null(end);
	assert_string_equal(end + 3, "cannot change owner: Read-only file system");
	/* the named entry exists: the path was put together right */
	assert_true((size_t)(end - e) - 7 < sizeof(p));
	memcpy(p, e + 7, (size_t)(end - e) - 7);
	p[end - e - 7] = '\0';
	assert_true(access(p, F_OK) == 0 || errno != ENOENT);
	assert_owner("t", 0, 0);
	assert_one_thread(); /* a failed walk joins its helpers too */
}

static void enter_mount_namespace(void)
{
	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
		fprintf(stderr, "SKIPPED: no private mount namespace (%s): "
				"mount tests will be skipped\n", strerror(errno));
		return;
	}
	have_mountns = 1;
}

/* Run both ways: with one walker, and with helper threads from the first
 * entry on (see setup_threaded). */
#define BOTH_WAYS(su, td) \
	cmocka_unit_test_setup_teardown(test_mixed_tree, su, td), \
	cmocka_unit_test_setup_teardown(test_symlinks_not_followed, su, td), \
	cmocka_unit_test_setup_teardown(test_symlinks_not_followed_unsealed, su, td), \
	cmocka_unit_test_setup_teardown(test_devices_left_alone, su, td), \
	cmocka_unit_test_setup_teardown(test_already_owned_not_written, su, td), \
	cmocka_unit_test_setup_teardown(test_only_wrong_entries_written, su, td), \
	cmocka_unit_test_setup_teardown(test_idempotent, su, td), \
	cmocka_unit_test_setup_teardown(test_hardlinks_inside_changed, su, td), \
	cmocka_unit_test_setup_teardown(test_hardlink_outside_skipped, su, td), \
	cmocka_unit_test_setup_teardown(test_hardlink_overlapping_paths, su, td), \
	cmocka_unit_test_setup_teardown(test_nested_paths_one_walk, su, td), \
	cmocka_unit_test_setup_teardown(test_links_of_the_start_second_skipped, su, td), \
	cmocka_unit_test_setup_teardown(test_hardlinks_across_paths, su, td), \
	cmocka_unit_test_setup_teardown(test_fresh_hardlinks_skipped, su, td), \
	cmocka_unit_test_setup_teardown(test_by_name_only_in_sealed_dirs, su, td), \
	cmocka_unit_test_setup_teardown(test_setuid_bits_cleared, su, td), \
	cmocka_unit_test_setup_teardown(test_path_is_file_or_symlink, su, td), \
	cmocka_unit_test_setup_teardown(test_if_root_mismatch, su, td), \
	cmocka_unit_test_setup_teardown(test_failure_keeps_root, su, td), \
	cmocka_unit_test_setup_teardown(test_missing_path, su, td), \
	cmocka_unit_test_setup_teardown(test_error_names_hostile_entry, su, td), \
	cmocka_unit_test_setup_teardown(test_refuses_root_directory, su, td), \
	cmocka_unit_test_setup_teardown(test_mount_points_skipped, su, td), \
	cmocka_unit_test_setup_teardown(test_statx_fallback, su, td), \
	cmocka_unit_test_setup_teardown(test_read_only_fs, su, td), \
	cmocka_unit_test_setup_teardown(test_not_root, su, td), \
	cmocka_unit_test_setup_teardown(test_wide_tree, su, td), \
	cmocka_unit_test_setup_teardown(test_wide_tree_error_path, su, td),

int main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH_WAYS(setup, teardown)
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_verified, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dotdot_and_names_gone, setup, teardown),
		cmocka_unit_test(test_empty_list),
	};
	/* Left out with threads: the ".." tests (a handed-over directory keeps
	 * its fd, so ".." is never needed there) and the 10,000-deep chain
	 * (the same walk, ~2 s more). */
	const struct CMUnitTest threaded[] = {
		BOTH_WAYS(setup_threaded, teardown)
	};

	if (geteuid() != 0) {
		fprintf(stderr, "SKIPPED: test_volume needs root (real chown on real trees)\n");
		return 0;
	}
	enter_mount_namespace();
	return cmocka_run_group_tests_name("single walker", tests, NULL, NULL) |
	       cmocka_run_group_tests_name("helper threads", threaded, NULL, NULL);
}
