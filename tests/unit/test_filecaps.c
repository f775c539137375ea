/* The security.capability decoder: the three revisions the kernel
 * writes, and anything else refused. */
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "filecaps.h"

/* getcap: "cap_net_raw=ep", as Debian's ping carries it (revision 2) */
static const unsigned char ping_v2[20] = {
	0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00,
};

static void test_revision2(void **state)
{
	uint64_t prm = 0;
	int eff = 0;

	(void)state;
	assert_int_equal(filecaps_decode(ping_v2, sizeof(ping_v2), &prm, &eff), 0);
	assert_int_equal(prm, 1ull << CAP_NET_RAW);
	assert_int_equal(eff, 1);
}

/* revision 3 (a namespaced root uid), a capability past 31, no
 * effective flag */
static void test_revision3_high_bits(void **state)
{
	unsigned char b[24] = { 0x00, 0x00, 0x00, 0x03 };
	uint64_t prm = 0;
	int eff = 1;

	(void)state;
	b[12] = 1u << (CAP_MAC_ADMIN - 32);	/* data[1].permitted */
	b[8] = 0xff;				/* inheritable: not counted */
	b[20] = 0xe8;				/* root uid 1000 */
	b[21] = 0x03;
	assert_int_equal(filecaps_decode(b, sizeof(b), &prm, &eff), 0);
	assert_int_equal(prm, 1ull << CAP_MAC_ADMIN);
	assert_int_equal(eff, 0);
}

static void test_revision1(void **state)
{
	const unsigned char b[12] = { 0x01, 0x00, 0x00, 0x01, 0x00, 0x04 };
	uint64_t prm = 0;
	int eff = 0;

	(void)state;
	assert_int_equal(filecaps_decode(b, sizeof(b), &prm, &eff), 0);
	assert_int_equal(prm, 1ull << CAP_NET_BIND_SERVICE);
	assert_int_equal(eff, 1);
}

static void test_refused(void **state)
{
	unsigned char b[24];
	uint64_t prm;
	int eff;

	(void)state;
	/* a size that does not match the revision */
	assert_int_equal(filecaps_decode(ping_v2, 12, &prm, &eff), -1);
	assert_int_equal(filecaps_decode(ping_v2, 3, &prm, &eff), -1);
	memcpy(b, ping_v2, sizeof(ping_v2));
	assert_int_equal(filecaps_decode(b, 24, &prm, &eff), -1);
	/* an unknown revision */
	b[3] = 0x04;
	assert_int_equal(filecaps_decode(b, 20, &prm, &eff), -1);
	b[3] = 0x00;
	assert_int_equal(filecaps_decode(b, 20, &prm, &eff), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_revision2),
		cmocka_unit_test(test_revision3_high_bits),
		cmocka_unit_test(test_revision1),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
