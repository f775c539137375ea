/* Hard-link bookkeeping for the --chown walk (see walk.c's contract: a
 * multi-link file is given away only if every link was found inside the
 * walked trees, at distinct places, while the inode did not change).
 *
 * The walk only notes each link it meets (vol_note_link), with the
 * directories that lead to it from PATH (the link-location tree). After
 * every PATH was walked, settle_links sorts the sightings by inode and
 * decides each inode once, re-opening one link from PATH's fd, name by
 * name. The tables are shared by all walkers, under the pool's lock.
 */
#include "volume_int.h"

#include "../sort.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static uint64_t name_hash(const char *s)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 1099511628211u;
	}
	return h;
}

/* Called with the pool's lock held. Give frames up to and including k a place in the link-location tree,
 * so a link found there can be re-opened after the walk. */
static int ensure_nodes(struct walker *w, size_t k, size_t *node)
{
	size_t i = k + 1;

	while (i > 0 && w->fr[i - 1].node == NO_NODE)
		i--;
	for (; i <= k; i++) {
		struct node *n;

		if (vol_grow(&w->lk->nd, &w->lk->ndcap, w->lk->nnd + 1, sizeof(*w->lk->nd)) < 0)
			return -1;
		n = &w->lk->nd[w->lk->nnd];
		n->parent = i > 0 ? w->fr[i - 1].node : NO_NODE;
		n->path = w->cur;
		n->dev = w->fr[i].o.dev;
		n->ino = w->fr[i].o.ino;
		if (vol_arena_add(&w->lk->keep, &w->lk->klen, &w->lk->kcap, w->names + w->fr[i].name, &n->name) < 0)
			return -1;
		w->fr[i].node = w->lk->nnd++;
	}
	*node = w->fr[k].node;
	return 0;
}

/* Called with the pool's lock held: give the directory `name` in the top
 * frame a node of its own (a task handed to another walker starts there). */
VOL int vol_add_dir_node(struct walker *w, const char *name, const struct obj *o, size_t *node)
{
	struct links *lk = w->lk;
	size_t parent;
	struct node *n;

	if (ensure_nodes(w, w->depth - 1, &parent) < 0 ||
	    vol_grow(&lk->nd, &lk->ndcap, lk->nnd + 1, sizeof(*lk->nd)) < 0 ||
	    vol_arena_add(&lk->keep, &lk->klen, &lk->kcap, name, &lk->nd[lk->nnd].name) < 0)
		return -1;
	n = &lk->nd[lk->nnd];
	n->parent = parent;
	n->path = w->cur;
	n->dev = o->dev;
	n->ino = o->ino;
	*node = lk->nnd++;
	return 0;
}

/* Every rename, link and unlink stamps the inode's ctime from the kernel's
 * coarse clock, cut to the filesystem's resolution: whole seconds on ext4
 * with 128-byte inodes or ext3, where a rename in the same second leaves
 * ctime as it was. So only a ctime from a second before the run began
 * proves that the links did not change since (at any resolution up to a
 * second), and only where this kernel stamps it (walk.c, fs_facts). */
static int ctime_settled(const struct walker *w, const struct obj *o)
{
	return (w->roots[w->cur].fs & FS_KERNEL_TIMES) && o->ctsec < w->start_sec;
}

/* Record one link of a multi-link file; the decision waits until every
 * tree has been walked (see settle_links). */
