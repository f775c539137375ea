#include "tmpdir.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char dir[] = "/tmp/nrexec-test-XXXXXX";

int tmp_setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

int tmp_teardown(void **state)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	(void)state;
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] != '.')
			unlink(tmp_path(e->d_name));
	}
	closedir(d);
	return rmdir(dir);
}

const char *tmp_path(const char *name)
{
	static char p[4][256];
	static int next;
	char *out = p[next++ % 4];

	snprintf(out, sizeof(p[0]), "%s/%s", dir, name);
	return out;
}

const char *tmp_dir(void)
{
	return dir;
}
