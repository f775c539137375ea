/* A setuid-root probe for the container suite: prints the ids it runs
 * with and whether setuid(0) works. */
#include <stdio.h>
#include <unistd.h>
int main(void) {
	uid_t r, e, s;
	getresuid(&r, &e, &s);
	printf("ruid=%u euid=%u suid=%u\n", r, e, s);
	printf("setuid0=%s\n", setuid(0) == 0 ? "ok" : "denied");
	return 0;
}
