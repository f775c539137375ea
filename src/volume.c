/* The --chown walk. It runs as root over trees that the unprivileged target
 * user, or anyone who ever wrote to the volume, controls.
 *
 * Security contract. This file MUST:
 *  - resolve each PATH once (the image author's symlinks are followed) and
 *    never resolve a path string again: every later look-up is one name
 *    relative to a directory fd it holds;
 *  - never follow a symlink below PATH (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW):
 *    a link is itself given away, its target is not touched;
 *  - change an object only through an fd whose identity (st_dev, st_ino,
 *    mount) it checked after opening it, so that a swap between look-up and
 *    change is noticed, never obeyed; or, by name, in a directory whose
 *    names only root can change (root-owned, no group/other write bit);
 *  - neither enter nor change anything on another mount than PATH's, judged
 *    by mount id (a bind mount from the same filesystem shares st_dev);
 *  - never give away a character or block device below PATH;
 *  - give away a non-directory with several links only if every link was
 *    found inside the walked trees, at distinct places, while the inode did
 *    not change;
 *  - not write to an entry already owned by uid:gid (no ctime change, no
 *    overlayfs copy-up);
 *  - re-open a closed ancestor only from a held fd ("..", or a name going
 *    down), checked against the st_dev/st_ino recorded on the way in;
 *  - fail with the entry's name when a needed change fails: never skip it
 *    silently;
 *  - use memory in proportion to depth (not width) and a bounded number of
 *    fds, all close-on-exec.
 */
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

/* Directory fds kept open below the top of the walk; deeper ancestors are
 * closed and re-opened on the way back up (RLIMIT_NOFILE is often 1024). */
#define FD_WINDOW 32
/* What one walker may hold (its window, its task's root, an O_PATH fd, a
 * directory being offered), counted twice for what else the process has. */
#define FDS_PER_WALKER ((rlim_t)2 * (FD_WINDOW + 4))
/* Attempts at an entry that keeps changing type or identity under us. */
#define MAX_TRIES 8
#define DENTS_SIZE 32768
#define NO_NODE SIZE_MAX

unsigned vol_threads_max = 4;
unsigned long vol_spawn_after = 2048;

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

/* The facts every decision is taken on. */
struct obj {
	dev_t dev;
	ino_t ino;
	uint64_t mnt;
	int64_t ctsec;
	uint32_t ctnsec;
	uint32_t nlink;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	int has_mnt;
};

struct frame {
	size_t name;  /* offset in run.names; 0 (empty) for PATH */
	int fd;       /* -1 while outside the fd window */
	int moved;    /* the shared buffer no longer holds this listing */
	int expect_change; /* the last entry needed a change: so may the next */
	int sealed;   /* only root can change its names (see is_sealed) */
	int64_t off;  /* d_off of the last entry taken: where to resume */
	size_t node;  /* in the link-location tree, NO_NODE until needed */
	struct obj o; /* identity and owner as found on the way in */
};

/* A directory that holds a multi-link file, kept after the walk leaves it
 * so the file can be found again from PATH's fd, name by name. */
struct node {
	size_t parent; /* NO_NODE: the root of paths[path] */
	size_t name;   /* offset in run.keep */
	size_t path;
	dev_t dev;
	ino_t ino;
};

/* One link to a multi-link non-directory that needs a new owner. */
struct sighting {
	dev_t dev;
	ino_t ino;
	int64_t ctsec;
	uint32_t ctnsec;
	uint32_t nlink;
	dev_t pdev;    /* the directory holding this link ... */
	ino_t pino;
	uint64_t hash; /* ... and its name: distinct places, not names seen */
	size_t node;
	size_t name;   /* offset in run.keep */
	size_t path;
	int fresh;     /* ctime was in the current clock tick when seen */
};

struct root {
	int fd;
	struct obj o;
};

/* What the link pass needs after the walk: every sighting of a multi-link
 * file and the directories that lead to them. Shared by all walkers, under
 * the pool's lock while they run. */
struct links {
	struct sighting *sg;
	size_t nsg, sgcap;
	struct node *nd;
	size_t nnd, ndcap;
	char *keep; /* names kept for the link pass */
	size_t klen, kcap;
};

/* A directory handed to an idle walker: opened and checked by the walker
 * that found it, which then goes on with its own listing. */
struct task {
	int fd;
	struct obj o;
	size_t node; /* its place in the link-location tree */
};

/* A mutex and a condition variable on raw futexes: musl's pthread ones
 * cost ~3 KiB of the 64 KiB budget, these ~0.3. The lock is the classic
 * three-state futex mutex (0 free, 1 held, 2 held with waiters); the
 * condition is a sequence number that waiters sleep on. */
