/* --init: a PID 1 (or child subreaper) that holds no privilege.
 *
 * MUST:
 * - fork only after the drop was verified (main's job): init and command
 *   are both the target identity;
 * - block every signal before the fork, so none is lost between the fork
 *   and the loop, and take them with sigwaitinfo: no async handler;
 * - give the command the signal mask and dispositions nrexec started with;
 * - on each wake-up reap with waitpid(-1, WNOHANG) until nothing is left:
 *   SIGCHLDs coalesce (catatonit#4 hung on that);
 * - allocate nothing and open nothing: the loop's footprint is fixed and
 *   the init holds only the fds it was given;
 * - leave the working directory for "/": an init parked in a volume keeps
 *   it from being unmounted (catatonit#28); the command keeps its own.
 */
#include "init.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Raw system calls where libc's wrappers cost bytes that buy nothing here
 * (64 KiB budget). musl's fork() brings its atfork and lock machinery
 * (~2 KiB) and sigaction() its handler trampolines (~650 B); nrexec has a
 * single thread when it forks, installs no handler (only SIG_DFL and
 * SIG_IGN, which need no restorer), and the child only execs. */
static pid_t raw_fork(void)
{
#if defined(SYS_fork)
	return (pid_t)syscall(SYS_fork);
#elif defined(__s390__)
	return (pid_t)syscall(SYS_clone, 0L, (long)SIGCHLD);	/* stack first */
#else
	return (pid_t)syscall(SYS_clone, (long)SIGCHLD, 0L, 0L, 0L, 0L);
#endif
}

/* The kernel's struct sigaction starts with the handler on every
 * architecture nrexec ships for; zeroed flags, restorer and mask are what
 * SIG_DFL and SIG_IGN want. The size argument is the kernel's sigset. */
struct ksigaction {
	void (*handler)(int);
	unsigned long rest[4];
};

static int raw_sigaction(int sig, void (*handler)(int), void (**old)(int))
{
	struct ksigaction in = { handler, { 0 } }, out = { 0, { 0 } };
	long rc = syscall(SYS_rt_sigaction, (long)sig, old ? NULL : &in,
			  &out, 8L);

	if (old)
		*old = out.handler;
	return (int)rc;
}

void init_save_signals(struct init_sigs *s)
{
	void (*h)(int);

	s->ignored = 0;
	for (int sig = 1; sig <= 64; sig++)
		if (raw_sigaction(sig, NULL, &h) == 0 && h == SIG_IGN)
			s->ignored |= 1ULL << (sig - 1);
}

void init_reignore(const struct init_sigs *s)
{
	for (int sig = 1; sig <= 64; sig++)
		if (s->ignored >> (sig - 1) & 1)
			raw_sigaction(sig, SIG_IGN, NULL);
}

static pid_t fg_group(void)
{
	pid_t pg = -1;

	return syscall(SYS_ioctl, (long)STDIN_FILENO, (long)TIOCGPGRP, &pg) < 0 ? -1 : pg;
}

/* In the child, whose mask is still full: a background group's tcsetpgrp
 * raises SIGTTOU unless it is blocked, and it is. fg: nrexec was the
 * terminal's foreground group (docker run -it), not started with &; asked
 * before the fork, since the parent's setpgid may come first. */
static void child_setup(const struct init_sigs *s, const sigset_t *mask, int fg)
{
	pid_t me = getpid();

	setpgid(0, 0);
	if (fg)
		syscall(SYS_ioctl, (long)STDIN_FILENO, (long)TIOCSPGRP, &me);
	/* KILL and STOP fail with EINVAL: they are never ignored anyway */
	for (int sig = 1; sig <= 64; sig++)
		raw_sigaction(sig, s->ignored >> (sig - 1) & 1 ? SIG_IGN : SIG_DFL, NULL);
	sigprocmask(SIG_SETMASK, mask, NULL);
}

/* Reap every child that has ended; -v names each (pid, status as a shell
 * shows it). Sets *status once the command is among them. Returns 1 while
 * children remain, 0 when none is left. */
static int reap(const struct init_conf *c, pid_t child, int *status)
{
	for (;;) {
		int st, code;
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid <= 0)
			return pid == 0;	/* -1: ECHILD */
		code = WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
		if (c->verbose) {
			sbuf_fmt(c->log, "nrexec: init: reaped %u status %u\n",
				 (unsigned)pid, (unsigned)code);
		}
		if (pid == child)
			*status = code;
	}
}

/* --init-grace: SIGTERM what is left (as PID 1 everything this uid may
 * signal, else the command's group), reap until nothing is left or the time
 * is up, then SIGKILL. Signals other than SIGCHLD are dropped meanwhile. */
static void grace(const struct init_conf *c, pid_t child, const sigset_t *all)
{
	pid_t who = getpid() == 1 ? -1 : -child;
	struct timespec end, now, left;
	int unused;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += (time_t)c->grace;
	kill(who, SIGTERM);
	while (reap(c, child, &unused)) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0) {
			kill(who, SIGKILL);
			return;
		}
		sigtimedwait(all, NULL, &left);
	}
}

static int supervise(const struct init_conf *c, pid_t child, const sigset_t *all)
{
	int status = -1;

	while (status < 0) {
		int sig = sigwaitinfo(all, NULL);

		if (sig > 0 && sig != SIGCHLD)
			kill(c->group ? -child : child, sig);
		reap(c, child, &status);
	}
	if (c->grace)
		grace(c, child, all);
	return status;
}

int init_run(const struct init_conf *c, struct sbuf *err)
{
	sigset_t all, mask;
	pid_t child;
	int fg;

	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &mask);
	/* an inherited SIG_IGN for SIGCHLD would make the kernel reap
	 * behind our back, and the command's status would be lost */
	raw_sigaction(SIGCHLD, SIG_DFL, NULL);
	if (getpid() != 1 && prctl(PR_SET_CHILD_SUBREAPER, 1L, 0L, 0L, 0L) < 0)
		sbuf_fmt(c->log, "nrexec: --init: not a subreaper: %m\n");
	fg = fg_group() == getpgrp();
	child = raw_fork();
	if (child < 0) {
		sbuf_fmt(err, "--init: cannot fork: %m");
		return -1;
	}
	if (child == 0) {
		child_setup(c->sigs, &mask, fg);
		return INIT_CHILD;
	}
	/* also here, so that --init-group's first kill finds the group */
	setpgid(child, child);
	if (chdir("/") < 0) { /* not needed: the init uses no path */ }
	return supervise(c, child, &all);
}
