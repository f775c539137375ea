/* racer DIR A B [FILE | -d DIR]...: as uid 10001, the user the tree is given
 * to, swap DIR/A and DIR/B with renameat2(RENAME_EXCHANGE) until killed;
 * meanwhile, as root, give the listed files and directory entries back to
 * root every half millisecond, through fds opened once, so each nrexec run
 * has real work to do and no reset can reach outside the tree. */
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
static pid_t child;
static void stop(int sig)
{
	(void)sig;
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	_exit(0);
}
static void reset_dir(int fd)
{
	DIR *d = fdopendir(dup(fd));
	struct dirent *e;
	if (d == NULL)
		return;
	rewinddir(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fchownat(fd, e->d_name, 0, 0, AT_SYMLINK_NOFOLLOW);
	fchownat(fd, "", 0, 0, AT_EMPTY_PATH);
	closedir(d);
}
int main(int argc, char **argv)
{
	int dfd = open(argv[1], O_RDONLY | O_DIRECTORY), fds[16], isdir[16], n = 0;
	for (int a = 4; a < argc && n < 16; a++, n++) {
		isdir[n] = strcmp(argv[a], "-d") == 0;
		if (isdir[n])
			a++;
		fds[n] = open(argv[a], isdir[n] ? O_RDONLY | O_DIRECTORY : O_PATH | O_NOFOLLOW);
	}
	pid_t parent = getpid();
	child = fork();
	if (child == 0) {
		if (setgroups(0, NULL) || setresgid(10001, 10001, 10001) ||
		    setresuid(10001, 10001, 10001))
			return 1;
		/* after setresuid: a change of credentials clears it */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			return 0;
		for (;;)
			renameat2(dfd, argv[2], dfd, argv[3], RENAME_EXCHANGE);
	}
	signal(SIGTERM, stop);
	for (;;) {
		for (int k = 0; k < n; k++)
			isdir[k] ? reset_dir(fds[k]) : fchownat(fds[k], "", 0, 0, AT_EMPTY_PATH);
		usleep(500);
	}
}
