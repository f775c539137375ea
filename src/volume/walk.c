/* The --chown walk. It runs as root over trees that the unprivileged target
 * user, or anyone who ever wrote to the volume, controls.
 *
 * Security contract. This file MUST:
 *  - resolve each PATH's parent once (the image author's symlinks are
 *    followed) and never resolve a path string again: every later look-up
 *    is one name relative to a directory fd it holds. PATH's own name is
 *    followed only in a sealed parent (only root can have made that
 *    symlink); in a parent the app can write it is opened O_NOFOLLOW and a
 *    symlink there fails (the app could have planted it for the next
 *    start). --chown-create makes a missing PATH with mkdirat in that
 *    parent fd and opens it with O_NOFOLLOW;
 *  - never follow a symlink below PATH (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW):
 *    a link is itself given away, its target is not touched;
 *  - change an object only through an fd whose identity (st_dev, st_ino,
 *    mount) it checked after opening it, so that a swap between look-up and
 *    change is noticed, never obeyed; or by name (fchownat(dir, name): the
 *    one such change is in visit_leaf) only in a directory that is sealed
 *    (root-owned, no group/other write bit) in the stat of its fd taken
 *    when this walk opened it, as was every directory from the top of the
 *    walk down to it (push_dir): then no one but root can rename anything
 *    on the way, so no other walker can reach that directory and hand it
 *    over while this one is inside, and no decision taken before a walk
 *    (a nested PATH's top, handed over by an outer walk) is reused;
 *  - walk nested PATHs once: a PATH whose top an earlier walk entered, or
 *    that names an earlier PATH again, is not walked again, and a walk does
 *    not enter the top of a PATH already walked;
 *  - neither enter nor change anything on another mount than PATH's, judged
 *    by mount id (a bind mount from the same filesystem shares st_dev);
 *  - never give away a character or block device below PATH;
 *  - give away a non-directory with several links only if every link was
 *    found inside the walked trees, at distinct places, and its ctime, the
 *    same at every sighting and when it is changed, is from a second before
 *    the run began, on a filesystem whose ctime this kernel stamps
 *    (fs_facts): whole-second timestamps (ext4 with 128-byte inodes, ext3)
 *    hide a rename in the same second, a server's clock or cached
 *    attributes (NFS, FUSE) hide any (links.c, ctime_settled);
 *  - not write to an entry already owned by uid:gid (no ctime change, no
 *    overlayfs copy-up);
 *  - re-open a closed ancestor only from a held fd ("..", or a name going
 *    down), checked against the st_dev/st_ino recorded on the way in, and
 *    close one only where directory offsets keep their meaning in a new
 *    open file (fs_facts): elsewhere (overlayfs) a listing is resumed only
 *    in the open file that made it, and a tree too deep for RLIMIT_NOFILE
 *    fails; the walk sees every entry or fails;
 *  - set PATH's own mode (--chown-mode) through its fd, after its owner,
 *    only when it differs;
 *  - fail with the entry's name when a needed change fails: never skip it
 *    silently;
 *  - use memory in proportion to depth (not width) and a bounded number of
 *    fds (one per level where offsets are not stable), all close-on-exec.
 */
#include "volume_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

/* Attempts at an entry that keeps changing type or identity under us. */
#define MAX_TRIES 8

/* The kernel's struct statx (uapi, fixed ABI). Declared here because
 * musl-gcc sees no kernel headers and musl 1.2.3 has no statx(). */
struct kstatx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct kstatx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct kstatx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t mnt_id;
	uint64_t spare[13];
};
_Static_assert(sizeof(struct kstatx) == 256, "struct statx is 256 bytes");
#define KSTATX_WANT 0x19fu /* type, mode, nlink, uid, gid, ctime, ino */
#define KSTATX_MNT_ID 0x1000u

/* The getdents64 record header (linux_dirent64). */
struct kdirent {
	uint64_t ino;
	int64_t off;
	unsigned short reclen;
	unsigned char type;
};
#define KDIRENT_NAME 19 /* offsetof(linux_dirent64, d_name) */

VOL int vol_grow(void *pp, size_t *cap, size_t need, size_t elem)
{
	void **p = pp;
	size_t ncap = *cap ? *cap : 16;
	void *q;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2 / elem)
			return -1;
		ncap *= 2;
	}
	q = realloc(*p, ncap * elem);
	if (q == NULL)
		return -1;
	*p = q;
	*cap = ncap;
	return 0;
}

