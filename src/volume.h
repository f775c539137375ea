/* The safe ownership walk behind --chown: give declared volume paths to the
 * target user before the drop, without following what was planted in them.
 * The code lives in src/volume/ (see its private header for the rooms).
 */
#ifndef NREXEC_VOLUME_H
#define NREXEC_VOLUME_H

#include <stddef.h>
#include <sys/types.h>
#include "sbuf.h"

/* Skip a PATH whose own owner is already uid:gid (Kubernetes
 * fsGroupChangePolicy: OnRootMismatch). */
enum {
	VOL_IF_ROOT_MISMATCH = 1u,
	VOL_CREATE = 2u,   /* --chown-create: make a missing PATH */
	VOL_SET_MODE = 4u, /* --chown-mode: set each PATH's own mode to mode */
};

/* Most walkers one PATH may have (the caller's thread and its helpers). */
#define VOL_THREADS_CAP 8
/* What main asks for: walkers beyond 4 gained nothing measurable on
 * tests/bench/chown.sh (see BENCHMARKS.md). */
#define VOL_WALKERS 4
/* Entries of a PATH seen before helpers start: a small tree is walked
 * faster by one thread than threads can be started. */
#define VOL_SPAWN_AFTER 2048ul

struct vol_request {
	const char *const *paths; /* npaths PATHs, each resolved once */
	size_t npaths;
	uid_t uid;                /* the new owner */
	gid_t gid;
	unsigned flags;           /* VOL_* */
	unsigned mode;            /* with VOL_SET_MODE: 0 ... 07777 */
	/* Big trees are walked by several threads: once spawn_after entries of
	 * a PATH were seen, helpers start (up to walkers in all, at most
	 * VOL_THREADS_CAP, fewer if RLIMIT_NOFILE is low) and take directories
	 * the walkers find. All are joined before volume_chown returns. 0 or 1
	 * walkers: one thread walks. */
	unsigned walkers;
	unsigned long spawn_after;
	/* Asked every 256 entries by each walker, if set: nonzero stops the
	 * whole walk with an error (a signal arrived before the exec). */
	int (*interrupted)(void);
};

struct vol_stats {
	unsigned long long seen;          /* entries examined, PATH included */
	unsigned long long changed;       /* chown calls made */
	unsigned long long skipped_mount; /* mount points below PATH, left alone */
	unsigned long long skipped_links; /* links to multi-link files, left alone */
	unsigned long long skipped_devices; /* device nodes below PATH, left alone */
	unsigned long long nsec;          /* CLOCK_MONOTONIC time spent on PATH */
	unsigned long long tasks;         /* directories handed to another walker */
	unsigned threads;                 /* walkers that ran: 1, or 1 + helpers */
	int root_already_owned;           /* PATH was owned by uid:gid at the start */
	int walk_skipped;                 /* ... and VOL_IF_ROOT_MISMATCH skipped it */
	int covered;                      /* walked within another PATH's walk */
	int created;                      /* VOL_CREATE made it */
};

/* Give every path in rq->paths and everything below it to rq->uid:gid.
 * stats has rq->npaths entries. Returns 0, or -1 with a one-line message
 * (no "nrexec: " prefix, no newline) in err. The process has one thread
 * again when it returns. */
int volume_chown(const struct vol_request *rq, struct vol_stats *stats, struct sbuf *err);

#endif
