/* The PATHs of one --chown run: open each top (the last component's
 * symlink rule, --chown-create), walk it (walk.c), settle the hard links
 * (links.c), then finish each top (owner last, --chown-mode). walk.c's
 * MUST list covers this file too: PATH is resolved once, only in a sealed
 * parent is its own name followed, and every later look-up is relative to
 * an fd held. */
#include "volume_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

/* What PATH's filesystem promises, by f_type; one not listed promises
 * nothing (fail closed: hard links left alone, no directory re-opened).
 *  - FS_KERNEL_TIMES: this kernel stamps ctime at every link change, at a
 *    second or finer. Not NFS, CIFS, FUSE, 9p, Ceph: a server's clock or
 *    cached attributes can show a moved link with its old ctime.
 *  - FS_STABLE_OFFSETS: a directory offset means the same place in a new
 *    open file (hash or index cookies). Not overlayfs: a merged directory
 *    is listed from a cache built at open, and copy-ups (each chown is
 *    one) reorder the next one. */
static unsigned fs_facts(int fd)
{
	static const uint32_t known[] = {
		0x794C7630u, /* overlayfs: times only */
		0xEF53u,     /* ext2/3/4 */
		0x58465342u, /* xfs */
		0x9123683Eu, /* btrfs */
		0x01021994u, /* tmpfs */
		0xF2F52010u, /* f2fs */
		0x2FC12FC1u, /* zfs */
	};
	struct statfs sf;
	unsigned i;

	for (i = 0; fstatfs(fd, &sf) == 0 && i < sizeof(known) / sizeof(known[0]); i++) {
		if ((uint32_t)sf.f_type == known[i])
			return i == 0 ? FS_KERNEL_TIMES : FS_KERNEL_TIMES | FS_STABLE_OFFSETS;
	}
	return 0;
}

/* Open PATH itself (O_PATH). The kernel resolves it up to its parent, the
 * image author's. The last component is followed only when that parent is
 * sealed: there only root can have made a symlink (the author's alias).
 * In a directory the app can write (PGDATA below a postgres-owned
 * directory), a symlink may be the app's own, planted for the next start
 * to hand it /etc, so it is refused. --chown-create makes a missing last
 * component in that same parent fd and opens it with O_NOFOLLOW: a symlink
 * planted meanwhile fails instead of leading elsewhere. */
