/* sysloop: time N getppid system calls (benchmark helper, never
 * installed): the cost of whatever seccomp filters this process runs
 * under, per call. CPU time of the thread, not wall time: on a loaded
 * machine the time spent waiting for a CPU would drown the difference.
 *
 *   sysloop [N]     N defaults to 10,000,000
 *
 * Prints "ns_per_call=X.XX filters=F" (F from /proc/self/status).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000L;
	struct timespec a, b;
	char line[256];
	int filters = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp_filters:", 16) == 0)
			filters = atoi(line + 16);
	if (f)
		fclose(f);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);	/* no libc caching */
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
	printf("ns_per_call=%.2f filters=%d\n",
	       ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / (double)n,
	       filters);
	return 0;
}
