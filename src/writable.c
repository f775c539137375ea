#include "writable.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "privdrop.h"

static void put_identity(struct sbuf *b)
{
	size_t n;
	uint32_t *g = privdrop_groups(&n);

	sbuf_str(b, "uid ");
	sbuf_u64(b, getuid());
	sbuf_str(b, " gid ");
	sbuf_u64(b, getgid());
	sbuf_str(b, " groups ");
	for (size_t i = 0; g && i < n; i++) {
		if (i > 0)
			sbuf_chr(b, ',');
		sbuf_u64(b, g[i]);
	}
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
	sbuf_str(err, what);
	sbuf_str(err, " '");
	sbuf_quoted(err, path);
	sbuf_str(err, "': not writable by ");
	put_identity(err);
	if (e != ENOENT && stat(path, &st) == 0) {
		sbuf_str(err, " (owner ");
		sbuf_u64(err, st.st_uid);
		sbuf_str(err, ", group ");
		sbuf_u64(err, st.st_gid);
		sbuf_str(err, ", mode ");
		for (int sh = 9; sh >= 0; sh -= 3)
			sbuf_chr(err, (char)('0' + (st.st_mode >> sh & 7)));
		sbuf_str(err, ")");
	}
	sbuf_str(err, ": ");
	sbuf_errno(err, e);
	return -1;
}
