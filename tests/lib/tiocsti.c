/* tiocsti: try to push TEXT into a terminal's input queue, as a hostile
 * command started by nrexec from a root shell would (test helper, never
 * installed).
 *
 *   tiocsti [--tty] [--high|--compat|--linux] TEXT
 *
 * Pushes TEXT one byte at a time with ioctl(fd, TIOCSTI) on fd 0, or on
 * /dev/tty (the controlling terminal) with --tty. --high sets bits in the
 * upper half of the 64-bit request (the kernel truncates it to 32 bits,
 * so it is still TIOCSTI); --compat makes the call through the i386
 * entry point (int $0x80) on x86_64; --linux tries TIOCLINUX's paste
 * (TIOCL_PASTESEL) instead. Then checks that an ordinary terminal ioctl
 * (TIOCGWINSZ) still works.
 *
 * Prints one line: "pushed", or "refused: <strerror>", and "winsz ok" or
 * "winsz: <strerror>". Exit 0 pushed, 1 refused, 2 usage or setup error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

enum how { PLAIN, HIGH, COMPAT, LINUX };

/* the i386 ioctl (54) through int $0x80: its pointer argument must be a
 * 32-bit address, hence the MAP_32BIT page */
static long compat_ioctl(int fd, unsigned long req, const char *c)
{
#if defined(__x86_64__)
	static char *low;
	long ret;

	if (!low) {
		low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
		if (low == MAP_FAILED)
			return -ENOMEM;
	}
	low[0] = *c;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(54L), "b"((long)fd), "c"(req), "d"((long)low)
			 : "memory");
	return ret;
#else
	(void)fd; (void)req; (void)c;
	return -ENOSYS;
#endif
}

static int push(int fd, enum how how, const char *c)
{
	long r;

	switch (how) {
	case HIGH:
		r = syscall(SYS_ioctl, fd, (1UL << 32) | (unsigned long)TIOCSTI, c);
		return (int)r;
	case COMPAT:
		r = compat_ioctl(fd, TIOCSTI, c);
		if (r < 0) {
			errno = (int)-r;
			return -1;
		}
		return 0;
	case LINUX: {
		char sub = 3;	/* TIOCL_PASTESEL */

		(void)c;
		return ioctl(fd, TIOCLINUX, &sub);
	}
	default:
		return ioctl(fd, TIOCSTI, c);
	}
}

int main(int argc, char **argv)
{
	enum how how = PLAIN;
	int fd = 0, i = 1, rc = 0;
	struct winsize ws;

	for (; i < argc - 1; i++) {
		if (strcmp(argv[i], "--tty") == 0) {
			fd = open("/dev/tty", O_RDWR | O_NOCTTY);
			if (fd < 0) {
				printf("cannot open /dev/tty: %s\n", strerror(errno));
				return 2;
			}
		} else if (strcmp(argv[i], "--high") == 0) {
			how = HIGH;
		} else if (strcmp(argv[i], "--compat") == 0) {
			how = COMPAT;
		} else if (strcmp(argv[i], "--linux") == 0) {
			how = LINUX;
		} else {
			break;
		}
	}
	if (i != argc - 1) {
		fprintf(stderr, "usage: tiocsti [--tty] [--high|--compat|--linux] TEXT\n");
		return 2;
	}
	for (const char *c = argv[i]; *c != '\0'; c++) {
		if (push(fd, how, c) < 0) {
			printf("refused: %s\n", strerror(errno));
			rc = 1;
			break;
		}
		if (how == LINUX)
			break;
	}
	if (rc == 0)
		printf("pushed\n");
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
		printf("winsz ok\n");
	else
		printf("winsz: %s\n", strerror(errno));
	fflush(stdout);
	return rc;
}
