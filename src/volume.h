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
	int root_already_owned;           /* PATH was owned by uid:gid at the start */
	int walk_skipped;                 /* ... and VOL_IF_ROOT_MISMATCH skipped it */
};

/* Give every path in paths[0..n) and everything below it to uid:gid.
 * stats has n entries. Returns 0, or -1 with a one-line message (no "nrexec: " prefix, no newline) in err. */
int volume_chown(const char *const *paths, size_t n, uid_t uid, gid_t gid, unsigned flags, struct vol_stats *stats, struct sbuf *err);

#endif