static void futex(int *word, int op, int val)
{
	syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

static void lock(int *m)
{
	int c = 0;

	if (__atomic_compare_exchange_n(m, &c, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	if (c != 2)
		c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		futex(m, FUTEX_WAIT_PRIVATE, 2);
		c = __atomic_exchange_n(m, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock(int *m)
{
	if (__atomic_fetch_sub(m, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(m, 0, __ATOMIC_RELEASE);
		futex(m, FUTEX_WAKE_PRIVATE, 1);
	}
}

/* Called with the lock held; returns with it held, maybe spuriously. */
static void wait_change(int *cv, int *m)
{
	int seq = __atomic_load_n(cv, __ATOMIC_RELAXED);

	unlock(m);
	futex(cv, FUTEX_WAIT_PRIVATE, seq);
	lock(m);
}

static void wake_all(int *cv)
{
	__atomic_add_fetch(cv, 1, __ATOMIC_RELEASE);
	futex(cv, FUTEX_WAKE_PRIVATE, INT_MAX);
}

struct run;

/* Walkers of one PATH: the caller's thread plus helper threads started
 * once the tree proves big enough to be worth them. */
struct pool {
	int mu;
	int cv;
	struct task q[VOL_THREADS_CAP];
	size_t nq;
	unsigned idle;   /* walkers waiting for a task (atomic: read unlocked) */
	unsigned busy;   /* walkers walking */
	int stop;        /* a walker failed (atomic: read unlocked) */
	int done;        /* no task left and no walker busy */
	int spawned;     /* helpers were started for this PATH */
	struct run *failed; /* the first walker that failed */
	unsigned nhelp;
	pthread_t tid[VOL_THREADS_CAP];
	struct run *help[VOL_THREADS_CAP];
};

struct run {
	uid_t uid;
	gid_t gid;
	unsigned flags;
	const char *const *paths;
	size_t npaths;
	struct vol_stats *stats;
	struct sbuf *err;
	int no_statx;
	struct root *roots;
	size_t cur; /* the path being walked */
	struct frame *fr;
	size_t depth, frcap;
	char *names; /* names of the frames, a stack of NUL-terminated strings */
	size_t nlen, ncap;
	struct links *lk;
	struct pool *pool;
	int is_main;      /* the caller's thread: owns roots, starts helpers */
	size_t base_node; /* NO_NODE, or the node of the task being walked */
	struct sbuf own_err; /* a helper's message, copied to the caller's */
	char own_errmem[1024];
	size_t bpos, blen;
	_Alignas(8) char buf[DENTS_SIZE];
};

enum { DONE = 0, RETRY = 1 };

static int grow(void *pp, size_t *cap, size_t need, size_t elem)
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
static int arena_add(char **a, size_t *len, size_t *cap, const char *s, size_t *at)
{
	size_t n = strlen(s) + 1;

	if (n > SIZE_MAX - *len || grow(a, cap, *len + n, 1) < 0)
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
static int stat_at(struct run *r, int dirfd, const char *name, int flags, struct obj *o)
{
	struct stat st;

	flags |= AT_NO_AUTOMOUNT; /* never trigger an automount below PATH */
	if (!r->no_statx) {
		struct kstatx x;

		if (syscall(SYS_statx, dirfd, name, flags, KSTATX_WANT | KSTATX_MNT_ID, &x) == 0) {
			obj_from_statx(o, &x);
			return 0;
		}
		if (errno != ENOSYS && errno != EPERM)
			return -1;
		r->no_statx = 1;
	}
	if (fstatat(dirfd, name, &st, flags) < 0)
		return -1;
	obj_from_stat(o, &st);
	return 0;
}

static int stat_fd(struct run *r, int fd, struct obj *o)
{
	return stat_at(r, fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, o);
}

static int same_obj(const struct obj *a, const struct obj *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* Mount ids tell a same-filesystem bind mount apart; st_dev is the
 * fallback before Linux 5.8. */
static int same_mount(const struct obj *root, const struct obj *o)
{
	if (root->has_mnt && o->has_mnt)
		return root->mnt == o->mnt;
	return root->dev == o->dev;
}

static int owned(const struct run *r, const struct obj *o)
{
	return o->uid == r->uid && o->gid == r->gid;
}

/* Creating, removing or renaming a name needs write permission on the
 * directory; with a POSIX ACL the group bits are its mask, so a root-owned
 * directory without group/other write bits lets no one else swap a name
 * between our look-up and our change. */
static int is_sealed(const struct obj *dir)
{
	return dir->uid == 0 && (dir->mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* fchownat on the fd itself: works for O_PATH fds of any type, and on a
 * symlink's O_PATH fd it changes the link, not its target. */
static int give(struct run *r, int fd, size_t path)
{
	if (fchownat(fd, "", r->uid, r->gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		return -1;
	r->stats[path].changed++;
	return 0;
}

static void put_name(struct sbuf *e, const char *base, const char *name)
{
	size_t n = strlen(base);

	if (n == 0 || base[n - 1] != '/')
		sbuf_chr(e, '/');
	sbuf_quoted(e, name);
}

static const char *put_chain(struct run *r, size_t node);

/* For the message only: PATH and the names walked to reach the entry (for
 * a task, the names that led its finder there come first). */
static void put_walk_path(struct run *r, const char *name)
{
	const char *last;
	size_t i;

	if (r->base_node != NO_NODE) {
		lock(&r->pool->mu); /* the node table may grow */
		last = put_chain(r, r->base_node);
	} else {
		last = r->paths[r->cur];
		sbuf_quoted(r->err, last);
	}
	for (i = 1; i < r->depth; i++) {
		put_name(r->err, last, r->names + r->fr[i].name);
		last = r->names + r->fr[i].name;
	}
	if (name != NULL)
		put_name(r->err, last, name);
	if (r->base_node != NO_NODE)
		unlock(&r->pool->mu);
}

static void put_cause(struct run *r, const char *what, int err)
{
	sbuf_str(r->err, "': ");
	sbuf_str(r->err, what);
	if (err == 0)
		return;
	sbuf_str(r->err, ": ");
	sbuf_errno(r->err, err);
	if (err == EPERM && geteuid() != 0)
		sbuf_str(r->err, " (not running as root)");
}

/* Report a failure at `name` in the current directory (NULL: the directory
 * itself). Always returns -1. */
static int fail(struct run *r, const char *name, const char *what, int err)
{
	sbuf_reset(r->err);
	sbuf_str(r->err, "chown '");
	put_walk_path(r, name);
	put_cause(r, what, err);
	return -1;
}

static int fail_nomem(struct run *r)
{
	return fail(r, NULL, "out of memory", ENOMEM);
}

static struct frame *top(struct run *r)
{
	return &r->fr[r->depth - 1];
}

static int push_dir(struct run *r, const char *name, int fd, const struct obj *o)
{
	struct frame *f;
	size_t at = 0;

	if (grow(&r->fr, &r->frcap, r->depth + 1, sizeof(*r->fr)) < 0 ||
	    arena_add(&r->names, &r->nlen, &r->ncap, name, &at) < 0) {
		close(fd);
		return fail_nomem(r);
	}
	if (r->depth > 0)
		top(r)->moved = 1; /* the child's listing reuses the buffer */
	r->blen = r->bpos = 0;
	f = &r->fr[r->depth++];
	f->name = at;
	f->fd = fd;
	f->moved = 0;
	f->off = 0;
	f->node = NO_NODE;
	f->o = *o;
	f->expect_change = !owned(r, o); /* a root-owned directory, root-owned files */
	f->sealed = is_sealed(o);
	if (r->depth - 1 > FD_WINDOW) {
		struct frame *old = &r->fr[r->depth - 1 - FD_WINDOW];

		if (old->fd >= 0) {
			close(old->fd);
			old->fd = -1;
		}
	}
	return 0;
}

static int open_dir_verified(struct run *r, int dirfd, const char *name, const struct obj *want)
{
	struct obj now;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (stat_fd(r, fd, &now) < 0 || !same_obj(&now, want)) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

/* Fallback when ".." is not the recorded parent (the directory was moved
 * meanwhile): go down again, name by name, from the nearest held fd. */
static int reopen_by_names(struct run *r, size_t k)
{
	size_t j = k;
	int fd;

	while (r->fr[j].fd < 0)
		j--; /* the root frame always holds its fd */
	fd = r->fr[j].fd;
	while (++j <= k) {
		int next = open_dir_verified(r, fd, r->names + r->fr[j].name, &r->fr[j].o);

		if (fd != r->fr[j - 1].fd)
			close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	r->fr[k].fd = fd;
	return 0;
}

/* The parent fell out of the fd window: re-open it through ".." of the
 * child we hold, which must be the directory we recorded. */
static int reopen_parent(struct run *r)
{
	struct frame *child = top(r);
	int fd = open_dir_verified(r, child->fd, "..", &child[-1].o);

	if (fd >= 0) {
		child[-1].fd = fd;
		return 0;
	}
	if (reopen_by_names(r, r->depth - 2) < 0)
		return fail(r, NULL, "directory moved during the walk", 0);
	return 0;
}

/* Post-order: a directory is handed over after its contents, so a walk
 * that fails leaves PATH itself unchanged and OnRootMismatch retries it. */
static int leave_dir(struct run *r)
{
	struct frame *f = top(r);

	if (r->depth == 1) {
		r->depth = 0; /* PATH itself is handled after every walk */
		if (r->base_node == NO_NODE)
			return 0;
		r->depth = 1; /* a task's directory: like any other, below */
		if (!owned(r, &f->o) && give(r, f->fd, r->cur) < 0)
			return fail(r, NULL, "cannot change owner", errno);
		close(f->fd);
		r->depth = 0;
		return 0;
	}
	if (!owned(r, &f->o) && give(r, f->fd, r->cur) < 0)
		return fail(r, NULL, "cannot change owner", errno);
	if (f[-1].fd < 0 && reopen_parent(r) < 0)
		return -1;
	close(f->fd);
	r->nlen = f->name;
	r->depth--;
	r->blen = r->bpos = 0;
	return 0;
}

static int is_dot(const char *s)
{
	return s[0] == '.' && (s[1] == '\0' || (s[1] == '.' && s[2] == '\0'));
}

static int refill(struct run *r, struct frame *f)
{
	long n;

	if (f->moved) {
		if (lseek(f->fd, (off_t)f->off, SEEK_SET) < 0)
			return fail(r, NULL, "cannot resume listing", errno);
		f->moved = 0;
	}
	n = syscall(SYS_getdents64, f->fd, r->buf, sizeof(r->buf));
	if (n < 0)
		return fail(r, NULL, "cannot list directory", errno);
	r->blen = (size_t)n;
	r->bpos = 0;
	return 0;
}

/* Next name in the top directory: 1 and *name set, 0 at the end, -1. */
static int next_entry(struct run *r, const char **name)
{
	struct frame *f = top(r);

	for (;;) {
		struct kdirent d;

		if (r->bpos >= r->blen) {
			if (refill(r, f) < 0)
				return -1;
			if (r->blen == 0)
				return 0;
		}
		memcpy(&d, r->buf + r->bpos, sizeof(d));
		*name = r->buf + r->bpos + KDIRENT_NAME;
		r->bpos += d.reclen;
		f->off = d.off;
		if (!is_dot(*name))
			return 1;
	}
}

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211u;
	}
	return h;
}

/* Give frames up to and including k a place in the link-location tree,
 * so a link found there can be re-opened after the walk. */
static int ensure_nodes(struct run *r, size_t k, size_t *node)
{
	size_t i = k + 1;

	while (i > 0 && r->fr[i - 1].node == NO_NODE)
		i--;
	for (; i <= k; i++) {
		struct node *n;

		if (grow(&r->lk->nd, &r->lk->ndcap, r->lk->nnd + 1, sizeof(*r->lk->nd)) < 0)
			return -1;
		n = &r->lk->nd[r->lk->nnd];
		n->parent = i > 0 ? r->fr[i - 1].node : NO_NODE;
		n->path = r->cur;
		n->dev = r->fr[i].o.dev;
		n->ino = r->fr[i].o.ino;
		if (arena_add(&r->lk->keep, &r->lk->klen, &r->lk->kcap, r->names + r->fr[i].name, &n->name) < 0)
			return -1;
		r->fr[i].node = r->lk->nnd++;
	}
	*node = r->fr[k].node;
	return 0;
}

/* A change made after this look-up can only be told from the ctime seen
 * here if that ctime is from an earlier clock tick than the look-up: inode
 * times come from the coarse clock. Returns 1 if so, 0 if not, -1. */
static int ctime_settled(struct run *r, const char *name, const struct obj *o)
{
	struct timespec tick;
	struct obj again;

	clock_gettime(CLOCK_REALTIME_COARSE, &tick);
	if (stat_at(r, top(r)->fd, name, AT_SYMLINK_NOFOLLOW, &again) < 0)
		return -1;
	if (!same_obj(o, &again) || again.ctsec != o->ctsec || again.ctnsec != o->ctnsec) {
		errno = EAGAIN;
		return -1;
	}
	return o->ctsec < (int64_t)tick.tv_sec ||
	       (o->ctsec == (int64_t)tick.tv_sec && o->ctnsec < (uint32_t)tick.tv_nsec);
}

/* Record one link of a multi-link file; the decision waits until every
 * tree has been walked (see settle_links). */
static int note_link(struct run *r, const char *name, const struct obj *o)
{
	struct frame *dir = top(r);
	struct sighting *s;
	size_t node, at;
	int settled = ctime_settled(r, name, o);

	if (settled < 0) {
		if (errno == ENOENT)
			return DONE;
		return errno == EAGAIN ? RETRY : fail(r, name, "cannot inspect", errno);
	}
	lock(&r->pool->mu);
	if (ensure_nodes(r, r->depth - 1, &node) < 0 ||
	    grow(&r->lk->sg, &r->lk->sgcap, r->lk->nsg + 1, sizeof(*r->lk->sg)) < 0 ||
	    arena_add(&r->lk->keep, &r->lk->klen, &r->lk->kcap, name, &at) < 0) {
		unlock(&r->pool->mu);
		return fail_nomem(r);
	}
	s = &r->lk->sg[r->lk->nsg++];
	s->dev = o->dev;
	s->ino = o->ino;
	s->ctsec = o->ctsec;
	s->ctnsec = o->ctnsec;
	s->nlink = o->nlink;
	s->pdev = dir->o.dev;
	s->pino = dir->o.ino;
	s->hash = name_hash(name);
	s->node = node;
	s->name = at;
	s->path = r->cur;
	s->fresh = !settled;
	unlock(&r->pool->mu);
	return DONE;
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
static int change_leaf(struct run *r, const char *name, const struct obj *want)
{
	struct obj now;
	int fd = openat(top(r)->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int rc = DONE;

	if (fd < 0)
		return errno == ENOENT ? DONE : fail(r, name, "cannot open", errno);
	if (stat_fd(r, fd, &now) < 0)
		rc = fail(r, name, "cannot inspect", errno);
	else if ((want != NULL && !same_obj(want, &now)) || S_ISDIR(now.mode) ||
		 now.nlink > 1 || is_device(&now) ||
		 !same_mount(&r->roots[r->cur].o, &now))
		rc = RETRY;
	else if (owned(r, &now))
		top(r)->expect_change = 0;
	else if (give(r, fd, r->cur) < 0)
		rc = fail(r, name, "cannot change owner", errno);
	close(fd);
	return rc;
}

static int visit_leaf(struct run *r, const char *name, const struct obj *o)
{
	struct frame *dir = top(r);

	if (is_device(o) && !owned(r, o)) {
		r->stats[r->cur].skipped_devices++;
		return DONE;
	}
	dir->expect_change = !owned(r, o);
	if (owned(r, o))
		return DONE;
	if (o->nlink > 1)
		return note_link(r, name, o);
	if (!dir->sealed)
		return change_leaf(r, name, o);
	/* the name still means what the look-up found: no fd needed */
	if (fchownat(dir->fd, name, r->uid, r->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return fail(r, name, "cannot change owner", errno);
	r->stats[r->cur].changed++;
	return DONE;
}

/* Hand a checked directory to a walker that waits for work, instead of
 * descending into it here. Returns 1 if handed over (the fd is the task's
 * now), 0 to walk it here, -1 when out of memory. */
static int offer(struct run *r, const char *name, int fd, const struct obj *o)
{
	struct pool *p = r->pool;
	struct links *lk = r->lk;
	size_t parent;
	struct task *t;
	struct node *n;

	if (__atomic_load_n(&p->idle, __ATOMIC_RELAXED) == 0)
		return 0;
	lock(&p->mu);
	if (p->stop || p->idle <= p->nq) {
		unlock(&p->mu);
		return 0;
	}
	/* the task's links must be found again from PATH after the walk */
	if (ensure_nodes(r, r->depth - 1, &parent) < 0 ||
	    grow(&lk->nd, &lk->ndcap, lk->nnd + 1, sizeof(*lk->nd)) < 0 ||
	    arena_add(&lk->keep, &lk->klen, &lk->kcap, name, &lk->nd[lk->nnd].name) < 0) {
		unlock(&p->mu);
		return -1;
	}
	n = &lk->nd[lk->nnd];
	n->parent = parent;
	n->path = r->cur;
	n->dev = o->dev;
	n->ino = o->ino;
	t = &p->q[p->nq++];
	t->fd = fd;
	t->o = *o;
	t->node = lk->nnd++;
	r->stats[r->cur].tasks++;
	wake_all(&p->cv);
	unlock(&p->mu);
	return 1;
}

static int enter_dir(struct run *r, const char *name, const struct obj *o)
{
	struct obj now;
	int fd = openat(top(r)->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT)
			return DONE;
		if (errno == ELOOP || errno == ENOTDIR)
			return RETRY; /* no longer a directory */
		return fail(r, name, "cannot open directory", errno);
	}
	if (stat_fd(r, fd, &now) < 0) {
		close(fd);
		return fail(r, name, "cannot inspect", errno);
	}
	if (!same_obj(o, &now) || !same_mount(&r->roots[r->cur].o, &now)) {
		close(fd);
		return RETRY;
	}
	switch (offer(r, name, fd, &now)) {
	case 1:
		return DONE;
	case 0:
		return push_dir(r, name, fd, &now);
	default:
		close(fd);
		return fail_nomem(r);
	}
}

/* One listed entry. A volume already right (every restart) costs one statx
 * per entry. While entries need changes (a first run) in a directory that
 * is not sealed, the look-up by name is skipped: the O_PATH fd is opened
 * and checked anyway. */
static int visit(struct run *r, const char *name)
{
	struct vol_stats *st = &r->stats[r->cur];
	int tries, rc = RETRY;

	st->seen++;
	if (top(r)->expect_change && !top(r)->sealed)
		rc = change_leaf(r, name, NULL);
	for (tries = 0; rc == RETRY && tries < MAX_TRIES; tries++) {
		struct obj o;

		if (stat_at(r, top(r)->fd, name, AT_SYMLINK_NOFOLLOW, &o) < 0)
			return errno == ENOENT ? DONE : fail(r, name, "cannot inspect", errno);
		if (!same_mount(&r->roots[r->cur].o, &o)) {
			st->skipped_mount++;
			return DONE;
		}
		rc = S_ISDIR(o.mode) ? enter_dir(r, name, &o) : visit_leaf(r, name, &o);
	}
	return rc == RETRY ? fail(r, name, "kept changing during the walk", 0) : rc;
}

enum { ABORTED = -2 }; /* another walker failed: stop, say nothing */

static int walk_loop(struct run *r);

static void close_frames(struct run *r)
{
	size_t i;

	for (i = 0; i < r->depth; i++) {
		if (r->fr[i].fd >= 0)
			close(r->fr[i].fd);
	}
	r->depth = 0;
}

static int walk_task(struct run *r, const struct task *t)
{
	int rc = -1;

	r->nlen = 0;
	r->base_node = t->node;
	if (push_dir(r, "", t->fd, &t->o) == 0) {
		r->fr[0].node = t->node;
		rc = walk_loop(r);
	}
	close_frames(r);
	r->base_node = NO_NODE;
	return rc;
}

/* Called and returns with the pool's lock held. */
static void record_failure(struct pool *p, struct run *r)
{
	if (!p->stop) {
		p->failed = r;
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
	}
	wake_all(&p->cv);
}

/* A walker stopped walking (rc of its walk): note a failure, and end the
 * pool's work when no task is left and no walker is busy (so none can be
 * offered). Called and returns with the lock held. */
static void walker_done(struct pool *p, struct run *r, int rc)
{
	p->busy--;
	if (rc == -1)
		record_failure(p, r);
	if (p->nq == 0 && p->busy == 0) {
		p->done = 1;
		wake_all(&p->cv);
	}
}

/* Take tasks until none is left and no walker is busy (so none can be
 * offered), or a walker failed. Called and returns with the lock held. */
static void work(struct run *r)
{
	struct pool *p = r->pool;

	for (;;) {
		struct task t;
		int rc;

		while (p->nq == 0 && !p->stop && !p->done) {
			__atomic_add_fetch(&p->idle, 1, __ATOMIC_RELAXED);
			wait_change(&p->cv, &p->mu);
			__atomic_sub_fetch(&p->idle, 1, __ATOMIC_RELAXED);
		}
		if (p->stop || p->nq == 0)
			return;
		t = p->q[--p->nq];
		p->busy++;
		unlock(&p->mu);
		rc = walk_task(r, &t);
		lock(&p->mu);
		walker_done(p, r, rc);
	}
}

static void *helper(void *arg)
{
	struct run *w = arg;

	lock(&w->pool->mu);
	work(w);
	unlock(&w->pool->mu);
	return NULL;
}

/* The decimal number at *p (moved past it), or -1 ("max", "-1", none). */
static long long take_num(const char **p)
{
	long long v = 0;

	if (**p < '0' || **p > '9')
		return -1;
	while (**p >= '0' && **p <= '9' && v < (1LL << 50))
		v = v * 10 + (*(*p)++ - '0');
	return v;
}

/* A small file's first line, NUL-terminated in buf; NULL if unreadable. */
static const char *read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	return buf;
}

/* CPUs' worth of time the container's CPU quota allows (docker --cpus, a
 * Kubernetes CPU limit), rounded up; 0 when there is none or it cannot be
 * read: sched_getaffinity does not see a quota. With a cgroup namespace,
 * /sys/fs/cgroup is the container's own: cpu.max (v2) or cpu/cpu.cfs_*
 * (v1). */
static unsigned cpu_quota(void)
{
	char b1[64], b2[32];
	const char *p = read_small("/sys/fs/cgroup/cpu.max", b1, sizeof(b1));
	long long quota = -1, period = -1;

	if (p != NULL) {
		quota = take_num(&p);
		if (quota > 0 && *p++ == ' ')
			period = take_num(&p);
	} else if ((p = read_small("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", b1, sizeof(b1))) != NULL) {
		quota = take_num(&p);
		p = read_small("/sys/fs/cgroup/cpu/cpu.cfs_period_us", b2, sizeof(b2));
		if (p != NULL)
			period = take_num(&p);
	}
	if (quota <= 0 || period <= 0)
		return 0;
	quota = (quota + period - 1) / period; /* whole CPUs, rounded up */
	return quota < VOL_THREADS_CAP ? (unsigned)quota : VOL_THREADS_CAP;
}

/* Walkers worth running: one per CPU we may run on (affinity and CPU
 * quota), at most vol_threads_max, and few enough that each can hold its
 * fd window twice over within RLIMIT_NOFILE. */
static unsigned walkers_allowed(void)
{
	unsigned n = vol_threads_max < VOL_THREADS_CAP ? vol_threads_max : VOL_THREADS_CAP;
	cpu_set_t set;
	struct rlimit rl;

	unsigned quota = cpu_quota();

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && (unsigned)CPU_COUNT(&set) < n)
		n = (unsigned)CPU_COUNT(&set);
	if (quota > 0 && quota < n)
		n = quota;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur / FDS_PER_WALKER < n)
		n = (unsigned)(rl.rlim_cur / FDS_PER_WALKER);
	return n > 0 ? n : 1;
}

/* The tree is big: start helpers that take directories this walker offers.
 * One that cannot be started (a pids limit, no memory) is simply not
 * there: the walk goes on with fewer. */
static void spawn(struct run *r)
{
	struct pool *p = r->pool;
	unsigned n = walkers_allowed();

	p->spawned = 1;
	while (p->nhelp + 1 < n) {
		struct run *w = calloc(1, sizeof(*w));

		if (w == NULL || (w->stats = calloc(r->npaths, sizeof(*w->stats))) == NULL) {
			free(w);
			return;
		}
		w->uid = r->uid;
		w->gid = r->gid;
		w->flags = r->flags;
		w->paths = r->paths;
		w->npaths = r->npaths;
		w->roots = r->roots;
		w->cur = r->cur;
		w->no_statx = r->no_statx;
		w->lk = r->lk;
		w->pool = p;
		w->base_node = NO_NODE;
		sbuf_init(&w->own_err, w->own_errmem, sizeof(w->own_errmem), -1);
		w->err = &w->own_err;
		if (pthread_create(&p->tid[p->nhelp], NULL, helper, w) != 0) {
			free(w->stats);
			free(w);
			return;
		}
		p->help[p->nhelp++] = w;
	}
}

static void free_walker(struct run *w)
{
	close_frames(w);
	free(w->fr);
	free(w->names);
	free(w->stats);
	free(w);
}

/* The caller's walk of PATH is over (rc): help with what is left, wait for
 * the helpers, add up their counts and take over the first failure. */
static int finish_pool(struct run *r, int rc)
{
	struct pool *p = r->pool;
	unsigned i;

	if (!p->spawned)
		return rc;
	lock(&p->mu);
	walker_done(p, r, rc);
	if (rc == 0)
		work(r);
	unlock(&p->mu);
	for (i = 0; i < p->nhelp; i++)
		pthread_join(p->tid[i], NULL);
	while (p->nq > 0)
		close(p->q[--p->nq].fd); /* offered, never taken: a walker failed */
	if (p->stop) {
		rc = -1;
		if (p->failed != r) {
			sbuf_reset(r->err);
			sbuf_str(r->err, sbuf_cstr(p->failed->err));
		}
	}
	for (i = 0; i < p->nhelp; i++) {
		struct vol_stats *a = &r->stats[r->cur], *b = &p->help[i]->stats[r->cur];

		a->seen += b->seen;
		a->changed += b->changed;
		a->skipped_mount += b->skipped_mount;
		a->skipped_links += b->skipped_links;
		a->skipped_devices += b->skipped_devices;
		a->tasks += b->tasks;
		free_walker(p->help[i]);
	}
	r->stats[r->cur].threads = 1 + p->nhelp;
	p->nhelp = 0;
	p->spawned = p->done = p->stop = 0;
	p->busy = 0;
	p->failed = NULL;
	return rc;
}

static int walk_loop(struct run *r)
{
	struct pool *p = r->pool;

	while (r->depth > 0) {
		const char *name;
		int rc;

		if (__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
			return ABORTED;
		if (r->is_main && !p->spawned && r->stats[r->cur].seen >= vol_spawn_after)
			spawn(r);
		rc = next_entry(r, &name);
		if (rc == 0)
			rc = leave_dir(r);
		else if (rc > 0)
			rc = visit(r, name);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int walk_tree(struct run *r)
{
	struct root *rt = &r->roots[r->cur];
	int fd = rt->fd, rc;

	rt->fd = -1; /* lent to the root frame until the walk ends */
	r->depth = 0;
	r->nlen = 0;
	r->pool->busy = 1; /* this walker; no helper runs yet */
	if (push_dir(r, "", fd, &rt->o) < 0)
		return -1;
	rc = walk_loop(r);
	if (rc == 0)
		rt->fd = fd;
	return finish_pool(r, rc);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* PATH is trusted up to and including its last component: the image author
 * may have made it a symlink, so it is resolved, once, here. */
static int open_root(struct run *r, size_t i)
{
	struct root *rt = &r->roots[i];
	struct obj top_dir;
	int fd;

	r->cur = i;
	r->depth = 0;
	fd = open(r->paths[i], O_PATH | O_CLOEXEC);
	if (fd < 0)
		return fail(r, NULL, "cannot open", errno);
	rt->fd = fd;
	if (stat_fd(r, fd, &rt->o) < 0)
		return fail(r, NULL, "cannot inspect", errno);
	if (stat_at(r, AT_FDCWD, "/", 0, &top_dir) == 0 && same_obj(&top_dir, &rt->o))
		return fail(r, NULL, "refusing to give away the root directory", 0);
	if (!S_ISDIR(rt->o.mode))
		return 0;
	/* O_PATH cannot list: re-open the same directory for reading */
	rt->fd = open_dir_verified(r, fd, ".", &rt->o);
	close(fd);
	if (rt->fd < 0)
		return fail(r, NULL, "cannot open directory", errno);
	return 0;
}

static int walk_root(struct run *r, size_t i)
{
	struct vol_stats *st = &r->stats[i];
	struct root *rt = &r->roots[i];
	uint64_t t0 = now_ns();
	int rc = 0;

	r->cur = i;
	st->seen = 1;
	st->threads = 1;
	st->root_already_owned = owned(r, &rt->o);
	if (st->root_already_owned && (r->flags & VOL_IF_ROOT_MISMATCH))
		st->walk_skipped = 1;
	else if (S_ISDIR(rt->o.mode))
		rc = walk_tree(r);
	else if (rt->o.nlink > 1 && !owned(r, &rt->o))
		st->skipped_links++; /* its other links are not ours to judge */
	st->nsec += now_ns() - t0;
	return rc;
}

/* PATH itself last, after its tree and the link pass, so that an owner
 * already right on PATH means a finished walk (OnRootMismatch). */
static int finish_root(struct run *r, size_t i)
{
	struct vol_stats *st = &r->stats[i];
	struct root *rt = &r->roots[i];
	uint64_t t0 = now_ns();
	struct obj now;

	r->cur = i;
	r->depth = 0;
	if (st->walk_skipped || (!S_ISDIR(rt->o.mode) && rt->o.nlink > 1))
		return 0;
	if (stat_fd(r, rt->fd, &now) < 0) /* fresh: another PATH may have changed it */
		return fail(r, NULL, "cannot inspect", errno);
	if (!S_ISDIR(now.mode) && now.nlink > 1) {
		st->skipped_links++; /* linked elsewhere since we looked */
		return 0;
	}
	if (!owned(r, &now) && give(r, rt->fd, i) < 0)
		return fail(r, NULL, "cannot change owner", errno);
	st->nsec += now_ns() - t0;
	return 0;
}

static int cmp_sighting(const struct sighting *a, const struct sighting *b)
{
	if (a->dev != b->dev)
		return a->dev < b->dev ? -1 : 1;
	if (a->ino != b->ino)
		return a->ino < b->ino ? -1 : 1;
	if (a->pdev != b->pdev)
		return a->pdev < b->pdev ? -1 : 1;
	if (a->pino != b->pino)
		return a->pino < b->pino ? -1 : 1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	return 0;
}

/* All links of one inode are inside the trees when as many distinct places
 * (directory, name) were seen as it has links, and it did not change in
 * between: a rename updates ctime, so one link moved ahead of the walk and
 * counted twice is caught (see ctime_settled for why "fresh" is refused). */
static int links_complete(const struct sighting *s, size_t n)
{
	uint32_t places = 1;
	size_t i;

	if (s[0].fresh)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i].fresh || s[i].nlink != s[0].nlink || s[i].ctsec != s[0].ctsec ||
		    s[i].ctnsec != s[0].ctnsec)
			return 0;
		if (cmp_sighting(&s[i - 1], &s[i]) != 0)
			places++;
	}
	return places == s[0].nlink;
}

/* For the message only: PATH and the names of the node chain; returns
 * the last one. */
static const char *put_chain(struct run *r, size_t node)
{
	const char *last = r->paths[r->lk->nd[node].path];
	size_t depth = 0, i, n;

	for (n = node; n != NO_NODE; n = r->lk->nd[n].parent)
		depth++;
	sbuf_quoted(r->err, last);
	/* depth-squared, but only on the way to an error message */
	for (i = depth - 1; i-- > 0;) {
		size_t k = i;

		for (n = node; k-- > 0;)
			n = r->lk->nd[n].parent;
		put_name(r->err, last, r->lk->keep + r->lk->nd[n].name);
		last = r->lk->keep + r->lk->nd[n].name;
	}
	return last;
}

static void put_node_path(struct run *r, size_t node, const char *name)
{
	put_name(r->err, put_chain(r, node), name);
}

static int fail_link(struct run *r, const struct sighting *s, const char *what, int err)
{
	sbuf_reset(r->err);
	sbuf_str(r->err, "chown '");
	put_node_path(r, s->node, r->lk->keep + s->name);
	put_cause(r, what, err);
	return -1;
}

/* Open the directory of a node again from its PATH's fd, checking every
 * step against what the walk recorded. */
static int open_node(struct run *r, size_t node)
{
	size_t depth = 0, i, n;
	int fd = r->roots[r->lk->nd[node].path].fd;

	for (n = node; r->lk->nd[n].parent != NO_NODE; n = r->lk->nd[n].parent)
		depth++;
	if (depth == 0)
		return fcntl(fd, F_DUPFD_CLOEXEC, 0);
	for (i = depth; i-- > 0;) {
		size_t k = i;
		int next;

		for (n = node; k-- > 0;)
			n = r->lk->nd[n].parent;
		struct obj want = { .dev = r->lk->nd[n].dev, .ino = r->lk->nd[n].ino };
		next = open_dir_verified(r, fd, r->lk->keep + r->lk->nd[n].name, &want);
		if (fd != r->roots[r->lk->nd[node].path].fd)
			close(fd);
		if (next < 0)
			return -1;
		fd = next;
	}
	return fd;
}

/* Change one complete multi-link inode through one of its links, after
 * checking it is still the inode, with the link count and ctime, that was
 * counted. Returns DONE, RETRY (gone or changed: left alone) or -1. */
static int change_link(struct run *r, const struct sighting *s)
{
	struct obj now;
	int rc = RETRY;
	int dirfd = open_node(r, s->node);
	int fd;

	if (dirfd < 0)
		return RETRY;
	fd = openat(dirfd, r->lk->keep + s->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dirfd);
	if (fd < 0)
		return RETRY;
	if (stat_fd(r, fd, &now) == 0 && now.dev == s->dev && now.ino == s->ino &&
	    now.nlink == s->nlink && now.ctsec == s->ctsec && now.ctnsec == s->ctnsec &&
	    same_mount(&r->roots[s->path].o, &now) && !S_ISDIR(now.mode)) {
		rc = DONE;
		if (!owned(r, &now) && give(r, fd, s->path) < 0)
			rc = fail_link(r, s, "cannot change owner", errno);
	}
	close(fd);
	return rc;
}

static int settle_group(struct run *r, const struct sighting *s, size_t n)
{
	uint64_t t0 = now_ns();
	int rc = RETRY;
	size_t i;

	if (links_complete(s, n))
		rc = change_link(r, s);
	if (rc == RETRY) {
		for (i = 0; i < n; i++)
			r->stats[s[i].path].skipped_links++;
	}
	r->stats[s->path].nsec += now_ns() - t0;
	return rc < 0 ? -1 : 0;
}

static void sift(struct sighting *s, size_t i, size_t n)
{
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		struct sighting t;

		if (c + 1 < n && cmp_sighting(&s[c], &s[c + 1]) < 0)
			c++;
		if (cmp_sighting(&s[i], &s[c]) >= 0)
			return;
		t = s[i];
		s[i] = s[c];
		s[c] = t;
	}
}

/* Heapsort: O(n log n) like qsort, ~2 KiB less of musl in the binary. */
static void sort_sightings(struct sighting *s, size_t n)
{
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift(s, i, n);
	while (n > 1) {
		struct sighting t = s[0];

		s[0] = s[--n];
		s[n] = t;
		sift(s, 0, n);
	}
}

static int settle_links(struct run *r)
{
	size_t a = 0, b;

	sort_sightings(r->lk->sg, r->lk->nsg);
	while (a < r->lk->nsg) {
		for (b = a + 1; b < r->lk->nsg; b++) {
			if (r->lk->sg[b].dev != r->lk->sg[a].dev || r->lk->sg[b].ino != r->lk->sg[a].ino)
				break;
		}
		if (settle_group(r, &r->lk->sg[a], b - a) < 0)
			return -1;
		a = b;
	}
	return 0;
}

static void free_run(struct run *r)
{
	size_t i;

	close_frames(r);
	for (i = 0; r->roots != NULL && i < r->npaths; i++) {
		if (r->roots[i].fd >= 0)
			close(r->roots[i].fd);
	}
	free(r->roots);
	free(r->fr);
	free(r->names);
	free(r->lk->sg);
	free(r->lk->nd);
	free(r->lk->keep);
	free(r);
}

static int run_all(struct run *r)
{
	size_t i;

	/* every PATH must exist before anything is changed */
	for (i = 0; i < r->npaths; i++) {
		if (open_root(r, i) < 0)
			return -1;
	}
	for (i = 0; i < r->npaths; i++) {
		if (walk_root(r, i) < 0)
			return -1;
	}
	if (settle_links(r) < 0)
		return -1;
	for (i = 0; i < r->npaths; i++) {
		if (finish_root(r, i) < 0)
			return -1;
	}
	return 0;
}

int volume_chown(const char *const *paths, size_t n, uid_t uid, gid_t gid, unsigned flags,
		 struct vol_stats *stats, struct sbuf *err)
{
	static struct pool pool;
	struct links lk = { 0 };
	struct run *r = calloc(1, sizeof(*r));
	size_t i;
	int rc;

	if (n > 0)
		memset(stats, 0, n * sizeof(*stats));
	if (r == NULL || (n > 0 && (r->roots = calloc(n, sizeof(*r->roots))) == NULL)) {
		free(r);
		sbuf_reset(err);
		sbuf_str(err, "chown: out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		r->roots[i].fd = -1;
	r->uid = uid;
	r->gid = gid;
	r->flags = flags;
	r->paths = paths;
	r->npaths = n;
	r->stats = stats;
	r->err = err;
	r->lk = &lk;
	r->pool = &pool;
	r->is_main = 1;
	r->base_node = NO_NODE;
	rc = run_all(r);
	free_run(r);
	return rc;
}
