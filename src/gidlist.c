#include "gidlist.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sort.h"

int gidlist_add(struct gidlist *gl, uint32_t gid)
{
	if (gl->n == gl->cap) {
		size_t ncap = gl->cap ? gl->cap * 2 : 16;
		uint32_t *n;

		/* duplicates are only dropped later, so allow some slack
		 * over the kernel limit; memory stays bounded either way */
		if (gl->n >= (size_t)16 * GIDLIST_MAX) {
			errno = E2BIG;
			return -1;
		}
		n = realloc(gl->ids, ncap * sizeof(*n));
		if (!n)
			return -1;
		gl->ids = n;
		gl->cap = ncap;
	}
	gl->ids[gl->n++] = gid;
	return 0;
}

void gidlist_normalize(struct gidlist *gl)
{
	size_t i, out = 1;

	if (gl->n < 2)
		return;
	/* sort-then-scan keeps this O(n log n) for users in many groups */
	sort_u32(gl->ids + 1, gl->n - 1);
	for (i = 1; i < gl->n; i++) {
		if (gl->ids[i] == gl->ids[0] || gl->ids[i] == gl->ids[out - 1])
			continue;
		gl->ids[out++] = gl->ids[i];
	}
	gl->n = out;
}

void gidlist_free(struct gidlist *gl)
{
	free(gl->ids);
	memset(gl, 0, sizeof(*gl));
}
