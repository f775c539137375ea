/* idnum: the one id parser. Every uid/gid nrexec uses passes through it, so
 * a wrap-around here would be the su-exec/setpriv "4294967296 runs as root"
 * bug. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "idnum.h"

#define UNTOUCHED 0xdeadbeefu

/* Parse s (NUL-terminated) with its full length. */
static int parse(const char *s, uint32_t *out)
{
	return idnum_parse(s, strlen(s), out);
}

static void test_max_constant(void **state)
{
	(void)state;
	/* (uid_t)-1 is "leave unchanged" for setres*id: never a target */
	assert_int_equal(IDNUM_MAX, UINT32_MAX - 1);
}

static void test_accepts(void **state)
{
	static const struct {
		const char *in;
		uint32_t want;
	} t[] = {
		{ "0", 0 },
		{ "1", 1 },
		{ "9", 9 },
		{ "10", 10 },
		{ "00", 0 },
		{ "007", 7 },
		{ "65534", 65534 },
		{ "10001", 10001 },
		{ "2147483647", 2147483647u },
		{ "2147483648", 2147483648u },
		{ "4294967293", 4294967293u },
		{ "4294967294", 4294967294u },
		{ "04294967294", 4294967294u },
		{ "000000000000000000000000000000004294967294", 4294967294u },
		{ "0000000000000000000000000000000000000000", 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t v = UNTOUCHED;

		if (parse(t[i].in, &v) != 0)
			fail_msg("idnum_parse(\"%s\") failed (errno %d)",
				 t[i].in, errno);
		if (v != t[i].want)
			fail_msg("idnum_parse(\"%s\") = %u, want %u", t[i].in,
				 v, t[i].want);
	}
}

static void expect_fail(const char *in, size_t len, int want_errno)
{
	uint32_t v = UNTOUCHED;

	errno = 0;
	if (idnum_parse(in, len, &v) != -1)
		fail_msg("idnum_parse(\"%.*s\") succeeded with %u, want errno %d",
			 (int)len, in, v, want_errno);
	if (errno != want_errno)
		fail_msg("idnum_parse(\"%.*s\"): errno %d, want %d", (int)len,
			 in, errno, want_errno);
	/* a failed parse must not leave a half-built id behind */
	if (v != UNTOUCHED)
		fail_msg("idnum_parse(\"%.*s\") wrote %u on failure", (int)len,
			 in, v);
}

static void test_range(void **state)
{
	static const char *const t[] = {
		"4294967295",		/* (uid_t)-1 */
		"4294967296",		/* 2^32: wraps to 0 = root in su-exec */
		"4294967297",		/* wraps to 1 */
		"4294967300",
		"4294967390",
		"4294968294",
		"5000000000",
		"9999999999",
		"10000000000",
		"14294967294",		/* 1 in front of the maximum */
		"42949672940",
		"18446744073709551615",	/* 2^64 - 1 */
		"18446744073709551616",	/* 2^64: a 64-bit wrap gives 0 */
		"18446744073709551621",	/* 2^64 + 5 */
		"36893488147419103232",	/* 2^65 */
		"99999999999999999999",
		"340282366920938463463374607431768211456",	/* 2^128 */
		"0004294967295",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_fail(t[i], strlen(t[i]), ERANGE);
}

/* Every digit count from 1 to 60: all nines and a one followed by zeros.
 * Up to 9 digits both fit; from 10 digits all nines overflow, and from 11
 * digits a one followed by zeros does too. */
static void test_overflow_every_digit_count(void **state)
{
	char nines[61], pow10[61];
	uint64_t want9 = 0, want10 = 1;
	(void)state;

	for (size_t n = 1; n <= 60; n++) {
		uint32_t v = UNTOUCHED;

		memset(nines, '9', n);
		nines[n] = '\0';
		pow10[0] = '1';
		memset(pow10 + 1, '0', n - 1);
		pow10[n] = '\0';
		if (n <= 9) {
			want9 = want9 * 10 + 9;
			if (parse(nines, &v) != 0 || v != want9)
				fail_msg("idnum_parse(\"%s\") = %u, want %llu",
					 nines, v, (unsigned long long)want9);
		} else {
			expect_fail(nines, n, ERANGE);
		}
		if (n <= 10) {
			v = UNTOUCHED;
			if (parse(pow10, &v) != 0 || v != want10)
				fail_msg("idnum_parse(\"%s\") = %u, want %llu",
					 pow10, v, (unsigned long long)want10);
			want10 *= 10;
		} else {
			expect_fail(pow10, n, ERANGE);
		}
	}
}

static void test_not_a_number(void **state)
{
	static const char *const t[] = {
		"", "-1", "-0", "+1", "+0", " 1", "1 ", "\t1", "1\n", "1\r",
		"1a", "a", "a1", "0x10", "1e3", "1.0", "1,000", "1_000",
		"/", ":",		/* the bytes just below '0' and above '9' */
		"\xef\xbc\x91",		/* FULLWIDTH DIGIT ONE */
		"\xd9\xa3",		/* ARABIC-INDIC DIGIT THREE */
		"\xb9",			/* superscript one in Latin-1 */
		"10001:10001", "4294967296x", "99999999999999999999x",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_fail(t[i], strlen(t[i]), EINVAL);
}

/* A non-digit wins over overflow: "99999999999x" is not a number at all. */
static void test_garbage_after_overflow_is_einval(void **state)
{
	(void)state;
	expect_fail("99999999999999999999999x", 24, EINVAL);
	expect_fail("x99999999999999999999999", 24, EINVAL);
}

/* The length argument bounds the parse, not a NUL: callers hand in the
 * "USER" part of "USER:GROUP" without copying it. */
static void test_len_limited(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		uint32_t want;
	} t[] = {
		{ "12345", 3, 123 },
		{ "10001:10001", 5, 10001 },
		{ "12a", 2, 12 },
		{ "1 ", 1, 1 },
		{ "4294967294999", 10, 4294967294u },
		{ "42949672950", 9, 429496729 },
		{ "0-1", 1, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint32_t v = UNTOUCHED;

		if (idnum_parse(t[i].in, t[i].len, &v) != 0 || v != t[i].want)
			fail_msg("idnum_parse(\"%s\", %zu) = %u, want %u",
				 t[i].in, t[i].len, v, t[i].want);
	}
	expect_fail("123", 0, EINVAL);
	expect_fail("4294967295", 10, ERANGE);
	expect_fail("42949672950", 11, ERANGE);
	expect_fail("12a", 3, EINVAL);
}

/* No terminator at all: a heap block of exactly len bytes, so ASan reports
 * any read past the end. */
static void test_len_limited_no_nul(void **state)
{
	char *p = malloc(10);
	uint32_t v = UNTOUCHED;
	(void)state;

	assert_non_null(p);
	memcpy(p, "4294967294", 10);
	assert_int_equal(idnum_parse(p, 10, &v), 0);
	assert_int_equal(v, 4294967294u);
	assert_int_equal(idnum_is_digits(p, 10), 1);
	memcpy(p, "4294967295", 10);
	assert_int_equal(idnum_parse(p, 10, &v), -1);
	assert_int_equal(errno, ERANGE);
	memcpy(p, "429496729x", 10);
	assert_int_equal(idnum_parse(p, 10, &v), -1);
	assert_int_equal(errno, EINVAL);
	free(p);
}

static void test_is_digits(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int want;
	} t[] = {
		{ "", 0, 0 },
		{ "0", 0, 0 },
		{ "0", 1, 1 },
		{ "0123456789", 10, 1 },
		{ "99999999999999999999999999", 26, 1 },	/* no range here */
		{ "12a", 2, 1 },
		{ "12a", 3, 0 },
		{ "-1", 2, 0 },
		{ "+1", 2, 0 },
		{ " 1", 2, 0 },
		{ "1 ", 2, 0 },
		{ "app", 3, 0 },
		{ "/", 1, 0 },
		{ ":", 1, 0 },
		{ "\xef\xbc\x91", 3, 0 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (idnum_is_digits(t[i].in, t[i].len) != t[i].want)
			fail_msg("idnum_is_digits(\"%s\", %zu) != %d", t[i].in,
				 t[i].len, t[i].want);
}

/* __wrap_strtoul (the musl link's strtoul) gives libc's answers in base 10 */
static void test_wrap_strtoul(void **state)
{
	const char *in[] = { "0", "40\n", "  \t 4294967295 ", "0 0 4294967295\n1",
			     "", "x1", " ", "18446744073709551615",
			     "18446744073709551616", "99999999999999999999999" };
	(void)state;

	for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e1, *e2;
		int err1, err2;
		unsigned long v1, v2;

		errno = 0;
		v1 = strtoul(in[i], &e1, 10);
		err1 = errno;
		errno = 0;
		v2 = __wrap_strtoul(in[i], &e2, 10);
		err2 = errno;
		assert_int_equal(v1, v2);
		assert_ptr_equal(e1, e2);
		assert_int_equal(err1, err2);
	}
	errno = 0;
	assert_int_equal(__wrap_strtoul("10", NULL, 16), 0);
	assert_int_equal(errno, EINVAL);
}

/* --umask and --chown-mode: octal only, the whole string, bounded. */
static void test_mode(void **state)
{
	static const struct { const char *s; unsigned max; int ok; unsigned v; } t[] = {
		{ "0077", 0777, 1, 077 }, { "077", 0777, 1, 077 }, { "27", 0777, 1, 027 },
		{ "0", 0777, 1, 0 }, { "777", 0777, 1, 0777 }, { "0777", 0777, 1, 0777 },
		{ "2775", 07777, 1, 02775 }, { "7777", 07777, 1, 07777 },
		{ "", 0777, 0, 0 }, { "8", 0777, 0, 0 }, { "1000", 0777, 0, 0 },
		{ "00777", 07777, 0, 0 }, { "0o77", 0777, 0, 0 }, { "-1", 0777, 0, 0 },
		{ "+7", 0777, 0, 0 }, { " 77", 0777, 0, 0 }, { "77 ", 0777, 0, 0 },
		{ "0x7", 0777, 0, 0 }, { "7a", 0777, 0, 0 }, { "07777", 0777, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		unsigned v = 12345;
		int r = idnum_mode(t[i].s, t[i].max, &v);

		if (t[i].ok && (r != 0 || v != t[i].v))
			fail_msg("'%s': %d, %o", t[i].s, r, v);
		if (!t[i].ok && (r != -1 || errno != EINVAL || v != 12345))
			fail_msg("'%s' accepted (%o)", t[i].s, v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_max_constant),
		cmocka_unit_test(test_accepts),
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_overflow_every_digit_count),
		cmocka_unit_test(test_not_a_number),
		cmocka_unit_test(test_garbage_after_overflow_is_einval),
		cmocka_unit_test(test_len_limited),
		cmocka_unit_test(test_len_limited_no_nul),
		cmocka_unit_test(test_is_digits),
		cmocka_unit_test(test_wrap_strtoul),
		cmocka_unit_test(test_mode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
