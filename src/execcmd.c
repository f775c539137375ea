#include "execcmd.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

int exec_set_home(const char *home, struct sbuf *err)
{
	if (setenv("HOME", home, 1) == 0)
		return 0;
	sbuf_str(err, "cannot set HOME: ");
	sbuf_errno(err, errno);
	return -1;
}

int exec_command(char *const *argv, struct sbuf *err)
{
	int e;

	execvp(argv[0], argv);
	e = errno;
	sbuf_str(err, "cannot execute '");
	sbuf_quoted(err, argv[0]);
	sbuf_str(err, "': ");
	sbuf_errno(err, e);
	/* 127 "not found", 126 "found but not executable", as shells do */
	return e == ENOENT || e == ENOTDIR ? 127 : 126;
}
