/* A growing list of group ids: the primary gid first, then the
 * supplementary ones. userdb appends the memberships it reads; resolve
 * builds the identity's list with it (--group-add, --keep-groups). */
#ifndef NREXEC_GIDLIST_H
#define NREXEC_GIDLIST_H

#include <stddef.h>
#include <stdint.h>

struct gidlist {
	uint32_t *ids;
	size_t n;
	size_t cap;
};
/* The kernel's NGROUPS_MAX. */
#define GIDLIST_MAX 65536u

/* Returns 0, or -1 with errno (ENOMEM; E2BIG far past GIDLIST_MAX). */
int gidlist_add(struct gidlist *gl, uint32_t gid);
/* Sort all entries after the first and drop duplicates of any entry. */
void gidlist_normalize(struct gidlist *gl);
void gidlist_free(struct gidlist *gl);

#endif