VOL int vol_note_link(struct walker *w, const char *name, const struct obj *o)
{
	struct frame *dir = top(w);
	struct sighting *s;
	size_t node, at;

	vol_lock(&w->pool->mu);
	if (ensure_nodes(w, w->depth - 1, &node) < 0 ||
	    vol_grow(&w->lk->sg, &w->lk->sgcap, w->lk->nsg + 1, sizeof(*w->lk->sg)) < 0 ||
	    vol_arena_add(&w->lk->keep, &w->lk->klen, &w->lk->kcap, name, &at) < 0) {
		vol_unlock(&w->pool->mu);
		return vol_fail(w, NULL, "out of memory", ENOMEM);
	}
	s = &w->lk->sg[w->lk->nsg++];
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
	s->path = w->cur;
	s->fresh = !ctime_settled(w, o);
	vol_unlock(&w->pool->mu);
	return DONE;
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

/* For the message only: PATH and the names of the node chain. Returns 1
 * when the text ends in '/' (PATH given as "dir/" and nothing after it). */
VOL int vol_put_chain(struct walker *w, size_t node)
{
	const char *path;
	size_t depth = 0, i, n, len;
	int slash;

	vol_lock(&w->pool->mu); /* another walker may grow the tables */
	path = w->rq->paths[w->lk->nd[node].path];
	len = strlen(path);
	slash = len > 0 && path[len - 1] == '/';
	for (n = node; n != NO_NODE; n = w->lk->nd[n].parent)
		depth++;
	sbuf_quoted(w->err, path);
	/* depth-squared, but only on the way to an error message */
	for (i = depth - 1; i-- > 0;) {
		size_t k = i;

		for (n = node; k-- > 0;)
			n = w->lk->nd[n].parent;
		vol_put_name(w->err, slash, w->lk->keep + w->lk->nd[n].name);
		slash = 0;
	}
	vol_unlock(&w->pool->mu);
	return slash;
}

static int fail_link(struct walker *w, const struct sighting *s, const char *what, int err)
{
	sbuf_reset(w->err);
	sbuf_str(w->err, "chown '");
	vol_put_name(w->err, vol_put_chain(w, s->node), w->lk->keep + s->name);
	vol_put_cause(w, what, err);
	return -1;
}

/* Open the directory of a node again from its PATH's fd, checking every
 * step against what the walk recorded. */
static int open_node(struct walker *w, size_t node)
{
	size_t depth = 0, i, n;
	int fd = w->roots[w->lk->nd[node].path].fd;

	for (n = node; w->lk->nd[n].parent != NO_NODE; n = w->lk->nd[n].parent)
		depth++;
	/* the raw call: musl's fcntl() is ~300 bytes of cases for other
	 * commands (F_GETOWN, F_SETLKW) and for kernels before 2.6.24 */
	if (depth == 0)
		return (int)syscall(SYS_fcntl, (long)fd, (long)F_DUPFD_CLOEXEC, 0L);
	for (i = depth; i-- > 0;) {
		size_t k = i;
		int next;

		for (n = node; k-- > 0;)
			n = w->lk->nd[n].parent;
		struct obj want = { .dev = w->lk->nd[n].dev, .ino = w->lk->nd[n].ino };
		next = vol_open_dir_verified(w, fd, w->lk->keep + w->lk->nd[n].name, &want);
		if (fd != w->roots[w->lk->nd[node].path].fd)
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
static int change_link(struct walker *w, const struct sighting *s)
{
	struct obj now;
	int rc = RETRY;
	int dirfd = open_node(w, s->node);
	int fd;

	if (dirfd < 0)
		return RETRY;
	fd = openat(dirfd, w->lk->keep + s->name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dirfd);
	if (fd < 0)
		return RETRY;
	if (vol_stat_fd(w, fd, &now) == 0 && now.dev == s->dev && now.ino == s->ino &&
	    now.nlink == s->nlink && now.ctsec == s->ctsec && now.ctnsec == s->ctnsec &&
	    same_mount(&w->roots[s->path].o, &now) && !S_ISDIR(now.mode)) {
		rc = DONE;
		if (!owned(w, &now) && vol_give(w, fd, s->path) < 0)
			rc = fail_link(w, s, "cannot change owner", errno);
	}
	close(fd);
	return rc;
}

static int settle_group(struct walker *w, const struct sighting *s, size_t n)
{
	uint64_t t0 = vol_now_ns();
	int rc = RETRY;
	size_t i;

	if (links_complete(s, n))
		rc = change_link(w, s);
	if (rc == RETRY) {
		for (i = 0; i < n; i++)
			w->stats[s[i].path].skipped_links++;
	}
	w->stats[s->path].nsec += vol_now_ns() - t0;
	return rc < 0 ? -1 : 0;
}

static int cmp_sighting_v(const void *a, const void *b)
{
	return cmp_sighting(a, b);
}

/* After every walk: decide each multi-link inode once. */
VOL int vol_settle_links(struct walker *w)
{
	size_t a = 0, b;

	sort_heap(w->lk->sg, w->lk->nsg, sizeof(*w->lk->sg), cmp_sighting_v);
	while (a < w->lk->nsg) {
		for (b = a + 1; b < w->lk->nsg; b++) {
			if (w->lk->sg[b].dev != w->lk->sg[a].dev || w->lk->sg[b].ino != w->lk->sg[a].ino)
				break;
		}
		if (settle_group(w, &w->lk->sg[a], b - a) < 0)
			return -1;
		a = b;
	}
	return 0;
}

VOL void vol_free_links(struct links *lk)
{
	free(lk->sg);
	free(lk->nd);
	free(lk->keep);
}
