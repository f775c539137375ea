/* stat, fstat and fstatat for the musl build only (-Wl,--wrap=..., see the
 * Makefile; the glibc build keeps its libc's).
 *
 * On the 64-bit architectures (those with newfstatat) the kernel's struct
 * stat is musl's struct stat, field for field (arch/<arch>/bits/stat.h in
 * musl, asm/stat.h in the kernel), so one system call fills the caller's.
 * musl 1.2 reads into a kernel-layout copy, converts it, and falls back to
 * /proc/self/fd names for kernels before 2.6.39 (0.5 to 0.6 KiB).
 *
 * The 32-bit architectures keep musl's: their kernel's struct stat64 has
 * 32-bit times, and musl's headers there name the 64-bit-time functions
 * __stat_time64 and so on, so nrexec's calls never reach these wrappers
 * and none is defined.
 *
 * (used: -flto would drop a definition only the linker's --wrap refers to.)
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef SYS_newfstatat
int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags);
int __wrap_fstat(int fd, struct stat *st);
int __wrap_stat(const char *path, struct stat *st);

__attribute__((used))
int __wrap_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return (int)syscall(SYS_newfstatat, dirfd, path, st, flags);
}

__attribute__((used))
int __wrap_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

__attribute__((used))
int __wrap_stat(const char *path, struct stat *st)
{
	return __wrap_fstatat(AT_FDCWD, path, st, 0);
}
#endif
