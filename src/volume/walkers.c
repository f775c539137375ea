/* Helper threads for the --chown walk of a big tree.
 *
 * Each walker (the caller's thread, then helpers) runs walk.c's walk with
 * every rule of its contract; what this file adds is how directories move
 * between them. A walker that finds a directory while another waits for
 * work opens and checks it (walk.c's enter_dir), then hands the open fd
 * over instead of descending (vol_offer). The link tables (links.c) are
 * shared under the pool's lock.
 *
 * This file MUST:
 *  - join every helper before volume_chown returns: privdrop changes ids
 *    with per-thread syscalls and requires a single thread (privdrop.h);
 *  - let no walker go on once one failed, and report the first failure;
 *  - close every offered fd that no walker took;
 *  - keep each walker's fds within its share of RLIMIT_NOFILE.
 */
#include "volume_int.h"

#include <limits.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A mutex and a condition variable on raw futexes: musl's pthread ones
 * cost ~3 KiB of the 64 KiB budget, these ~0.3. The lock is the classic
 * three-state futex mutex (0 free, 1 held, 2 held with waiters); the
 * condition is a sequence number that waiters sleep on. */
static void futex(int *word, int op, int val)
{
	syscall(SYS_futex, word, op, val, NULL, NULL, 0);
}

VOL void vol_lock(int *m)
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

VOL void vol_unlock(int *m)
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

	vol_unlock(m);
	futex(cv, FUTEX_WAIT_PRIVATE, seq);
	vol_lock(m);
}

static void wake_all(int *cv)
{
	__atomic_add_fetch(cv, 1, __ATOMIC_RELEASE);
	futex(cv, FUTEX_WAKE_PRIVATE, INT_MAX);
}

/* Hand a checked directory to a walker that waits for work, instead of
 * descending into it here. Returns 1 if handed over (the fd is the task's
 * now), 0 to walk it here, -1 when out of memory. */
VOL int vol_offer(struct walker *w, const char *name, int fd, const struct obj *o)
{
	struct pool *p = w->pool;
	struct task *t;
	size_t node;

	if (__atomic_load_n(&p->idle, __ATOMIC_RELAXED) == 0)
		return 0;
	vol_lock(&p->mu);
	if (p->stop || p->idle <= p->nq) {
		vol_unlock(&p->mu);
		return 0;
	}
	/* the task's links must be found again from PATH after the walk */
	if (vol_add_dir_node(w, name, o, &node) < 0) {
		vol_unlock(&p->mu);
		return -1;
	}
	t = &p->q[p->nq++];
	t->fd = fd;
	t->o = *o;
	t->node = node;
	t->sealed = top(w)->sealed;
	w->stats[w->cur].tasks++;
	wake_all(&p->cv);
	vol_unlock(&p->mu);
	return 1;
}

/* Called and returns with the pool's lock held. */
static void record_failure(struct pool *p, struct walker *w)
{
	if (!p->stop) {
		p->failed = w;
		__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
	}
	wake_all(&p->cv);
}

/* A walker stopped walking (rc of its walk): note a failure, and end the
 * pool's work when no task is left and no walker is busy (so none can be
 * offered). Called and returns with the lock held. */
static void walker_done(struct pool *p, struct walker *w, int rc)
{
	p->busy--;
	if (rc == -1)
		record_failure(p, w);
	if (p->nq == 0 && p->busy == 0) {
		p->done = 1;
		wake_all(&p->cv);
	}
}

/* Take tasks until none is left and no walker is busy (so none can be
 * offered), or a walker failed. Called and returns with the lock held. */
static void work(struct walker *w)
{
	struct pool *p = w->pool;

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
		vol_unlock(&p->mu);
		rc = vol_walk_task(w, &t);
		vol_lock(&p->mu);
		walker_done(p, w, rc);
	}
}

static void *helper(void *arg)
{
	struct walker *w = arg;

	vol_lock(&w->pool->mu);
	work(w);
	vol_unlock(&w->pool->mu);
	return NULL;
}

/* Walkers worth running: what the caller asked for (main counts the CPUs
 * we may use, see cpubudget.h), at most VOL_THREADS_CAP, and few enough
 * that each can hold its fd window twice over within RLIMIT_NOFILE. */
