#include "writable.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdrop.h"

static void put_identity(struct sbuf *b)
{
	size_t n;
	uint32_t *g = privdrop_groups(&n);

	sbuf_fmt(b, "uid %u gid %u groups ", getuid(), getgid());
	sbuf_ids(b, g, n);
	free(g);
}

int writable_check(const char *what, const char *path, struct sbuf *err)
{
	struct stat st;
	int e;

	/* access(2) answers for the real ids, which the drop made the
	 * effective ones too; it follows symlinks, as the command's open
	 * would */
	if (stat(path, &st) == 0 &&
	    access(path, S_ISDIR(st.st_mode) ? W_OK | X_OK : W_OK) == 0)
		return 0;
	e = errno;
	sbuf_fmt(err, "%s '%-s': not writable by ", what, path);
	put_identity(err);
	if (e != ENOENT && stat(path, &st) == 0)
		sbuf_fmt(err, " (owner %u, group %u, mode %c%c%c%c)", st.st_uid, st.st_gid,
			 '0' + (int)(st.st_mode >> 9 & 7), '0' + (int)(st.st_mode >> 6 & 7),
			 '0' + (int)(st.st_mode >> 3 & 7), '0' + (int)(st.st_mode & 7));
	sbuf_fmt(err, ": %s", strerror(e));
	return -1;
}
