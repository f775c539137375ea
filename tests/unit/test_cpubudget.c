/* cpubudget: the cgroup CPU-quota parsers (pure) and the CPU count. */
#include <limits.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cpubudget.h"

static void test_v2(void **state)
{
	(void)state;
	assert_int_equal(cpubudget_v2("100000 100000\n"), 1);
	assert_int_equal(cpubudget_v2("150000 100000\n"), 2);  /* --cpus 1.5: rounded up */
	assert_int_equal(cpubudget_v2("50000 100000\n"), 1);   /* half a CPU is still one */
	assert_int_equal(cpubudget_v2("400000 100000"), 4);    /* no newline */
	assert_int_equal(cpubudget_v2("1000 1000\n"), 1);
	assert_int_equal(cpubudget_v2("3001 1000\n"), 4);
}

static void test_v2_max(void **state)
{
	(void)state;
	assert_int_equal(cpubudget_v2("max 100000\n"), 0);
	assert_int_equal(cpubudget_v2("max\n"), 0);
}

static void test_v2_garbage(void **state)
{
	(void)state;
	assert_int_equal(cpubudget_v2(""), 0);
	assert_int_equal(cpubudget_v2("\n"), 0);
	assert_int_equal(cpubudget_v2("100000\n"), 0);          /* no period */
	assert_int_equal(cpubudget_v2("100000 \n"), 0);
	assert_int_equal(cpubudget_v2("100000 abc\n"), 0);
	assert_int_equal(cpubudget_v2("100000  100000\n"), 0);  /* two spaces */
	assert_int_equal(cpubudget_v2(" 100000 100000\n"), 0);
	assert_int_equal(cpubudget_v2("-100000 100000\n"), 0);
	assert_int_equal(cpubudget_v2("100000 100000 7\n"), 0); /* trailing text */
	assert_int_equal(cpubudget_v2("0 100000\n"), 0);        /* no time at all */
	assert_int_equal(cpubudget_v2("100000 0\n"), 0);        /* would divide by 0 */
}

static void test_v2_huge(void **state)
{
	(void)state;
	/* too long to be real: no quota (never a wrap to a small count) */
	assert_int_equal(cpubudget_v2("99999999999999999999999999 100000\n"), 0);
	assert_int_equal(cpubudget_v2("18446744073709551617 1\n"), 0);
	assert_int_equal(cpubudget_v2("1 99999999999999999999999999\n"), 0);
	/* large but parsed: a huge period makes a tiny quota one CPU, not 0 */
	assert_int_equal(cpubudget_v2("1 1000000000000000\n"), 1);
	assert_int_equal(cpubudget_v2("1000000000000000 1000000000000000\n"), 1);
	/* at the unsigned limit */
	assert_int_equal(cpubudget_v2("4294967294 1\n"), 4294967294u);
	assert_int_equal(cpubudget_v2("4294967296 1\n"), UINT_MAX);
	assert_int_equal(cpubudget_v2("1000000000000000 1\n"), UINT_MAX);
}

static void test_v1(void **state)
{
	(void)state;
	assert_int_equal(cpubudget_v1("200000\n", "100000\n"), 2);
	assert_int_equal(cpubudget_v1("250000\n", "100000\n"), 3);
	assert_int_equal(cpubudget_v1("10000\n", "100000\n"), 1);
	assert_int_equal(cpubudget_v1("-1\n", "100000\n"), 0);  /* no quota */
	assert_int_equal(cpubudget_v1("", ""), 0);              /* unreadable */
	assert_int_equal(cpubudget_v1("200000\n", ""), 0);
	assert_int_equal(cpubudget_v1("200000\n", "0\n"), 0);
	assert_int_equal(cpubudget_v1("2e5\n", "100000\n"), 0);
	assert_int_equal(cpubudget_v1("200000 100000\n", "100000\n"), 0);
	assert_int_equal(cpubudget_v1("99999999999999999999999\n", "100000\n"), 0);
	assert_int_equal(cpubudget_v1("200000", "100000\n"), 0); /* the kernel ends it with \n */
}

static void test_cpus_bounds(void **state)
{
	(void)state;
	/* whatever this machine's affinity and quota: within [1, most] */
	assert_int_equal(cpubudget_cpus(0), 1);
	assert_int_equal(cpubudget_cpus(1), 1);
	assert_in_range(cpubudget_cpus(4), 1, 4);
	assert_in_range(cpubudget_cpus(UINT_MAX), 1, CPU_SETSIZE);
}

/* the affinity mask counts: pinned to one CPU, one walker */
static void test_cpus_affinity(void **state)
{
	cpu_set_t old, one;
	int cpu;

	(void)state;
	assert_int_equal(sched_getaffinity(0, sizeof(old), &old), 0);
	for (cpu = 0; !CPU_ISSET(cpu, &old); cpu++)
		;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
	assert_int_equal(cpubudget_cpus(8), 1);
	assert_int_equal(sched_setaffinity(0, sizeof(old), &old), 0);
	assert_int_equal(cpubudget_cpus(1u << 20) <= (unsigned)CPU_COUNT(&old), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v2_max),
		cmocka_unit_test(test_v2_garbage),
		cmocka_unit_test(test_v2_huge),
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_cpus_bounds),
		cmocka_unit_test(test_cpus_affinity),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
