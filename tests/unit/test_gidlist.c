/* gidlist: the group-id list userdb and resolve build. Primary gid first,
 * the rest ascending and unique after gidlist_normalize(); memory bounded. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gidlist.h"

static void test_gidlist_normalize(void **state)
{
	static const struct {
		size_t n;
		uint32_t in[10];
		size_t wn;
		uint32_t want[10];
	} t[] = {
		{ 1, { 5 }, 1, { 5 } },
		{ 2, { 5, 5 }, 1, { 5 } },
		{ 3, { 0, 0, 0 }, 1, { 0 } },
		{ 2, { 9, 1 }, 2, { 9, 1 } },
		{ 6, { 5, 3, 9, 3, 5, 1 }, 4, { 5, 1, 3, 9 } },
		{ 6, { 10001, 4000, 29, 10, 29, 10001 }, 4,
		  { 10001, 10, 29, 4000 } },
		{ 4, { 10007, 2000, 3000, 3000 }, 3, { 10007, 2000, 3000 } },
		{ 2, { 2000, 2000 }, 1, { 2000 } },
		{ 5, { 4294967294u, 0, 4294967294u, 0, 1 }, 3,
		  { 4294967294u, 0, 1 } },
		{ 10, { 7, 7, 7, 7, 7, 7, 7, 7, 7, 8 }, 2, { 7, 8 } },
		{ 10, { 0, 9, 8, 7, 6, 5, 4, 3, 2, 1 }, 10,
		  { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 } },
		{ 5, { 3, 1, 2, 3, 2 }, 3, { 3, 1, 2 } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct gidlist gl = { 0 };

		for (size_t j = 0; j < t[i].n; j++)
			assert_int_equal(gidlist_add(&gl, t[i].in[j]), 0);
		gidlist_normalize(&gl);
		if (gl.n != t[i].wn)
			fail_msg("case %zu: %zu ids, want %zu", i, gl.n,
				 t[i].wn);
		for (size_t j = 0; j < gl.n; j++)
			if (gl.ids[j] != t[i].want[j])
				fail_msg("case %zu: ids[%zu] = %u, want %u", i,
					 j, gl.ids[j], t[i].want[j]);
		gidlist_free(&gl);
		assert_null(gl.ids);
		assert_int_equal(gl.n, 0);
	}
	{
		struct gidlist empty = { 0 };

		gidlist_normalize(&empty);
		assert_int_equal(empty.n, 0);
		gidlist_free(&empty);
	}
}

/* Many ids, many duplicates: still primary first, rest ascending, unique. */
static void test_gidlist_normalize_large(void **state)
{
	struct gidlist gl = { 0 };
	(void)state;

	assert_int_equal(gidlist_add(&gl, 50000), 0);
	for (uint32_t i = 0; i < 200000; i++)
		assert_int_equal(gidlist_add(&gl, (i * 7919u) % 100000u), 0);
	gidlist_normalize(&gl);
	assert_int_equal(gl.n, 100000);
	assert_int_equal(gl.ids[0], 50000);
	for (size_t i = 2; i < gl.n; i++)
		if (gl.ids[i] <= gl.ids[i - 1] || gl.ids[i] == 50000)
			fail_msg("ids[%zu] = %u after %u", i, gl.ids[i],
				 gl.ids[i - 1]);
	gidlist_free(&gl);
}

/* Memory stays bounded: a list that keeps growing fails with E2BIG. */
static void test_gidlist_bounded(void **state)
{
	struct gidlist gl = { 0 };
	size_t i;
	(void)state;

	for (i = 0; i < 64 * (size_t)GIDLIST_MAX; i++)
		if (gidlist_add(&gl, 1) < 0)
			break;
	assert_true(i >= GIDLIST_MAX);
	assert_true(i < 64 * (size_t)GIDLIST_MAX);
	assert_int_equal(errno, E2BIG);
	gidlist_free(&gl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gidlist_normalize),
		cmocka_unit_test(test_gidlist_normalize_large),
		cmocka_unit_test(test_gidlist_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
