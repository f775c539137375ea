/* Signals before the exec. Security contract — this file MUST:
 *  - until the exec, keep SIGTERM, SIGINT and SIGHUP from being lost: as
 *    PID 1 a signal without a handler is dropped by the kernel, so a
 *    `docker stop` during a long --chown walk would vanish and the
 *    command be started anyway. Blocked, they wait as pending signals
 *    (the kernel never discards a blocked signal, even for PID 1), and
 *    main() and the walk poll for them;
 *  - leave alone a signal the caller ignored (nohup, a supervisor's
 *    choice) or blocked: such a signal never stops nrexec;
 *  - hand the command exactly the mask nrexec was given, set with the raw
 *    system call: musl's pthread_create() unblocks libc's internal
 *    signals 32-34, and its sigprocmask() cannot block them again.
 *    Dispositions are never changed (no handler is installed at all).
 * A signal that arrives after the last poll is delivered when the mask is
 * restored, just before the exec: it ends nrexec as it would have without
 * nrexec (or is dropped for PID 1, as it would be for the command).
 */
#include "presig.h"

#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BIT(s) (1ull << ((s) - 1))
#define KSIGSET 8	/* the kernel's sigset: 64 signals on every target */

static uint64_t caller_mask;	/* as given */
static uint64_t polled;		/* blocked here: ours to poll */

void presig_catch(void)
{
	uint64_t set = BIT(SIGTERM) | BIT(SIGINT) | BIT(SIGHUP);

	if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &caller_mask, KSIGSET) == 0)
		polled = set & ~caller_mask;
}

/* the first word of the kernel's struct sigaction (20 bytes on i386 and
 * arm, 32 on the 64-bit targets) is the handler on every architecture
 * nrexec is built for */
static int ignored(int sig)
{
	unsigned long k[8];

	return syscall(SYS_rt_sigaction, sig, NULL, k, KSIGSET) == 0 &&
	       k[0] == (unsigned long)SIG_IGN;
}

int presig_pending(void)
{
	uint64_t pend = 0;

	if (syscall(SYS_rt_sigpending, &pend, KSIGSET) < 0)
		return 0;
	for (pend &= polled; pend != 0; pend &= pend - 1) {
		int sig = __builtin_ctzll(pend) + 1;

		if (!ignored(sig))
			return sig;
	}
	return 0;
}

int presig_restore(void)
{
	int sig = presig_pending();

	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &caller_mask, NULL, KSIGSET);
	return sig;
}
