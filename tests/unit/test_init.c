/* init: the supervisor itself, with real forks in the test process (which
 * becomes a child subreaper for it). The child's side ends in _exit. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "init.h"

static char logmem[256];
static struct sbuf logb, err;
static char errmem[256];
static struct init_sigs sigs;

static int setup(void **state)
{
	sigset_t none;

	(void)state;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGUSR2, SIG_DFL);
	sbuf_init(&logb, logmem, sizeof(logmem), -1);
	sbuf_init(&err, errmem, sizeof(errmem), -1);
	init_save_signals(&sigs);
	return 0;
}

/* init_run's status once the child has done what(); init_run leaves every
 * signal blocked in the caller, so the mask is reset afterwards. */
static int supervise(void (*what)(void), int verbose)
{
	struct init_conf c = { 0, 0, verbose, &logb, &sigs };
	int st = init_run(&c, &err);
	sigset_t none;

	if (st == INIT_CHILD) {
		what();
		_exit(99);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	return st;
}

static void exit7(void) { _exit(7); }
static void die_usr1(void) { raise(SIGUSR1); }
static void term_via_init(void)
{
	kill(getppid(), SIGTERM);	/* the init forwards it back */
	for (;;)
		pause();
}
static void orphan_then_exit(void)
{
	if (fork() == 0)
		_exit(3);
	usleep(100000);
	_exit(0);
}
/* SIGUSR2 ignored and SIGUSR1 blocked by "the caller": both still so */
static void check_sigs(void)
{
	struct sigaction sa;
	sigset_t m;

	sigprocmask(SIG_BLOCK, NULL, &m);
	sigaction(SIGUSR2, NULL, &sa);
	_exit(sa.sa_handler == SIG_IGN && sigismember(&m, SIGUSR1) &&
	      !sigismember(&m, SIGTERM) ? 0 : 1);
}

static void test_exit_status(void **state)
{
	(void)state;
	assert_int_equal(supervise(exit7, 0), 7);
}

static void test_signal_is_128_plus_n(void **state)
{
	(void)state;
	assert_int_equal(supervise(die_usr1, 0), 128 + SIGUSR1);
}

static void test_forwards(void **state)
{
	(void)state;
	assert_int_equal(supervise(term_via_init, 0), 128 + SIGTERM);
}

static void test_reaps_orphans(void **state)
{
	(void)state;
	assert_int_equal(supervise(orphan_then_exit, 1), 0);
	/* nothing of ours is left, zombie or not */
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_non_null(strstr(sbuf_cstr(&logb), " status 3\n"));
	assert_non_null(strstr(sbuf_cstr(&logb), " status 0\n"));
}

static void test_restores_signals(void **state)
{
	sigset_t usr1;

	(void)state;
	signal(SIGUSR2, SIG_IGN);
	init_save_signals(&sigs);
	signal(SIGUSR2, SIG_DFL);	/* changed after the save: restored anyway */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	assert_int_equal(supervise(check_sigs, 0), 0);
	signal(SIGUSR2, SIG_DFL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_exit_status, setup),
		cmocka_unit_test_setup(test_signal_is_128_plus_n, setup),
		cmocka_unit_test_setup(test_forwards, setup),
		cmocka_unit_test_setup(test_reaps_orphans, setup),
		cmocka_unit_test_setup(test_restores_signals, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
