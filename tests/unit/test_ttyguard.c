/* ttyguard: the seccomp program itself, run by a small interpreter of the
 * three instructions it may use on seccomp_data the test builds. This is
 * how calling conventions the running kernel no longer offers are checked
 * (x32's alias of the 64-bit ioctl number, gone in 5.4); terminal.sh
 * checks the installed filter against a real terminal. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/ioctl.h>

#include "ttyguard.h"

#define BAD 0xdeadbeefu	/* the interpreter met something else */

/* runs the program; anything but LD|W|ABS, JEQ|K and RET|K, a load out of
 * bounds or a jump past the end gives BAD */
static uint32_t run(const struct seccomp_data *d)
{
	unsigned short len;
	const struct sock_filter *f = ttyguard_filter(&len);
	uint32_t a = 0;

	for (unsigned pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &f[pc];

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(*d) || i->k % 4)
				return BAD;
			memcpy(&a, (const char *)d + i->k, 4);
			break;
		case BPF_JMP | BPF_JEQ | BPF_K:
			pc += a == i->k ? i->jt : i->jf;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		default:
			return BAD;
		}
	}
	return BAD;
}

static uint32_t verdict(uint32_t arch, int nr, uint64_t req)
{
	struct seccomp_data d;

	memset(&d, 0, sizeof(d));
	d.arch = arch;
	d.nr = nr;
	d.args[0] = 0;
	d.args[1] = req;
	return run(&d);
}

#define DENY (SECCOMP_RET_ERRNO | EPERM)
#define UNKNOWN (SECCOMP_RET_ERRNO | ENOSYS)

/* x86: the 64-bit, i386 and x32 conventions, both x32 numbers */
static void test_x86(void **state)
{
	(void)state;
#if defined(__x86_64__) || defined(__i386__)
	const uint32_t x64 = AUDIT_ARCH_X86_64, i386 = AUDIT_ARCH_I386;
	const int x32 = 0x40000000;

	assert_int_equal(verdict(x64, 16, TIOCSTI), DENY);
	assert_int_equal(verdict(x64, 16, (1ull << 32) | TIOCSTI), DENY);
	assert_int_equal(verdict(x64, 16, TIOCLINUX), DENY);
	assert_int_equal(verdict(x64, 16, TIOCGWINSZ), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(x64, x32 | 514, TIOCSTI), DENY);
	/* before 5.4 the x32 bit on 16 ran the 64-bit ioctl */
	assert_int_equal(verdict(x64, x32 | 16, TIOCSTI), DENY);
	assert_int_equal(verdict(x64, x32 | 16, TIOCLINUX), DENY);
	assert_int_equal(verdict(x64, x32 | 16, TIOCGWINSZ), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(x64, 1, TIOCSTI), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(x64, 54, TIOCSTI), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(i386, 54, TIOCSTI), DENY);
	assert_int_equal(verdict(i386, 54, TIOCLINUX), DENY);
	assert_int_equal(verdict(i386, 54, TIOCGWINSZ), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(i386, 16, TIOCSTI), SECCOMP_RET_ALLOW);
	assert_int_equal(verdict(AUDIT_ARCH_AARCH64, 29, TIOCSTI), UNKNOWN);
	assert_int_equal(verdict(AUDIT_ARCH_AARCH64, 1, 0), UNKNOWN);
#else
	skip();
#endif
}

/* every ioctl number the program names, on every request from 0 to 64 Ki
 * and around the two it refuses: only those two are refused */
static void test_only_two(void **state)
{
	(void)state;
#if defined(__x86_64__)
	for (uint64_t req = 0; req < 0x10000; req++) {
		uint32_t want = req == TIOCSTI || req == TIOCLINUX ? DENY : SECCOMP_RET_ALLOW;

		assert_int_equal(verdict(AUDIT_ARCH_X86_64, 16, req), want);
		assert_int_equal(verdict(AUDIT_ARCH_X86_64, 0x40000010, req), want);
		assert_int_equal(verdict(AUDIT_ARCH_X86_64, 0x40000202, req), want);
		assert_int_equal(verdict(AUDIT_ARCH_I386, 54, req), want);
	}
#else
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x86),
		cmocka_unit_test(test_only_two),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
