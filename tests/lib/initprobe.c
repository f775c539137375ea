/* initprobe: the command the --init tests run (built static, so it also
 * works in a FROM scratch image).
 *
 *   initprobe catch N      print "sig S" for each signal received (every
 *                          one it can catch but SIGCHLD); exit 0 after N
 *   initprobe raise S      die of signal S
 *   initprobe orphans N MS leave N grandchildren that live MS ms, orphaned
 *                          (their parent exits at once); then report
 *                          "adopted=K" (how many the init, our parent,
 *                          took) and, once they are over, "zombies=K" (of
 *                          the init's children that are zombies)
 *   initprobe storm N      orphan N processes blocked on a pipe, close it
 *                          so they all exit at once, wait until the init
 *                          has reaped them; "rss_before=KB rss_after=KB
 *                          left=K" (the init's VmRSS, its children left)
 *   initprobe tty          "pgrp=P fg=F" (our process group, the
 *                          terminal's foreground group), "ready", then
 *                          wait for a signal
 *
 * Exit status: 0 when all went as the mode wanted, 1 otherwise.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig)
{
	char b[16];
	int n = snprintf(b, sizeof(b), "sig %d\n", sig);

	if (write(STDOUT_FILENO, b, (size_t)n) < 0)
		_exit(1);
	got++;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0)
		;
}

static int do_catch(int n)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP && s != SIGCHLD)
			sigaction(s, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("ready\n");
	while (got < n)
		pause();
	return 0;
}

static int do_raise(int s)
{
	sigset_t none;

	signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	raise(s);
	return 1;
}

/* Read field 3 (state) and 4 (ppid) of /proc/PID/stat. */
static int stat_of(const char *pid, char *state, long *ppid)
{
	char path[64], buf[512], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (!p || !(p = strrchr(buf, ')')))
		return -1;
	return sscanf(p + 1, " %c %ld", state, ppid) == 2 ? 0 : -1;
}

/* Children of pid: how many live (not us), how many are zombies. */
static void children_of(long pid, int *alive, int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	*alive = *zombies = 0;
	while (d && (e = readdir(d))) {
		char st;
		long pp;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    atol(e->d_name) == getpid() || stat_of(e->d_name, &st, &pp) < 0 ||
		    pp != pid)
			continue;
		if (st == 'Z')
			(*zombies)++;
		else
			(*alive)++;
	}
	if (d)
		closedir(d);
}

static int do_orphans(int n, long ms)
{
	long init = getppid();
	int alive, zombies;

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			if (fork() == 0) {
				sleep_ms(ms);
				_exit(0);
			}
			_exit(0);
		}
		waitpid(p, NULL, 0);
	}
	sleep_ms(ms / 4);
	children_of(init, &alive, &zombies);
	printf("adopted=%d\n", alive);
	sleep_ms(ms + 1000);
	children_of(init, &alive, &zombies);
	printf("zombies=%d\n", zombies);
	return zombies == 0 ? 0 : 1;
}

static long rss_kb(long pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = atol(line + 6);
	if (f)
		fclose(f);
	return kb;
}

static int do_storm(int n)
{
	long init = getppid(), before = rss_kb(init);
	int fds[2], alive = 0, zombies = 0;
	pid_t mid;

	if (pipe(fds) < 0)
		return 1;
	mid = fork();
	if (mid == 0) {
		close(fds[1]);
		for (int i = 0; i < n; i++) {
			pid_t p = fork();
			char c;

			if (p == 0) {
				while (read(fds[0], &c, 1) < 0)
					;
				_exit(0);
			}
			if (p < 0) {
				perror("fork");
				_exit(1);
			}
		}
		_exit(0);
	}
	close(fds[0]);
	waitpid(mid, NULL, 0);
	close(fds[1]);		/* now they all exit together */
	for (int i = 0; i < 600; i++) {
		children_of(init, &alive, &zombies);
		if (alive + zombies == 0)
			break;
		sleep_ms(100);
	}
	printf("rss_before=%ld rss_after=%ld left=%d\n", before, rss_kb(init),
	       alive + zombies);
	return alive + zombies == 0 ? 0 : 1;
}

static _Noreturn void do_tty(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("pgrp=%ld fg=%ld\n", (long)getpgrp(), (long)tcgetpgrp(STDIN_FILENO));
	printf("ready\n");
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *m = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(m, "catch") == 0 && argc == 3)
		return do_catch(atoi(argv[2]));
	if (strcmp(m, "raise") == 0 && argc == 3)
		return do_raise(atoi(argv[2]));
	if (strcmp(m, "orphans") == 0 && argc == 4)
		return do_orphans(atoi(argv[2]), atol(argv[3]));
	if (strcmp(m, "storm") == 0 && argc == 3)
		return do_storm(atoi(argv[2]));
	if (strcmp(m, "tty") == 0)
		do_tty();
	fprintf(stderr, "usage: initprobe catch N | raise S | orphans N MS | storm N | tty\n");
	return 2;
}
