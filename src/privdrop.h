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

/* What privdrop_mode() found out, for privdrop_apply() and _verify(). */
struct drop_state {
	enum drop_mode mode;
	unsigned last_cap;	/* highest capability the kernel knows */
};

/* Refuse a setuid/setgid install (AT_SECURE, real != effective id). */
int privdrop_refuse_setuid(struct sbuf *err);
/* Decide how to drop, refusing a non-root start as someone other than
 * the target, and ask the kernel how many capabilities it has. Call
 * privdrop_refuse_setuid() first. */
int privdrop_mode(const struct drop_plan *p, struct drop_state *st,
		  struct sbuf *err);
/* Groups, gid, uid, capabilities, no_new_privs, in that order.
 *
 * The process MUST have a single thread here: ids are changed with raw
 * per-thread syscalls (sys.h), as capsets and prctls always are, so a
 * second thread would go on with root's credentials until the execve
 * (which ends it). Helper threads, e.g. for --chown, are joined first. */
int privdrop_apply(const struct drop_plan *p, const struct drop_state *st,
		   struct sbuf *err);
/* Read everything back from the kernel; -1 on any mismatch. */
int privdrop_verify(const struct drop_plan *p, const struct drop_state *st,
		    struct sbuf *err);

#endif