/* Append a NUL-terminated copy of s to an arena; returns its offset. */
VOL int vol_arena_add(char **a, size_t *len, size_t *cap, const char *s, size_t *at)
{
	size_t n = strlen(s) + 1;

	if (n > SIZE_MAX - *len || vol_grow(a, cap, *len + n, 1) < 0)
		return -1;
	memcpy(*a + *len, s, n);
	*at = *len;
	*len += n;
	return 0;
}

static void obj_from_statx(struct obj *o, const struct kstatx *x)
{
	o->dev = makedev(x->dev_major, x->dev_minor);
	o->ino = (ino_t)x->ino;
	o->mnt = x->mnt_id;
	o->has_mnt = (x->mask & KSTATX_MNT_ID) != 0;
	o->ctsec = x->ctime.tv_sec;
	o->ctnsec = x->ctime.tv_nsec;
	o->nlink = x->nlink;
	o->mode = x->mode;
	o->uid = x->uid;
	o->gid = x->gid;
}

static void obj_from_stat(struct obj *o, const struct stat *st)
{
	memset(o, 0, sizeof(*o));
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	o->ctsec = (int64_t)st->st_ctim.tv_sec;
	o->ctnsec = (uint32_t)st->st_ctim.tv_nsec;
	o->nlink = (uint32_t)st->st_nlink;
	o->mode = st->st_mode;
	o->uid = st->st_uid;
	o->gid = st->st_gid;
}

/* statx for the mount id; fstatat (and st_dev for the mount test) where the
 * kernel predates statx (< 4.11) or an old seccomp profile refuses it. */
VOL int vol_stat_at(struct walker *w, int dirfd, const char *name, int flags, struct obj *o)
{
	struct stat st;

	flags |= AT_NO_AUTOMOUNT; /* never trigger an automount below PATH */
	if (!w->no_statx) {
		struct kstatx x;

		if (syscall(SYS_statx, dirfd, name, flags, KSTATX_WANT | KSTATX_MNT_ID, &x) == 0) {
			obj_from_statx(o, &x);
			return 0;
		}
		if (errno != ENOSYS && errno != EPERM)
			return -1;
		w->no_statx = 1;
	}
	if (fstatat(dirfd, name, &st, flags) < 0)
		return -1;
	obj_from_stat(o, &st);
	return 0;
}

VOL int vol_stat_fd(struct walker *w, int fd, struct obj *o)
{
	return vol_stat_at(w, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, o);
}

/* Creating, removing or renaming a name needs write permission on the
 * directory; with a POSIX ACL the group bits are its mask, so a root-owned
 * directory without group/other write bits lets no one else swap a name
 * between our look-up and our change. */