static int open_top(struct walker *w, const char *path, int *created, int may_create)
{
	char buf[4096];
	const char *parent = ".", *base = buf;
	size_t n = strlen(path);
	struct obj pd;
	int pfd, fd = -1, sealed, e;

	while (n > 1 && path[n - 1] == '/')
		n--;
	if (n >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(buf, path, n);
	buf[n] = '\0';
	for (size_t i = n; i-- > 0;) {
		if (buf[i] != '/')
			continue;
		parent = i == 0 ? "/" : buf;
		buf[i] = '\0';
		base = i == 0 && n == 1 ? "/" : buf + i + 1;
		break;
	}
	pfd = open(parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0) {
		*created = (w->rq->flags & VOL_CREATE) ? -1 : 0;
		return -1;
	}
	sealed = vol_stat_fd(w, pfd, &pd) == 0 && vol_is_sealed(&pd);
	fd = openat(pfd, base, O_PATH | O_CLOEXEC | (sealed ? 0 : O_NOFOLLOW));
	if (fd < 0 && errno == ENOENT && (w->rq->flags & VOL_CREATE)) {
		if (!may_create) {
			*created = 2; /* later, once every other PATH has opened */
		} else {
			if (mkdirat(pfd, base, 0755) == 0 || errno == EEXIST)
				fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			*created = fd >= 0 ? 1 : -1;
		}
	}
	e = errno;
	close(pfd);
	errno = e;
	return fd;
}

/* 0, -1 (message in err), or 1: PATH is missing and --chown-create will
 * make it when called again with may_create */
static int open_root(struct walker *w, size_t i, int may_create)
{
	struct root *rt = &w->roots[i];
	struct obj top_dir;
	int created = 0, fd;

	w->cur = i;
	w->depth = 0;
	fd = open_top(w, w->rq->paths[i], &created, may_create);
	if (fd < 0 && created == 2)
		return 1;
	if (fd < 0)
		return vol_fail(w, NULL, created < 0 ? "cannot create" : "cannot open", errno);
	w->stats[i].created = created > 0;
	rt->fd = fd;
	if (vol_stat_fd(w, fd, &rt->o) < 0)
		return vol_fail(w, NULL, "cannot inspect", errno);
	if (S_ISLNK(rt->o.mode))
		return vol_fail(w, NULL, "a symlink in a directory not root's alone (a non-root "
				"owner, or group or other write): not followed", 0);
	if (vol_stat_at(w, AT_FDCWD, "/", 0, &top_dir) == 0 && same_obj(&top_dir, &rt->o))
		return vol_fail(w, NULL, "refusing to give away the root directory", 0);
	rt->fs = fs_facts(fd);
	if (!S_ISDIR(rt->o.mode))
		return (w->rq->flags & VOL_SET_MODE) ?
		       vol_fail(w, NULL, "--chown-mode needs a directory", 0) : 0;
	/* O_PATH cannot list: re-open the same directory for reading */
	rt->fd = vol_open_dir_verified(w, fd, ".", &rt->o);
	close(fd);
	if (rt->fd < 0)
		return vol_fail(w, NULL, "cannot open directory", errno);
	return 0;
}

static int walk_root(struct walker *w, size_t i)
{
	struct vol_stats *st = &w->stats[i];
	struct root *rt = &w->roots[i];
	uint64_t t0 = vol_now_ns();
	int rc = 0;

	w->cur = i;
	st->seen = 1;
	st->threads = 1;
	st->root_already_owned = owned(w, &rt->o);
	if (st->root_already_owned && (w->rq->flags & VOL_IF_ROOT_MISMATCH))
		st->walk_skipped = 1;
	else if (S_ISDIR(rt->o.mode))
		rc = vol_walk_tree(w);
	else if (rt->o.nlink > 1 && !owned(w, &rt->o))
		st->skipped_links++; /* its other links are not ours to judge */
	st->nsec += vol_now_ns() - t0;
	return rc;
}

/* PATH itself last, after its tree and the link pass, so that an owner
 * already right on PATH means a finished walk (OnRootMismatch). */
static int finish_root(struct walker *w, size_t i)
{
	struct vol_stats *st = &w->stats[i];
	struct root *rt = &w->roots[i];
	uint64_t t0 = vol_now_ns();
	struct obj now;

	w->cur = i;
	w->depth = 0;
	if (!S_ISDIR(rt->o.mode) && rt->o.nlink > 1)
		return 0;
	if (vol_stat_fd(w, rt->fd, &now) < 0) /* fresh: another PATH may have changed it */
		return vol_fail(w, NULL, "cannot inspect", errno);
	if (!S_ISDIR(now.mode) && now.nlink > 1) {
		st->skipped_links++; /* linked elsewhere since we looked */
		return 0;
	}
	if (!st->walk_skipped && !owned(w, &now) && vol_give(w, rt->fd, i) < 0)
		return vol_fail(w, NULL, "cannot change owner", errno);
	/* after the owner, whose change may clear set-id bits; a directory's
	 * fd (open_root), a mode already right is not written. The raw call:
	 * musl's fchmod adds a /proc/self/fd fallback for O_PATH fds, which
	 * this read-only directory fd is not */
	if ((w->rq->flags & VOL_SET_MODE) && (now.mode & 07777) != w->rq->mode &&
	    syscall(SYS_fchmod, (long)rt->fd, (long)w->rq->mode) < 0)
		return vol_fail(w, NULL, "cannot change mode", errno);
	st->nsec += vol_now_ns() - t0;
	return 0;
}

static void free_main_walker(struct walker *w)
{
	size_t i;

	vol_close_frames(w);
	for (i = 0; w->roots != NULL && i < w->rq->npaths; i++) {
		if (w->roots[i].fd >= 0)
			close(w->roots[i].fd);
	}
	free(w->roots);
	free(w->fr);
	free(w->names);
	vol_free_links(w->lk);
	free(w);
}

static int run_all(struct walker *w)
{
	struct root *rt = w->roots;
	size_t i, j;

	/* every PATH must exist, or be only a missing last component that
	 * --chown-create makes, before anything is made or changed */
	for (i = 0; i < w->rq->npaths; i++) {
		if (open_root(w, i, 0) < 0)
			return -1;
	}
	for (i = 0; i < w->rq->npaths; i++) {
		if (rt[i].fd < 0 && open_root(w, i, 1) != 0)
			return -1;
	}
	/* nested PATHs are one walk: one whose top an earlier walk entered (or
	 * that names an earlier one again) is not walked again, and a walk
	 * that meets the top of one already walked does not enter it */
	for (i = 0; i < w->rq->npaths; i++) {
		for (j = 0; j < i; j++) {
			if (same_obj(&rt[j].o, &rt[i].o) && same_mount(&rt[j].o, &rt[i].o))
				rt[i].state = ROOT_COVERED;
		}
		w->stats[i].covered = rt[i].state == ROOT_COVERED;
		if (!w->stats[i].covered && walk_root(w, i) < 0)
			return -1;
		rt[i].state = ROOT_WALKED;
	}
	if (vol_settle_links(w) < 0)
		return -1;
	for (i = 0; i < w->rq->npaths; i++) {
		if (finish_root(w, i) < 0)
			return -1;
	}
	return 0;
}

int volume_chown(const struct vol_request *rq, struct vol_stats *stats, struct sbuf *err)
{
	struct pool pool = { 0 };
	struct links lk = { 0 };
	struct timespec now;
	struct walker *w = calloc(1, sizeof(*w));
	size_t i, n = rq->npaths;
	int rc;

	if (n > 0)
		memset(stats, 0, n * sizeof(*stats));
	if (w == NULL || (n > 0 && (w->roots = calloc(n, sizeof(*w->roots))) == NULL)) {
		free(w);
		sbuf_reset(err);
		sbuf_str(err, "chown: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		w->roots[i].fd = -1;
	w->rq = rq;
	w->stats = stats;
	w->err = err;
	w->lk = &lk;
	w->pool = &pool;
	w->is_main = 1;
	w->base_node = NO_NODE;
	/* the clock that stamps inode times (links.c, ctime_settled) */
	clock_gettime(CLOCK_REALTIME_COARSE, &now);
	w->start_sec = (int64_t)now.tv_sec;
	rc = run_all(w);
	free_main_walker(w);
	return rc;
}
