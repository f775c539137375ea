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
	int no_new_privs;	/* set PR_SET_NO_NEW_PRIVS */
	struct sbuf *log;	/* -v: one line per action, or NULL */
	enum drop_bounding {
		BND_CLEAR,	/* clear it (but for keep) when CAP_SETPCAP
				 * is held, else leave it and say so with -v */
		BND_MUST,	/* --clear-bounding-set: clear it or fail */
		BND_LEAVE,	/* --keep-bounding-set, --allow-new-privs */
	} bounding;
	int as_started;		/* --as-started */
};

enum drop_mode {
	DROP_SWITCH,		/* started as root: change every id */
	DROP_PASSTHROUGH,	/* already the target (runAsUser, --user) */
	DROP_AS_STARTED,	/* non-root, not the target, --as-started */
};

/* What privdrop_mode() found out, for privdrop_apply() and _verify(). */
struct drop_state {
	enum drop_mode mode;
	unsigned last_cap;	/* highest capability the kernel knows */
	uint32_t uid, gid;	/* who the command runs as */
	uint64_t keep;		/* the plan's keep that is held */
	uint64_t keep_missing;	/* non-root start: kept but not held */
	int clear_bnd;		/* the bounding set gets cleared */
};

/* Refuse a setuid/setgid install (AT_SECURE, real != effective id). */
int privdrop_refuse_setuid(struct sbuf *err);
/* Decide how to drop, refusing a non-root start as someone other than
 * the target (unless as_started), a root start that lacks a kept
 * capability or, with BND_MUST, CAP_SETPCAP; ask the kernel how many
 * capabilities it has. A non-root start runs without the kept
 * capabilities it does not hold (st->keep_missing, for main to say).
 * Call privdrop_refuse_setuid() first. */
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
/* The kernel's supplementary group list, malloc'd (n set), or NULL. */
uint32_t *privdrop_groups(size_t *n);
/* Read everything back from the kernel; -1 on any mismatch. */
int privdrop_verify(const struct drop_plan *p, const struct drop_state *st,
		    struct sbuf *err);

#endif
