/* The id-changing system calls, made directly (see sys.c for why).
 *
 * A separate object file on purpose: the unit tests and the fault-injection
 * build replace these with -Wl,--wrap=nr_setresuid etc., and --wrap only
 * catches references that cross object files.
 *
 * Each returns 0, or -1 with errno set, like the libc function it
 * replaces, but changes the credentials of the calling thread only: call
 * them only while the process has a single thread.
 */
#ifndef NREXEC_SYS_H
#define NREXEC_SYS_H

#include <stddef.h>
#include <sys/types.h>

int nr_setgroups(size_t n, const gid_t *list);
int nr_setresgid(gid_t r, gid_t e, gid_t s);
int nr_setresuid(uid_t r, uid_t e, uid_t s);
int nr_setgid(gid_t gid);
int nr_setuid(uid_t uid);

#endif
