/* The start-up benchmark's floor (tests/bench/startup.sh): a static musl
 * program that only execs its arguments. Any exec wrapper costs at least
 * this much (one more execve of a small static image). */
#include <unistd.h>

int main(int argc, char **argv)
{
	(void)argc;
	execv(argv[1], argv + 1);
	return 127;
}
