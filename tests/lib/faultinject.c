/* Fault injection for the real binary (build/nrexec-fault, never shipped).
 *
 * Linked with --wrap like the unit tests, but every call goes to the real
 * function except the one named in NREXEC_FAULT="name[:nth[:how]]": its
 * nth call (default 1) fails with EPERM (how = an errno number) or, with
 * how = "lie", reports success without doing anything. Names: setgroups
 * setresgid setresuid capset capget prctl:<option number> open read fstat
 * getresuid getresgid getgroups setuid setgid calloc execve (the id
 * setters are src/sys.c's raw-syscall nr_* functions, named here by the
 * syscall). tests/integration/faults.sh runs nrexec this way for every
 * point and checks: exit 125, command not run.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

static const char *fault_spec(void)
{
	const char *s = getenv("NREXEC_FAULT");

	return s ? s : "";
}

/* 0: call the real function; 1: fail (errno set); 2: lie (return 0) */
static int fault(const char *name)
{
	static int count[64];
	/* copies: prctl's names are built in a stack buffer */
	static char seen[64][32];
	const char *s = fault_spec();
	size_t n = strlen(name), i;
	long nth = 1;

	if (strncmp(s, name, n) != 0 || (s[n] != '\0' && s[n] != ':'))
		return 0;
	for (i = 0; i < 64 && seen[i][0] && strcmp(seen[i], name) != 0; i++)
		;
	if (i == 64 || n >= sizeof(seen[i]))
		return 0;
	memcpy(seen[i], name, n + 1);
	if (s[n] == ':')
		nth = strtol(s + n + 1, NULL, 10);
	if (++count[i] != nth)
		return 0;
	s = strchr(s + n + 1, ':');
	if (s && strcmp(s + 1, "lie") == 0)
		return 2;
	errno = s ? atoi(s + 1) : EPERM;
	return 1;
}

#define WRAP(ret, fn, params, args, name)                 \
	ret __real_##fn params;                           \
	ret __wrap_##fn params                            \
	{                                                 \
		switch (fault(name)) {                    \
		case 1: return -1;                        \
		case 2: return 0;                         \
		}                                         \
		return __real_##fn args;                  \
	}

WRAP(int, nr_setgroups, (size_t n, const gid_t *l), (n, l), "setgroups")
WRAP(int, nr_setresgid, (gid_t r, gid_t e, gid_t s), (r, e, s), "setresgid")
WRAP(int, nr_setresuid, (uid_t r, uid_t e, uid_t s), (r, e, s), "setresuid")
WRAP(int, getresuid, (uid_t *r, uid_t *e, uid_t *s), (r, e, s), "getresuid")
WRAP(int, getresgid, (gid_t *r, gid_t *e, gid_t *s), (r, e, s), "getresgid")
WRAP(int, getgroups, (int n, gid_t *l), (n, l), "getgroups")
WRAP(int, nr_setuid, (uid_t u), (u), "setuid")
WRAP(int, capset, (cap_user_header_t h, const cap_user_data_t d), (h, d), "capset")
WRAP(int, capget, (cap_user_header_t h, cap_user_data_t d), (h, d), "capget")
WRAP(int, nr_setgid, (gid_t g), (g), "setgid")
WRAP(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n), "read")
WRAP(int, fstat, (int fd, struct stat *st), (fd, st), "fstat")
WRAP(int, execve, (const char *p, char *const a[], char *const e[]), (p, a, e), "execve")

void *__real_calloc(size_t n, size_t size);
void *__wrap_calloc(size_t n, size_t size)
{
	if (fault("calloc") != 0)
		return NULL;
	return __real_calloc(n, size);
}

int __real_open(const char *path, int flags, ...);
int __wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	int mode;

	va_start(ap, flags);
	mode = va_arg(ap, int);
	va_end(ap);
	if (fault("open") == 1)
		return -1;
	return __real_open(path, flags, mode);
}

int __real_prctl(int option, ...);
int __wrap_prctl(int option, ...)
{
	unsigned long a[4];
	char name[32] = "prctl:";
	va_list ap;
	int i = 6, r;

	va_start(ap, option);
	for (int k = 0; k < 4; k++)
		a[k] = va_arg(ap, unsigned long);
	va_end(ap);
	/* "prctl:<option>", e.g. prctl:38 = PR_SET_NO_NEW_PRIVS */
	for (int d = 100; d > 0; d /= 10)
		if (option >= d || d == 1)
			name[i++] = (char)('0' + option / d % 10);
	r = fault(name);
	if (r == 1)
		return -1;
	if (r == 2)
		return 0;
	return __real_prctl(option, a[0], a[1], a[2], a[3]);
}
