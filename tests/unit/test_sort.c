/* sort: the one heapsort, against qsort. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sort.h"

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* sort_u32 on sizes 0..300 of random, sorted, reversed and all-equal
 * input, with the extremes of the id range in it */
static void test_u32(void **state)
{
	uint32_t a[300], b[300];
	unsigned seed = 12345;

	(void)state;
	for (size_t n = 0; n <= 300; n++) {
		for (int kind = 0; kind < 4; kind++) {
			for (size_t i = 0; i < n; i++) {
				seed = seed * 1103515245u + 12345u;
				a[i] = kind == 0 ? seed : kind == 1 ? (uint32_t)i :
				       kind == 2 ? (uint32_t)(n - i) : 7u;
				if (i == 1)
					a[i] = UINT32_MAX - 1;
				if (i == 2)
					a[i] = 0;
			}
			memcpy(b, a, n * sizeof(*a));
			sort_u32(a, n);
			if (n == 0)
				continue;
			qsort(b, n, sizeof(*b), cmp_u32);
			assert_memory_equal(a, b, n * sizeof(*a));
		}
	}
}

/* elements wider than a word, ordered by two keys (the walk sorts its
 * hard-link sightings by inode, then place) */
struct rec {
	uint64_t key;
	uint32_t sub;
	char pad[13];
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->sub > y->sub) - (x->sub < y->sub);
}

static void test_records(void **state)
{
	struct rec a[500], b[500];
	unsigned seed = 99;

	(void)state;
	for (size_t n = 0; n <= 500; n += 7) {
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			a[i].key = seed % 17;	/* many equal keys */
			a[i].sub = seed >> 8;
			memset(a[i].pad, (int)(i & 0x7f), sizeof(a[i].pad));
		}
		memcpy(b, a, n * sizeof(*a));
		sort_heap(a, n, sizeof(*a), cmp_rec);
		for (size_t i = 1; i < n; i++)
			assert_true(cmp_rec(&a[i - 1], &a[i]) <= 0);
		if (n == 0)
			continue;
		/* the same multiset: qsort's order differs only among equals */
		qsort(b, n, sizeof(*b), cmp_rec);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(cmp_rec(&a[i], &b[i]), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_u32),
		cmocka_unit_test(test_records),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
