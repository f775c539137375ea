/* seccomp-deny: run a command under a seccomp filter that makes some
 * credential syscalls fail with EPERM (test helper, never installed).
 *
 *   seccomp-deny [SYSCALL[,SYSCALL]...] -- COMMAND [ARG]...
 *
 * Without a list only setgroups is denied. Known names: setgroups,
 * setresuid, setresgid, capset, prctl. Every other syscall is allowed. The
 * filter is classic BPF, installed after PR_SET_NO_NEW_PRIVS, so COMMAND
 * starts with no_new_privs already set. Exit 125 if the filter cannot be
 * installed or COMMAND cannot be executed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define THIS_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define THIS_ARCH AUDIT_ARCH_AARCH64
#else
#error "add this architecture's AUDIT_ARCH_ value"
#endif

static const struct { const char *name; long nr; } known[] = {
	{ "setgroups", SYS_setgroups }, { "setresuid", SYS_setresuid },
	{ "setresgid", SYS_setresgid }, { "capset", SYS_capset },
	{ "prctl", SYS_prctl },
};
#define NKNOWN (sizeof(known) / sizeof(known[0]))

static long lookup(const char *name)
{
	for (size_t i = 0; i < NKNOWN; i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].nr;
	return -1;
}

int main(int argc, char **argv)
{
	/* 4 to check the arch and load the number, 2 per denied call, 1 to allow */
	struct sock_filter f[3 + 2 * NKNOWN + 2];
	long deny[NKNOWN];
	size_t ndeny = 0, k = 0;
	int cmd = 1;
	char list[256] = "setgroups";

	if (argc > 2 && strcmp(argv[1], "--") != 0) {
		snprintf(list, sizeof(list), "%s", argv[1]);
		cmd = 2;
	}
	if (cmd >= argc || strcmp(argv[cmd], "--") != 0 || cmd + 1 >= argc) {
		fprintf(stderr, "usage: seccomp-deny [SYSCALL[,SYSCALL]...] -- COMMAND [ARG]...\n");
		return 125;
	}
	for (char *s = strtok(list, ","); s; s = strtok(NULL, ",")) {
		long nr = lookup(s);

		if (nr < 0 || ndeny == NKNOWN) {
			fprintf(stderr, "seccomp-deny: unknown syscall or too many: '%s'\n", s);
			return 125;
		}
		deny[ndeny++] = nr;
	}

	/* another architecture's calling convention is refused outright */
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, arch));
	f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, THIS_ARCH, 1, 0);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < ndeny; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (unsigned)deny[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						      SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);

	struct sock_fprog prog = { (unsigned short)k, f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		perror("seccomp-deny: installing the filter");
		return 125;
	}
	execvp(argv[cmd + 1], argv + cmd + 1);
	fprintf(stderr, "seccomp-deny: cannot execute '%s': %s\n", argv[cmd + 1],
		strerror(errno));
	return 125;
}
