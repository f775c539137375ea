/* bndcost LAST_CAP: what the contract's bounding-set clear costs by itself
 * (tests/bench/startup.sh). 300 times, in a forked root child: time the
 * LAST_CAP+1 PR_CAPBSET_DROP calls (each commits new credentials) and the
 * PR_CAPBSET_READ calls that verify them; one "drop_us<TAB>read_us" line
 * each. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	long last = argc > 1 ? atol(argv[1]) : 40;

	for (int k = 0; k < 300; k++) {
		int p[2];
		double d[2];

		if (pipe(p))
			return 1;
		if (fork() == 0) {
			double t0 = us(), t1;

			for (long c = 0; c <= last; c++)
				prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
			t1 = us();
			for (long c = 0; c <= last; c++)
				prctl(PR_CAPBSET_READ, c, 0, 0, 0);
			d[0] = t1 - t0;
			d[1] = us() - t1;
			_exit(write(p[1], d, sizeof d) != sizeof d);
		}
		wait(NULL);
		if (read(p[0], d, sizeof d) != sizeof d)
			return 1;
		close(p[0]);
		close(p[1]);
		printf("%.3f\t%.3f\n", d[0], d[1]);
	}
	return 0;
}
