#include "execcmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "filecaps.h"

extern char **environ;

/* PATH when the environment has none; the same for the glibc and the musl
 * build (their own execvp defaults differ). */
#define DEFAULT_PATH "/usr/local/bin:/bin:/usr/bin"

/* environ[i] names key ("KEY=")? */
static int names(const char *entry, const char *key)
{
	return strncmp(entry, key, strlen(key)) == 0;
}

/* setenv on env[0..*n), which has room for one more entry and a NULL:
 * the first entry of that name is replaced in place, or one is added. */
static int env_put(char **env, size_t *n, const char *key, const char *val)
{
	size_t klen = strlen(key), vlen = strlen(val) + 1, i;
	char *s = malloc(klen + vlen);

	if (!s)
		return -1;
	for (i = 0; i < klen; i++)	/* "KEY=" */
		s[i] = key[i];
	memcpy(s + klen, val, vlen);	/* the value and its NUL */
	i = 0;
	while (i < *n && !names(env[i], key))
		i++;
	env[i] = s;
	if (i == *n)
		env[++*n] = NULL;
	return 0;
}

/* The command's environment is built here and handed to execve through
 * environ: musl's setenv, putenv, unsetenv and getenv cost ~1 KiB of the
 * budget. */
int exec_set_env(const char *home, const char *user, struct sbuf *err)
{
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 4, sizeof(*env));
	if (env) {
		memcpy(env, environ, n * sizeof(*env));
		environ = env;
		if (env_put(env, &n, "HOME=", home) == 0 &&
		    (user[0] == '\0' || (env_put(env, &n, "USER=", user) == 0 &&
					  env_put(env, &n, "LOGNAME=", user) == 0)))
			return 0;
	}
	sbuf_fmt(err, "cannot set HOME, USER or LOGNAME: %m");
	return -1;
}

/* After execve failed on path: does a file exist there at all? A PATH
 * directory the target user cannot search (EACCES) does not count as
 * "found", as with a shell's "command not found". */
static int exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && !S_ISDIR(st.st_mode);
}

/* Try each PATH element; returns the errno of the most telling failure:
 * that of an existing file if any (126, its path in *found), else ENOENT
 * (127). */
static int search_path(char *const *argv, char **found)
{
	const char *path = DEFAULT_PATH;
	const char *p;
	size_t nlen = strlen(argv[0]);
	int found_err = 0;

	for (size_t i = 0; environ[i]; i++)
		if (names(environ[i], "PATH=")) {
			path = environ[i] + 5;
			break;
		}
	for (p = path;; p++) {
		const char *end = strchr(p, ':');
		size_t dlen = end ? (size_t)(end - p) : strlen(p);
		char *full = malloc(dlen + nlen + 3);

		if (!full)
			return ENOMEM;
		/* an empty element means the current directory */
		memcpy(full, dlen ? p : ".", dlen ? dlen : 1);
		full[dlen ? dlen : 1] = '/';
		memcpy(full + (dlen ? dlen : 1) + 1, argv[0], nlen + 1);
		execve(full, argv, environ);
		if (!*found && errno != ENOENT && exists(full)) {
			found_err = errno;
			*found = full;
			full = NULL;
		}
		free(full);
		if (!end)
			break;
		p = end;
	}
	return found_err ? found_err : ENOENT;
}

int exec_command(char *const *argv, struct sbuf *err)
{
	char *found = NULL;
	int e;

	if (argv[0][0] == '\0') {
		e = ENOENT;
	} else if (strchr(argv[0], '/')) {
		execve(argv[0], argv, environ);
		e = errno;
	} else {
		e = search_path(argv, &found);
	}
	sbuf_fmt(err, "cannot execute '%-s': %s%s", argv[0], strerror(e),
		 e == ENOEXEC ? " (not a binary and no #! line)" : "");
	if (e == EPERM)
		filecaps_explain(found ? found : argv[0], err);
	free(found);
	/* 127 "not found", 126 "found but not executable", as shells do */
	return e == ENOENT || e == ENOTDIR ? 127 : 126;
}
