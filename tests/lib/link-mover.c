/* link-mover DIR X Y NAME: the target user (uid:gid 10001) moves one hard
 * link between two of its directories, in step with an nrexec walk, so that
 * the walk meets it in both (tests/integration/chown-attacks.sh, issue 11
 * item 3).
 *
 * DIR/X/NAME and DIR/Y/NAME exist (one is the link, the other a decoy);
 * they trade places with renameat2(RENAME_EXCHANGE), so both names always
 * exist. X is the directory the walk lists first. inotify tells when the
 * walk opens X (the link goes to X, before the walk reaches it there) and
 * when it closes X (the link goes to Y, before the walk reaches it there).
 * Run as root: the watch is set up first, then the ids are dropped. Stops
 * when its parent dies or on SIGTERM.
 */
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char x[PATH_MAX], y[PATH_MAX], xd[PATH_MAX];
	_Alignas(struct inotify_event) char buf[4096];
	int in_x = 1; /* where the link is: X at the start */
	int dfd, ifd;

	if (argc != 5) {
		fprintf(stderr, "usage: link-mover DIR X Y NAME\n");
		return 2;
	}
	snprintf(x, sizeof(x), "%s/%s", argv[2], argv[4]);
	snprintf(y, sizeof(y), "%s/%s", argv[3], argv[4]);
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ifd = inotify_init1(IN_CLOEXEC);
	snprintf(xd, sizeof(xd), "%s/%s", argv[1], argv[2]);
	if (dfd < 0 || ifd < 0 || inotify_add_watch(ifd, xd, IN_OPEN | IN_CLOSE_NOWRITE) < 0) {
		perror("link-mover: setup");
		return 1;
	}
	if (setgroups(0, NULL) || setresgid(10001, 10001, 10001) ||
	    setresuid(10001, 10001, 10001)) {
		perror("link-mover: drop");
		return 1;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM); /* after the drop, which clears it */
	for (;;) {
		ssize_t n = read(ifd, buf, sizeof(buf));
		ssize_t i;

		if (n <= 0)
			return 1;
		for (i = 0; i < n;) {
			const struct inotify_event *ev = (const void *)(buf + i);
			int want_x = (ev->mask & IN_OPEN) != 0;

			if ((ev->mask & (IN_OPEN | IN_CLOSE_NOWRITE)) && want_x != in_x &&
			    renameat2(dfd, x, dfd, y, RENAME_EXCHANGE) == 0)
				in_x = want_x;
			i += (ssize_t)sizeof(*ev) + ev->len;
		}
	}
}
