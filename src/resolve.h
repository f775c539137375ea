/* A parsed spec plus the identity files → the identity to switch to.
 * Implements the resolution table of DESIGN.md. */
#ifndef NREXEC_RESOLVE_H
#define NREXEC_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"
#include "spec.h"

struct identity {
	char *user;		/* passwd name, "" without an entry */
	uint32_t uid;
	uint32_t gid;
	uint32_t *groups;	/* primary gid first, the rest ascending */
	size_t ngroups;
	char *home;		/* entry's dir, or "/" */
};

struct userdb_paths {
	const char *passwd;
	const char *group;
};

/* The files a real run reads. */
extern const struct userdb_paths userdb_system_paths;

/* Returns 0, or -1 with a one-line message in err naming the input, the
 * file and the cause. */
int resolve(const struct spec *sp, const struct userdb_paths *paths,
	    struct identity *id, struct sbuf *err);
void identity_free(struct identity *id);

/* --group-add LIST: add each comma-separated group (a name via the group
 * file, digits as-is) to id's supplementary list. Returns 0, or -1 with
 * a message in err. */
int resolve_group_add(struct identity *id, const char *list,
		      const struct userdb_paths *paths, struct sbuf *err);

/* --keep-groups: add the inherited groups (getgroups of the root process)
 * but gid 0 and every group the group file lists root in (root's own,
 * such as disk); the ones added go to *kept (malloc'd, *nkept set).
 * Returns 0, or -1 with a message in err. */
int resolve_keep_groups(struct identity *id, const uint32_t *inherited,
			size_t n, const struct userdb_paths *paths,
			uint32_t **kept, size_t *nkept, struct sbuf *err);

#endif