VOL int vol_is_sealed(const struct obj *dir)
{
	return dir->uid == 0 && (dir->mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* fchownat on the fd itself: works for O_PATH fds of any type, and on a
 * symlink's O_PATH fd it changes the link, not its target. */
VOL int vol_give(struct walker *w, int fd, size_t path)
{
	if (fchownat(fd, "", w->rq->uid, w->rq->gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	w->stats[path].changed++;
	return 0;
}

/* after_slash: the text so far ends in '/' (a PATH given as "dir/") */
VOL void vol_put_name(struct sbuf *e, int after_slash, const char *name)
{
	if (!after_slash)
		sbuf_chr(e, '/');
	sbuf_quoted(e, name);
}

/* For the message only: PATH and the names walked to reach the entry (for
 * a task, the names that led its finder there come first). */
static void put_walk_path(struct walker *w, const char *name)
{
	int slash;
	size_t i;

	if (w->base_node != NO_NODE) {
		slash = vol_put_chain(w, w->base_node);
	} else {
		const char *path = w->rq->paths[w->cur];
		size_t n = strlen(path);

		sbuf_quoted(w->err, path);
		slash = n > 0 && path[n - 1] == '/';
	}
	for (i = 1; i < w->depth; i++) {
		vol_put_name(w->err, slash, w->names + w->fr[i].name);
		slash = 0;
	}
	if (name != NULL)
		vol_put_name(w->err, slash, name);
}

VOL void vol_put_cause(struct walker *w, const char *what, int err)
{
	sbuf_fmt(w->err, "': %s", what);
	if (err != 0)
		sbuf_fmt(w->err, ": %s%s", strerror(err),
			 err == EPERM && geteuid() != 0 ? " (not running as root)" : "");
}

/* Root gets EPERM from chown in a user namespace when the entry's owner or
 * group is not mapped there: the kernel grants CAP_CHOWN over an inode only
 * if both are mapped (capable_wrt_inode_uidgid), and shows an unmapped id
 * as the overflow id, 65534. Say so, or it reads like a missing
 * capability. Outside a user namespace (a uid_map covering every id)
 * 65534 is just nobody (NFS root_squash): no hint then. */
static void put_unmapped(struct walker *w, const char *name)
{
	char map[64];
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, map, sizeof(map));
	struct obj o;

	if (fd >= 0)
		close(fd);
	/* the initial namespace's map: one "%10u %10u %10u\n" line, 0 0 2^32-1 */
	if ((n == 34 && memcmp(map + 22, "4294967295", 10) == 0) || w->depth == 0 ||
	    vol_stat_at(w, w->fr[w->depth - 1].fd, name ? name : "",
			name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, &o) < 0 ||
	    (o.uid != 65534 && o.gid != 65534))
		return;
	sbuf_fmt(w->err, " (its %s shows as 65534: an id not mapped in this user namespace,"
		 " and the kernel lets no capability change such an entry)",
		 o.uid == 65534 ? "owner" : "group");
}

/* Report a failure at `name` in the current directory (NULL: the directory
 * itself). Always returns -1. */
VOL int vol_fail(struct walker *w, const char *name, const char *what, int err)
{
	sbuf_reset(w->err);
	sbuf_str(w->err, "chown '");
	put_walk_path(w, name);
	vol_put_cause(w, what, err);
	if (err == EPERM && geteuid() == 0)
		put_unmapped(w, name);
	return -1;
}

static int fail_nomem(struct walker *w)
{
	return vol_fail(w, NULL, "out of memory", ENOMEM);
}

/* up_sealed: the directory it was found in is sealed (1 for PATH). */
static int push_dir(struct walker *w, const char *name, int fd, const struct obj *o,
		    int up_sealed)
{
	struct frame *f;
	size_t at = 0;

	if (vol_grow(&w->fr, &w->frcap, w->depth + 1, sizeof(*w->fr)) < 0 ||
	    vol_arena_add(&w->names, &w->nlen, &w->ncap, name, &at) < 0) {
		close(fd);
		return fail_nomem(w);
	}
	if (w->depth > 0)
		top(w)->moved = 1; /* the child's listing reuses the buffer */
	w->blen = w->bpos = 0;
	f = &w->fr[w->depth++];
	f->name = at;
	f->fd = fd;
	f->moved = 0;
	f->off = 0;
	f->node = NO_NODE;
	f->o = *o;
	f->expect_change = !owned(w, o); /* a root-owned directory, root-owned files */
	f->sealed = up_sealed && vol_is_sealed(o);
	/* a listing is resumed by offset only in the open file that made it,
	 * unless the filesystem keeps offsets across opens (fs_facts) */
	if (w->depth - 1 > FD_WINDOW && (w->roots[w->cur].fs & FS_STABLE_OFFSETS)) {
		struct frame *old = &w->fr[w->depth - 1 - FD_WINDOW];

		if (old->fd >= 0) {
			close(old->fd);
			old->fd = -1;
		}
	}
	return 0;
}

VOL int vol_open_dir_verified(struct walker *w, int dirfd, const char *name, const struct obj *want)
{
	struct obj now;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (vol_stat_fd(w, fd, &now) < 0 || !same_obj(&now, want)) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* Fallback when ".." is not the recorded parent (the directory was moved
 * meanwhile): go down again, name by name, from the nearest held fd. */
static int reopen_by_names(struct walker *w, size_t k)
{
	size_t j = k;
	int fd;

	while (w->fr[j].fd < 0)
		j--; /* the root frame always holds its fd */
	fd = w->fr[j].fd;
	while (++j <= k) {
		int next = vol_open_dir_verified(w, fd, w->names + w->fr[j].name, &w->fr[j].o);

		if (fd != w->fr[j - 1].fd)
			close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	w->fr[k].fd = fd;
	return 0;
}

/* The parent fell out of the fd window: re-open it through ".." of the
 * child we hold, which must be the directory we recorded. */
static int reopen_parent(struct walker *w)
{
	struct frame *child = top(w);
	int fd = vol_open_dir_verified(w, child->fd, "..", &child[-1].o);

	if (fd >= 0) {
		child[-1].fd = fd;
		return 0;
	}
	if (reopen_by_names(w, w->depth - 2) < 0)
		return vol_fail(w, NULL, "directory moved during the walk", 0);
	return 0;
}

/* Post-order: a directory is handed over after its contents, so a walk
 * that fails leaves PATH itself unchanged and OnRootMismatch retries it. */
static int leave_dir(struct walker *w)
{
	struct frame *f = top(w);

	if (w->depth == 1) {
		w->depth = 0; /* PATH itself is handled after every walk */
		if (w->base_node == NO_NODE)
			return 0;
		w->depth = 1; /* a task's directory: like any other, below */
		if (!owned(w, &f->o) && vol_give(w, f->fd, w->cur) < 0)
			return vol_fail(w, NULL, "cannot change owner", errno);
		close(f->fd);
		w->depth = 0;
		return 0;
	}
	if (!owned(w, &f->o) && vol_give(w, f->fd, w->cur) < 0)
		return vol_fail(w, NULL, "cannot change owner", errno);
	if (f[-1].fd < 0 && reopen_parent(w) < 0)
		return -1;
	close(f->fd);
	w->nlen = f->name;
	w->depth--;
	w->blen = w->bpos = 0;
	return 0;
}

static int is_dot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

static int refill(struct walker *w, struct frame *f)
{
	long n;

	if (f->moved) {
		if (lseek(f->fd, (off_t)f->off, SEEK_SET) < 0)
			return vol_fail(w, NULL, "cannot resume listing", errno);
		f->moved = 0;
	}
	n = syscall(SYS_getdents64, f->fd, w->buf, sizeof(w->buf));
	if (n < 0)
		return vol_fail(w, NULL, "cannot list directory", errno);
	w->blen = (size_t)n;
	w->bpos = 0;
	return 0;
}

/* Next name in the top directory: 1 and *name set, 0 at the end, -1. */
static int next_entry(struct walker *w, const char **name)
{
	struct frame *f = top(w);

	for (;;) {
		struct kdirent d;

		if (w->bpos >= w->blen) {
			if (refill(w, f) < 0)
				return -1;
			if (w->blen == 0)
				return 0;
		}
		memcpy(&d, w->buf + w->bpos, sizeof(d));
		*name = w->buf + w->bpos + KDIRENT_NAME;
		w->bpos += d.reclen;
		f->off = d.off;
		if (!is_dot(*name))
			return 1;
	}
}

/* A device node planted in a volume (or a host bind mount holding a /dev)
 * must not become the app's: /dev/sda would be the disk. */
static int is_device(const struct obj *o)
{
	return S_ISCHR(o->mode) || S_ISBLK(o->mode);
}

/* A non-directory: change it through an O_PATH fd, after checking the fd's
 * object. want is what the look-up by name found, or NULL when that look-up
 * was skipped (the fd's own statx then decides alone). RETRY sends the
 * entry back to the careful path: it changed, or it is a directory, on
 * another mount or has several links. */
static int change_leaf(struct walker *w, const char *name, const struct obj *want)
{
	struct obj now;
	int fd = openat(top(w)->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int rc = DONE;

	if (fd < 0)
		return errno == ENOENT ? DONE : vol_fail(w, name, "cannot open", errno);
	if (vol_stat_fd(w, fd, &now) < 0)
		rc = vol_fail(w, name, "cannot inspect", errno);
	else if ((want != NULL && !same_obj(want, &now)) || S_ISDIR(now.mode) ||
		 now.nlink > 1 || is_device(&now) ||
		 !same_mount(&w->roots[w->cur].o, &now))
		rc = RETRY;
	else if (owned(w, &now))
		top(w)->expect_change = 0;
	else if (vol_give(w, fd, w->cur) < 0)
		rc = vol_fail(w, name, "cannot change owner", errno);
	close(fd);
	return rc;
}

static int visit_leaf(struct walker *w, const char *name, const struct obj *o)
{
	struct frame *dir = top(w);

	if (is_device(o) && !owned(w, o)) {
		w->stats[w->cur].skipped_devices++;
		return DONE;
	}
	dir->expect_change = !owned(w, o);
	if (owned(w, o))
		return DONE;
	if (o->nlink > 1)
		return vol_note_link(w, name, o);
	if (!dir->sealed)
		return change_leaf(w, name, o);
	/* the name still means what the look-up found: no fd needed */
	if (fchownat(dir->fd, name, w->rq->uid, w->rq->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return vol_fail(w, name, "cannot change owner", errno);
	w->stats[w->cur].changed++;
	return DONE;
}

/* The top of another PATH met in this walk: walked here, once (1), or
 * already walked on its own earlier in the run: not again (0). */
static int walk_other_top(struct walker *w, const struct obj *dir)
{
	size_t j;

	for (j = 0; j < w->rq->npaths; j++) {
		struct root *rt = &w->roots[j];

		if (j == w->cur || !same_obj(&rt->o, dir) || !same_mount(&rt->o, dir))
			continue;
		if (__atomic_load_n(&rt->state, __ATOMIC_RELAXED) == ROOT_WALKED)
			return 0;
		__atomic_store_n(&rt->state, ROOT_COVERED, __ATOMIC_RELAXED);
	}
	return 1;
}

/* Open a directory for the walk: its frame's decisions (sealed above all)
 * come from the stat of the fd taken here. */
static int enter_dir(struct walker *w, const char *name, const struct obj *o)
{
	struct obj now;
	int rc, fd = openat(top(w)->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		rc = errno == ENOENT ? DONE : errno == ELOOP || errno == ENOTDIR ? RETRY :
		     vol_fail(w, name, "cannot open directory", errno);
	else if (vol_stat_fd(w, fd, &now) < 0)
		rc = vol_fail(w, name, "cannot inspect", errno);
	else if (!same_obj(o, &now) || !same_mount(&w->roots[w->cur].o, &now))
		rc = RETRY;
	else if (!walk_other_top(w, &now))
		rc = DONE;
	else if ((rc = vol_offer(w, name, fd, &now)) == 0)
		return push_dir(w, name, fd, &now, top(w)->sealed);
	else if (rc == 1)
		return DONE;
	else
		rc = fail_nomem(w);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* One listed entry. A volume already right (every restart) costs one statx
 * per entry. While entries need changes (a first run) in a directory that
 * is not sealed, the look-up by name is skipped: the O_PATH fd is opened
 * and checked anyway. */
static int visit(struct walker *w, const char *name)
{
	struct vol_stats *st = &w->stats[w->cur];
	int tries, rc = RETRY;

	st->seen++;
	if (top(w)->expect_change && !top(w)->sealed)
		rc = change_leaf(w, name, NULL);
	for (tries = 0; rc == RETRY && tries < MAX_TRIES; tries++) {
		struct obj o;

		if (vol_stat_at(w, top(w)->fd, name, AT_SYMLINK_NOFOLLOW, &o) < 0)
			return errno == ENOENT ? DONE : vol_fail(w, name, "cannot inspect", errno);
		if (!same_mount(&w->roots[w->cur].o, &o)) {
			st->skipped_mount++;
			return DONE;
		}
		rc = S_ISDIR(o.mode) ? enter_dir(w, name, &o) : visit_leaf(w, name, &o);
	}
	return rc == RETRY ? vol_fail(w, name, "kept changing during the walk", 0) : rc;
}

static int walk_loop(struct walker *w);

VOL void vol_close_frames(struct walker *w)
{
	size_t i;

	for (i = 0; i < w->depth; i++) {
		if (w->fr[i].fd >= 0)
			close(w->fr[i].fd);
	}
	w->depth = 0;
}

/* A directory another walker handed over (see walkers.c): walked like
 * PATH, but its own owner is changed here, and messages name the way to
 * it through the link-location tree. */
VOL int vol_walk_task(struct walker *w, const struct task *t)
{
	int rc = -1;

	w->nlen = 0;
	w->base_node = t->node;
	if (push_dir(w, "", t->fd, &t->o, t->sealed) == 0) {
		w->fr[0].node = t->node;
		rc = walk_loop(w);
	}
	vol_close_frames(w);
	w->base_node = NO_NODE;
	return rc;
}

static int walk_loop(struct walker *w)
{
	while (w->depth > 0) {
		const char *name;
		int rc;

		rc = vol_between_entries(w);
		if (rc < 0)
			return rc;
		rc = next_entry(w, &name);
		if (rc == 0)
			rc = leave_dir(w);
		else if (rc > 0)
			rc = visit(w, name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

VOL int vol_walk_tree(struct walker *w)
{
	struct root *rt = &w->roots[w->cur];
	int fd = rt->fd, rc;

	rt->fd = -1; /* lent to the root frame until the walk ends */
	w->depth = 0;
	w->nlen = 0;
	/* sealed only from a fresh stat: an earlier PATH's walk may have
	 * handed this one over */
	if (push_dir(w, "", fd, &rt->o, vol_stat_fd(w, fd, &rt->o) == 0) < 0)
		return -1;
	rc = walk_loop(w);
	if (rc == 0)
		rt->fd = fd;
	return vol_finish_pool(w, rc);
}

VOL uint64_t vol_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
