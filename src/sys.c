/* Raw id syscalls instead of libc's setgroups/setres[ug]id/set[ug]id.
 *
 * POSIX wants those to change every thread, so musl runs each through
 * __synccall (three rt_sigprocmask calls around it, even with one thread)
 * and glibc signals the other threads if there are any. nrexec drops with
 * a single thread, and the capability calls it makes next (capset, prctl)
 * are per-thread in any case, so the libc machinery buys nothing here.
 */
#include "sys.h"

#include <sys/syscall.h>
#include <unistd.h>

/* 32-bit x86 and arm have 16-bit-id calls under the plain names; the
 * 32-bit-id ones carry a suffix there. x86_64 has only the latter. */
#ifdef SYS_setresuid32
#define NR_SETGROUPS SYS_setgroups32
#define NR_SETRESGID SYS_setresgid32
#define NR_SETRESUID SYS_setresuid32
#define NR_SETGID SYS_setgid32
#define NR_SETUID SYS_setuid32
#else
#define NR_SETGROUPS SYS_setgroups
#define NR_SETRESGID SYS_setresgid
#define NR_SETRESUID SYS_setresuid
#define NR_SETGID SYS_setgid
#define NR_SETUID SYS_setuid
#endif

/* syscall() takes every argument as a long: widen ids explicitly rather
 * than pass an unsigned int through the variadic call */
int nr_setgroups(size_t n, const gid_t *list)
{
	return (int)syscall(NR_SETGROUPS, (long)n, list);
}

int nr_setresgid(gid_t r, gid_t e, gid_t s)
{
	return (int)syscall(NR_SETRESGID, (long)r, (long)e, (long)s);
}

int nr_setresuid(uid_t r, uid_t e, uid_t s)
{
	return (int)syscall(NR_SETRESUID, (long)r, (long)e, (long)s);
}

int nr_setgid(gid_t gid)
{
	return (int)syscall(NR_SETGID, (long)gid);
}

int nr_setuid(uid_t uid)
{
	return (int)syscall(NR_SETUID, (long)uid);
}
