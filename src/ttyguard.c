/* Terminal injection guard. Security contract — this file MUST:
 *  - guard whenever the command could reach a terminal it shares with
 *    whoever started nrexec: fd 0, 1 or 2 is a terminal, or the process
 *    has a controlling terminal (/dev/tty opens: the command could open it
 *    even with every fd redirected);
 *  - skip the guard only when /proc/sys/dev/tty/legacy_tiocsti says "0"
 *    (a kernel without the file, before 6.2, always allows TIOCSTI);
 *  - fail ioctl TIOCSTI and TIOCLINUX with EPERM, judged on the low 32
 *    bits of the request (the kernel truncates it to unsigned int), for
 *    every calling convention the kernel offers a process of this
 *    architecture (x86_64, i386 and x32 on x86; aarch64 and arm; ...),
 *    and fail every call from a convention it cannot decode;
 *  - allow everything else: every syscall of the command passes through
 *    the filter, so it stays a handful of instructions;
 *  - never setsid (it would break job control: bubblewrap PR #143,
 *    dumb-init #51) — the filter is inherited across execve instead.
 */
#include "ttyguard.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Two calling conventions per family: a process can switch between them
 * (a 32-bit x86 program can far-jump to 64-bit code), so both builds
 * check both. IOCTL_A2 is x32's ioctl (__X32_SYSCALL_BIT | 514); IOCTL_A3
 * is the x32 bit on the 64-bit number, which kernels before 5.4 ran as
 * ioctl too (x32 shared the 64-bit table then). */
#if defined(__x86_64__) || defined(__i386__)
#define ARCH_A AUDIT_ARCH_X86_64
#define IOCTL_A 16
#define IOCTL_A2 0x40000202
#define IOCTL_A3 0x40000010
#define ARCH_B AUDIT_ARCH_I386
#define IOCTL_B 54
#elif defined(__aarch64__) || defined(__arm__)
#define ARCH_A AUDIT_ARCH_AARCH64
#define IOCTL_A 29
#define ARCH_B AUDIT_ARCH_ARM
#define IOCTL_B 54
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* a little-endian kernel runs no 32-bit or big-endian programs */
#define ARCH_A AUDIT_ARCH_PPC64LE
#define IOCTL_A 54
#define ARCH_B AUDIT_ARCH_PPC64LE
#define IOCTL_B 54
#elif defined(__s390x__)
#define ARCH_A AUDIT_ARCH_S390X
#define IOCTL_A 54
#define ARCH_B AUDIT_ARCH_S390
#define IOCTL_B 54
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH_A AUDIT_ARCH_RISCV64
#define IOCTL_A 29
#define ARCH_B AUDIT_ARCH_RISCV32
#define IOCTL_B 29
#else
/* cppcheck-suppress preprocessorErrorDirective */
#error "ttyguard: add this architecture's AUDIT_ARCH_ and ioctl numbers"
#endif
#ifndef IOCTL_A2
#define IOCTL_A2 IOCTL_A
#define IOCTL_A3 IOCTL_A
#endif

/* seccomp_data is in the kernel's byte order: the low half of the 64-bit
 * request argument comes second on a big-endian machine */
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define REQ_LO (offsetof(struct seccomp_data, args[1]) + 4)
#else
#define REQ_LO offsetof(struct seccomp_data, args[1])
#endif

#define LD(off) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (off))
#define JEQ(k, t, f) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (k), (t), (f))
#define RET(v) BPF_STMT(BPF_RET | BPF_K, (v))

/* jump offsets count from the next instruction */
static const struct sock_filter filter[] = {
	/* 0 */ LD(offsetof(struct seccomp_data, arch)),
	/* 1 */ JEQ(ARCH_A, 0, 5),
	/* 2 */ LD(offsetof(struct seccomp_data, nr)),
	/* 3 */ JEQ(IOCTL_A, 8, 0),
	/* 4 */ JEQ(IOCTL_A2, 7, 0),
	/* 5 */ JEQ(IOCTL_A3, 6, 0),
	/* 6 */ RET(SECCOMP_RET_ALLOW),
	/* 7 */ JEQ(ARCH_B, 0, 3),
	/* 8 */ LD(offsetof(struct seccomp_data, nr)),
	/* 9 */ JEQ(IOCTL_B, 2, 0),
	/* 10 */ RET(SECCOMP_RET_ALLOW),
	/* 11: a convention this filter cannot decode */
	RET(SECCOMP_RET_ERRNO | ENOSYS),
	/* 12 */ LD(REQ_LO),
	/* 13 */ JEQ(TIOCSTI, 2, 0),
	/* 14 */ JEQ(TIOCLINUX, 1, 0),
	/* 15 */ RET(SECCOMP_RET_ALLOW),
	/* 16 */ RET(SECCOMP_RET_ERRNO | EPERM),
};

/* for the unit test, which runs the program on seccomp_data it builds
 * (unused by nrexec: --gc-sections drops it) */
const struct sock_filter *ttyguard_filter(unsigned short *len)
{
	*len = sizeof(filter) / sizeof(filter[0]);
	return filter;
}

/* the kernel's answer, "0" or "1"; no file (before 6.2) means legacy */
static int legacy_tiocsti(void)
{
	char c = '1';
	int fd = open("/proc/sys/dev/tty/legacy_tiocsti", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, &c, 1) != 1)
			c = '1';
		close(fd);
	}
	return c != '0';
}

/* isatty's own test, as a raw ioctl (musl's isatty costs ~100 bytes
 * more). The size read is thrown away; static, it costs no stack-protector
 * check (only main's thread asks). */
static int is_tty(int fd)
{
	static struct winsize ws;

	return syscall(SYS_ioctl, (long)fd, (long)TIOCGWINSZ, &ws) == 0;
}

static int has_terminal(void)
{
	int fd;

	if (is_tty(0) || is_tty(1) || is_tty(2))
		return 1;
	/* ENXIO: no controlling terminal */
	fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

int ttyguard_needed(void)
{
	return has_terminal() && legacy_tiocsti();
}

int ttyguard_install(void)
{
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = (struct sock_filter *)filter,
	};

	/* SPEC_ALLOW: a filter would otherwise switch on the speculative
	 * store bypass mitigation for the command on kernels before 5.16,
	 * slowing it down for a reason that has nothing to do with
	 * terminals. Kernels before 4.17 refuse the flag (EINVAL), before
	 * 3.17 the call (ENOSYS): then prctl. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		    SECCOMP_FILTER_FLAG_SPEC_ALLOW, &prog) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}
