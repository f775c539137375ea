/* The safe ownership walk behind --chown: give declared volume paths to the
 * target user before the drop, without following what was planted in them.
 */
#ifndef NREXEC_VOLUME_H
#define NREXEC_VOLUME_H

#include <stddef.h>
#include <sys/types.h>
#include "sbuf.h"

/* Skip a PATH whose own owner is already uid:gid (Kubernetes
 * fsGroupChangePolicy: OnRootMismatch). */
enum { VOL_IF_ROOT_MISMATCH = 1u };

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
};

/* Big trees are walked by several threads: once vol_spawn_after entries
 * of a PATH were seen, helpers start (one per CPU the process may run on,
 * at most vol_threads_max, never more than VOL_THREADS_CAP, fewer if
 * RLIMIT_NOFILE is low) and take directories the walkers find. All are
 * joined before volume_chown returns. Tests lower vol_spawn_after. */
#define VOL_THREADS_CAP 8
extern unsigned vol_threads_max;
extern unsigned long vol_spawn_after;

/* Give every path in paths[0..n) and everything below it to uid:gid.
 * stats has n entries. Returns 0, or -1 with a one-line message (no "nrexec: " prefix, no newline) in err. */
int volume_chown(const char *const *paths, size_t n, uid_t uid, gid_t gid, unsigned flags, struct vol_stats *stats, struct sbuf *err);

#endif