static unsigned walkers_allowed(const struct vol_request *rq)
{
	unsigned n = rq->walkers < VOL_THREADS_CAP ? rq->walkers : VOL_THREADS_CAP;
	struct { uint64_t cur, max; } rl;	/* the kernel's struct rlimit64 */

	/* the raw call: musl's getrlimit adds a fallback for kernels before
	 * 2.6.36 (~160 bytes) */
	if (syscall(SYS_prlimit64, 0L, (long)RLIMIT_NOFILE, NULL, &rl) == 0 &&
	    rl.cur / FDS_PER_WALKER < n)
		n = (unsigned)(rl.cur / FDS_PER_WALKER);
	return n > 0 ? n : 1;
}

/* The tree is big: start helpers that take directories this walker offers.
 * One that cannot be started (a pids limit, no memory) is simply not
 * there: the walk goes on with fewer. */
static void spawn(struct walker *w)
{
	struct pool *p = w->pool;
	unsigned n = walkers_allowed(w->rq);

	p->spawned = 1;
	p->busy = 1; /* this walker; no helper runs yet */
	while (p->nhelp + 1 < n) {
		struct walker *h = calloc(1, sizeof(*h));

		if (h == NULL || (h->stats = calloc(w->rq->npaths, sizeof(*h->stats))) == NULL) {
			free(h);
			return;
		}
		h->rq = w->rq;
		h->roots = w->roots;
		h->cur = w->cur;
		h->no_statx = w->no_statx;
		h->start_sec = w->start_sec;
		h->lk = w->lk;
		h->pool = p;
		h->base_node = NO_NODE;
		sbuf_init(&h->own_err, h->own_errmem, sizeof(h->own_errmem), -1);
		h->err = &h->own_err;
		if (pthread_create(&p->tid[p->nhelp], NULL, helper, h) != 0) {
			free(h->stats);
			free(h);
			return;
		}
		p->help[p->nhelp++] = h;
	}
}

/* Between two entries of a walk: start helpers once the caller's walk of
 * PATH has seen rq->spawn_after entries. ABORTED when another walker
 * failed; -1 (message in err) when rq->interrupted says to stop. */
VOL int vol_between_entries(struct walker *w)
{
	struct pool *p = w->pool;

	if (__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
		return ABORTED;
	/* one system call per 256 entries: a signal stops the walk within
	 * milliseconds, and every walker stops with it */
	if (w->rq->interrupted && ++w->polls % 256 == 0 && w->rq->interrupted())
		return vol_fail(w, NULL, "stopped by a signal", 0);
	if (w->is_main && !p->spawned && w->stats[w->cur].seen >= w->rq->spawn_after)
		spawn(w);
	return 0;
}

static void free_helper(struct walker *w)
{
	vol_close_frames(w);
	free(w->fr);
	free(w->names);
	free(w->stats);
	free(w);
}

/* The caller's walk of PATH is over (rc): help with what is left, wait for
 * the helpers, add up their counts and take over the first failure. */
VOL int vol_finish_pool(struct walker *w, int rc)
{
	struct pool *p = w->pool;
	unsigned i;

	if (!p->spawned)
		return rc;
	vol_lock(&p->mu);
	walker_done(p, w, rc);
	if (rc == 0)
		work(w);
	vol_unlock(&p->mu);
	for (i = 0; i < p->nhelp; i++)
		pthread_join(p->tid[i], NULL);
	while (p->nq > 0)
		close(p->q[--p->nq].fd); /* offered, never taken: a walker failed */
	if (p->stop) {
		rc = -1;
		if (p->failed != w) {
			sbuf_reset(w->err);
			sbuf_str(w->err, sbuf_cstr(p->failed->err));
		}
	}
	for (i = 0; i < p->nhelp; i++) {
		struct vol_stats *a = &w->stats[w->cur], *b = &p->help[i]->stats[w->cur];

		a->seen += b->seen;
		a->changed += b->changed;
		a->skipped_mount += b->skipped_mount;
		a->skipped_links += b->skipped_links;
		a->skipped_devices += b->skipped_devices;
		a->tasks += b->tasks;
		free_helper(p->help[i]);
	}
	w->stats[w->cur].threads = 1 + p->nhelp;
	p->nhelp = 0;
	p->spawned = p->done = p->stop = 0;
	p->busy = 0;
	p->failed = NULL;
	return rc;
}
