/* The --chown walk's private header: what its three rooms share.
 *
 *   walk.c     the walk itself: the stat layer, messages, the frame and fd
 *              window, per-entry decisions, the walk loop, volume_chown.
 *              Its security contract (the MUST list) is at its top; it has
 *              no threading in it.
 *   links.c    hard-link bookkeeping: every sighting of a multi-link file
 *              and the directories that lead to it, decided after the walk.
 *   walkers.c  helper threads for big trees: the lock, the task queue,
 *              spawn, join.
 *
 * Functions shared between rooms carry a vol_ prefix and are marked VOL;
 * the rest are static to their file.
 */
#ifndef NREXEC_VOLUME_INT_H
#define NREXEC_VOLUME_INT_H

#include <pthread.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "../volume.h"

/* Directory fds kept open below the top of the walk; deeper ancestors are
 * closed and re-opened on the way back up (RLIMIT_NOFILE is often 1024). */
#define FD_WINDOW 32
/* What one walker may hold (its window, its task's root, an O_PATH fd, a
 * directory being offered), counted twice for what else the process has. */
#define FDS_PER_WALKER ((rlim_t)2 * (FD_WINDOW + 4))
#define DENTS_SIZE 32768
#define NO_NODE SIZE_MAX

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
	size_t name;  /* offset in walker.names; 0 (empty) for PATH */
	int fd;       /* -1 while outside the fd window */
	int moved;    /* the shared buffer no longer holds this listing */
	int expect_change; /* the last entry needed a change: so may the next */
	int sealed;   /* only root can rename in it and on the way to it */
	int64_t off;  /* d_off of the last entry taken: where to resume */
	size_t node;  /* in the link-location tree, NO_NODE until needed */
	struct obj o; /* identity and owner as found on the way in */
};

/* A directory that holds a multi-link file, kept after the walk leaves it
 * so the file can be found again from PATH's fd, name by name. */
struct node {
	size_t parent; /* NO_NODE: the root of paths[path] */
	size_t name;   /* offset in links.keep */
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
	size_t name;   /* offset in links.keep */
	size_t path;
	int fresh;     /* its ctime proves nothing (links.c, ctime_settled) */
};

struct root {
	int fd;
	struct obj o;
	unsigned fs; /* FS_* facts of PATH's filesystem (walk.c, fs_facts) */
	int state;   /* ROOT_*; any walker may set COVERED (atomic) */
};

/* What a filesystem promises (walk.c, fs_facts). */
enum { FS_KERNEL_TIMES = 1u, FS_STABLE_OFFSETS = 2u };
/* A PATH's walk: not yet, done inside another PATH's walk, done. */
enum { ROOT_PENDING, ROOT_COVERED, ROOT_WALKED };

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
	int sealed;  /* its finder's directory was sealed (walk.c, push_dir) */
};

struct walker;

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
	struct walker *failed; /* the first walker that failed */
	unsigned nhelp;
	pthread_t tid[VOL_THREADS_CAP];
	struct walker *help[VOL_THREADS_CAP];
};

/* One thread's walk: the caller's, or a helper's. */
struct walker {
	const struct vol_request *rq;
	struct vol_stats *stats; /* rq->npaths entries, the helper's own */
	struct sbuf *err;
	int no_statx;
	int64_t start_sec; /* CLOCK_REALTIME_COARSE second the run began in */
	struct root *roots;
	size_t cur; /* the path being walked */
	struct frame *fr;
	size_t depth, frcap;
	char *names; /* names of the frames, a stack of NUL-terminated strings */
	size_t nlen, ncap;
	struct links *lk;
	struct pool *pool;
	int is_main;      /* the caller's thread: owns roots, starts helpers */
	unsigned polls;   /* entries since rq->interrupted was last asked */
	size_t base_node; /* NO_NODE, or the node of the task being walked */
	struct sbuf own_err; /* a helper's message, copied to the caller's */
	char own_errmem[1024];
	size_t bpos, blen;
	_Alignas(8) char buf[DENTS_SIZE];
};

/* What a step of the walk returns besides -1 (failed, message in err). */
enum {
	DONE = 0,     /* the entry is settled */
	RETRY = 1,    /* it changed under us: look again */
	ABORTED = -2, /* another walker failed: stop, say nothing */
};

static inline int same_obj(const struct obj *a, const struct obj *b)
{
	return a->dev == b->dev && a->ino == b->ino;
}

/* Mount ids tell a same-filesystem bind mount apart; st_dev is the
 * fallback before Linux 5.8. */
static inline int same_mount(const struct obj *root, const struct obj *o)
{
	if (root->has_mnt && o->has_mnt)
		return root->mnt == o->mnt;
	return root->dev == o->dev;
}

static inline int owned(const struct walker *w, const struct obj *o)
{
	return o->uid == w->rq->uid && o->gid == w->rq->gid;
}

static inline struct frame *top(struct walker *w)
{
	return &w->fr[w->depth - 1];
}

/* The product compiles the three rooms as one unit (all.c), where the
 * functions they share are static: the compiler then inlines the small ones
 * and drops their out-of-line copies, ~600 bytes of the 64 KiB budget.
 * Compiled alone (cppcheck) they are ordinary external functions. */
#ifdef VOL_ONE_UNIT
#define VOL static
#else
#define VOL
#endif

/* walk.c */
VOL int vol_grow(void *pp, size_t *cap, size_t need, size_t elem);
VOL int vol_arena_add(char **a, size_t *len, size_t *cap, const char *s, size_t *at);
VOL int vol_stat_at(struct walker *w, int dirfd, const char *name, int flags, struct obj *o);
VOL int vol_stat_fd(struct walker *w, int fd, struct obj *o);
VOL int vol_open_dir_verified(struct walker *w, int dirfd, const char *name, const struct obj *want);
VOL int vol_give(struct walker *w, int fd, size_t path);
VOL void vol_put_name(struct sbuf *e, int after_slash, const char *name);
VOL void vol_put_cause(struct walker *w, const char *what, int err);
VOL int vol_fail(struct walker *w, const char *name, const char *what, int err);
VOL int vol_walk_task(struct walker *w, const struct task *t);
VOL void vol_close_frames(struct walker *w);
VOL uint64_t vol_now_ns(void);
VOL int vol_is_sealed(const struct obj *dir);
VOL int vol_walk_tree(struct walker *w);

/* links.c */
VOL int vol_note_link(struct walker *w, const char *name, const struct obj *o);
VOL int vol_add_dir_node(struct walker *w, const char *name, const struct obj *o, size_t *node);
VOL int vol_put_chain(struct walker *w, size_t node);
VOL int vol_settle_links(struct walker *w);
VOL void vol_free_links(struct links *lk);

/* walkers.c */
VOL void vol_lock(int *m);
VOL void vol_unlock(int *m);
VOL int vol_offer(struct walker *w, const char *name, int fd, const struct obj *o);
VOL int vol_between_entries(struct walker *w);
VOL int vol_finish_pool(struct walker *w, int rc);

#endif
