/* Apply an identity and capability plan to this process, then verify it.
 * The only module that changes credentials. */
#ifndef NREXEC_PRIVDROP_H
#define NREXEC_PRIVDROP_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

struct drop_plan {
	uint32_t uid;
	uint32_t gid;
	const uint32_t *groups;	/* supplementary list, primary gid included */
	size_t ngroups;
	uint64_t keep;		/* capabilities kept as ambient (bit n = cap n) */
	const char *keep_names;	/* the same, for messages */
	int no_new_privs;	/* set NNP and clear the bounding set */
	struct sbuf *log;	/* -v: one line per action, or NULL */
};

enum drop_mode {
	DROP_SWITCH,		/* started as root: change every id */
	DROP_PASSTHROUGH,	/* already the target (runAsUser, --user) */
};

/* Refuse a setuid/setgid install (AT_SECURE, real != effective id). */
int privdrop_refuse_setuid(struct sbuf *err);
/* Decide how to drop, refusing a non-root start as someone other than
 * the target. Call privdrop_refuse_setuid() first. */
int privdrop_mode(const struct drop_plan *p, enum drop_mode *mode,
		  struct sbuf *err);
/* Groups, gid, uid, capabilities, no_new_privs, in that order. */
int privdrop_apply(const struct drop_plan *p, enum drop_mode mode,
		   struct sbuf *err);
/* Read everything back from the kernel; -1 on any mismatch. */
int privdrop_verify(const struct drop_plan *p, enum drop_mode mode,
		    struct sbuf *err);

#endif
