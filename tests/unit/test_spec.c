/* spec: "USER[:GROUP]" → request. Every accepted form, and the hostile or
 * sloppy inputs other tools take for an id (su-exec: " 65534", setpriv:
 * "4294967296"), each mapped to its exact error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "spec.h"

/* Input text for a failure message, with control bytes made visible. */
static const char *shown(const char *s)
{
	static char out[4 * 600 + 1];
	size_t o = 0;

	for (; *s != '\0' && o + 5 < sizeof(out); s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 5, "\\x%02x", c);
	}
	out[o] = '\0';
	return out;
}

static void check_part(const char *in, const char *which,
		       const struct spec_part *got, int present, int is_id,
		       uint32_t id, const char *name)
{
	if (got->present != present)
		fail_msg("\"%s\": %s.present = %d, want %d", shown(in), which,
			 got->present, present);
	if (!present)
		return;
	if (got->is_id != is_id)
		fail_msg("\"%s\": %s.is_id = %d, want %d", shown(in), which,
			 got->is_id, is_id);
	if (is_id && got->id != id)
		fail_msg("\"%s\": %s.id = %u, want %u", shown(in), which,
			 got->id, id);
	if (strcmp(got->name, name) != 0)
		fail_msg("\"%s\": %s.name = \"%s\", want \"%s\"", shown(in),
			 which, shown(got->name), name);
}

struct accept_case {
	const char *in;
	int u_id;
	uint32_t uid;
	const char *uname;
	int g_present, g_id;
	uint32_t gid;
	const char *gname;
};

static void run_accept(const struct accept_case *t)
{
	struct spec sp;
	enum spec_err e;

	memset(&sp, 0xa5, sizeof(sp));	/* spec_parse must set every field */
	e = spec_parse(t->in, &sp);
	if (e != SPEC_OK)
		fail_msg("spec_parse(\"%s\") = %d (%s), want SPEC_OK",
			 shown(t->in), e, spec_strerror(e));
	check_part(t->in, "user", &sp.user, 1, t->u_id, t->uid, t->uname);
	check_part(t->in, "group", &sp.group, t->g_present, t->g_id, t->gid,
		   t->gname);
}

static void test_accepted_forms(void **state)
{
	static const struct accept_case t[] = {
		/* name */
		{ "app", 0, 0, "app", 0, 0, 0, NULL },
		{ "a", 0, 0, "a", 0, 0, 0, NULL },
		{ "App", 0, 0, "App", 0, 0, 0, NULL },
		/* uid */
		{ "10001", 1, 10001, "10001", 0, 0, 0, NULL },
		{ "0", 1, 0, "0", 0, 0, 0, NULL },
		{ "65534", 1, 65534, "65534", 0, 0, 0, NULL },
		{ "4294967294", 1, 4294967294u, "4294967294", 0, 0, 0, NULL },
		/* leading zeros are still the same number */
		{ "0010001", 1, 10001, "0010001", 0, 0, 0, NULL },
		{ "00", 1, 0, "00", 0, 0, 0, NULL },
		/* name:group, name:gid */
		{ "app:staff", 0, 0, "app", 1, 0, 0, "staff" },
		{ "app:2000", 0, 0, "app", 1, 1, 2000, "2000" },
		{ "app:0", 0, 0, "app", 1, 1, 0, "0" },
		/* uid:gid, uid:name */
		{ "10001:10001", 1, 10001, "10001", 1, 1, 10001, "10001" },
		{ "10001:0", 1, 10001, "10001", 1, 1, 0, "0" },  /* OpenShift */
		{ "0:0", 1, 0, "0", 1, 1, 0, "0" },
		{ "10001:staff", 1, 10001, "10001", 1, 0, 0, "staff" },
		{ "4294967294:4294967294", 1, 4294967294u, "4294967294", 1, 1,
		  4294967294u, "4294967294" },
		{ "007:0029", 1, 7, "007", 1, 1, 29, "0029" },
		/* the bytes real names use */
		{ "my-user", 0, 0, "my-user", 0, 0, 0, NULL },
		{ "my_user", 0, 0, "my_user", 0, 0, 0, NULL },
		{ "_apt", 0, 0, "_apt", 0, 0, 0, NULL },
		{ "first.last", 0, 0, "first.last", 0, 0, 0, NULL },
		{ "user@example.com", 0, 0, "user@example.com", 0, 0, 0, NULL },
		{ "machine$", 0, 0, "machine$", 0, 0, 0, NULL },
		{ "a-b_c.d@e$", 0, 0, "a-b_c.d@e$", 0, 0, 0, NULL },
		{ "app:my-group", 0, 0, "app", 1, 0, 0, "my-group" },
		{ "app:machine$", 0, 0, "app", 1, 0, 0, "machine$" },
		{ "1app", 0, 0, "1app", 0, 0, 0, NULL },
		{ "app1:2g", 0, 0, "app1", 1, 0, 0, "2g" },
		/* '-' and '+' only matter in front */
		{ "a-1", 0, 0, "a-1", 0, 0, 0, NULL },
		{ "1+1", 0, 0, "1+1", 0, 0, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		run_accept(&t[i]);
}

static void fill(char *buf, char c, size_t n)
{
	memset(buf, c, n);
	buf[n] = '\0';
}

/* 256 bytes (Linux LOGIN_NAME_MAX) is the longest accepted name. */
static void test_name_256_bytes(void **state)
{
	char name[SPEC_NAME_MAX + 1], text[2 * SPEC_NAME_MAX + 2];
	char zeros[SPEC_NAME_MAX + 1];
	struct spec sp;
	(void)state;

	assert_int_equal(SPEC_NAME_MAX, 256);
	fill(name, 'n', SPEC_NAME_MAX);
	assert_int_equal(spec_parse(name, &sp), SPEC_OK);
	assert_string_equal(sp.user.name, name);
	assert_false(sp.user.is_id);
	assert_false(sp.group.present);

	snprintf(text, sizeof(text), "%s:%s", name, name);
	assert_int_equal(spec_parse(text, &sp), SPEC_OK);
	assert_string_equal(sp.user.name, name);
	assert_string_equal(sp.group.name, name);

	/* 256 digits, almost all leading zeros: still id 1 */
	fill(zeros, '0', SPEC_NAME_MAX);
	zeros[SPEC_NAME_MAX - 1] = '1';
	snprintf(text, sizeof(text), "%s:%s", zeros, zeros);
	assert_int_equal(spec_parse(text, &sp), SPEC_OK);
	assert_true(sp.user.is_id);
	assert_int_equal(sp.user.id, 1);
	assert_true(sp.group.is_id);
	assert_int_equal(sp.group.id, 1);
}

struct reject_case {
	const char *in;
	enum spec_err want;
};

static void run_reject(const char *in, enum spec_err want)
{
	struct spec sp;
	enum spec_err got = spec_parse(in, &sp);

	if (got != want)
		fail_msg("spec_parse(\"%s\") = %d (%s), want %d (%s)",
			 shown(in), got, spec_strerror(got), want,
			 spec_strerror(want));
}

static void test_rejected(void **state)
{
	static const struct reject_case t[] = {
		{ "", SPEC_EMPTY },
		{ ":", SPEC_EMPTY_USER },
		{ ":g", SPEC_EMPTY_USER },
		{ ":0", SPEC_EMPTY_USER },
		{ "::", SPEC_EMPTY_USER },
		{ "u:", SPEC_EMPTY_GROUP },
		{ "10001:", SPEC_EMPTY_GROUP },
		{ "a:b:c", SPEC_TOO_MANY_COLONS },
		{ "u:g:", SPEC_TOO_MANY_COLONS },
		{ "1:2:3", SPEC_TOO_MANY_COLONS },
		{ "u::", SPEC_TOO_MANY_COLONS },
		{ "u::g", SPEC_TOO_MANY_COLONS },
		{ "10001:10001:10001", SPEC_TOO_MANY_COLONS },
		{ "4294967295", SPEC_USER_RANGE },
		{ "4294967296", SPEC_USER_RANGE },
		{ "4294967297", SPEC_USER_RANGE },
		{ "99999999999999999999", SPEC_USER_RANGE },
		{ "18446744073709551616", SPEC_USER_RANGE },
		{ "4294967296:0", SPEC_USER_RANGE },
		{ "u:4294967295", SPEC_GROUP_RANGE },
		{ "u:4294967296", SPEC_GROUP_RANGE },
		{ "10001:99999999999999999999", SPEC_GROUP_RANGE },
		{ "-1", SPEC_USER_SIGN },
		{ "-0", SPEC_USER_SIGN },
		{ "+65534", SPEC_USER_SIGN },
		{ "+", SPEC_USER_SIGN },
		{ "-", SPEC_USER_SIGN },
		{ "-app", SPEC_USER_SIGN },
		{ "+nis", SPEC_USER_SIGN },
		{ "-1:0", SPEC_USER_SIGN },
		{ "u:-1", SPEC_GROUP_SIGN },
		{ "u:+1", SPEC_GROUP_SIGN },
		{ "10001:-0", SPEC_GROUP_SIGN },
		{ "u:-g", SPEC_GROUP_SIGN },
		{ " 65534", SPEC_USER_CHAR },
		{ "65534 ", SPEC_USER_CHAR },
		{ "6553\t4", SPEC_USER_CHAR },
		{ "a b", SPEC_USER_CHAR },
		{ " ", SPEC_USER_CHAR },
		{ "\t", SPEC_USER_CHAR },
		{ "1 000", SPEC_USER_CHAR },
		{ "a,b", SPEC_USER_CHAR },
		{ ",", SPEC_USER_CHAR },
		{ "a/b", SPEC_USER_CHAR },
		{ "/", SPEC_USER_CHAR },
		{ "../../etc", SPEC_USER_CHAR },
		{ "\n", SPEC_USER_CHAR },
		{ "app\n", SPEC_USER_CHAR },
		{ "app\r", SPEC_USER_CHAR },
		{ "\x01", SPEC_USER_CHAR },
		{ "a\x1b[31mroot", SPEC_USER_CHAR },
		{ "\x7f", SPEC_USER_CHAR },
		{ "app\x1f", SPEC_USER_CHAR },
		{ "u: g", SPEC_GROUP_CHAR },
		{ "u:g ", SPEC_GROUP_CHAR },
		{ "u:a,b", SPEC_GROUP_CHAR },
		{ "u:a/b", SPEC_GROUP_CHAR },
		{ "u:\n", SPEC_GROUP_CHAR },
		{ "u:g\r", SPEC_GROUP_CHAR },
		{ "u:\x7f", SPEC_GROUP_CHAR },
		{ "10001:\x02", SPEC_GROUP_CHAR },
		{ "10001:10 01", SPEC_GROUP_CHAR },
		{ "10001:\t0", SPEC_GROUP_CHAR },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		run_reject(t[i].in, t[i].want);
}

static void test_rejected_too_long(void **state)
{
	char n257[SPEC_NAME_MAX + 2], n256[SPEC_NAME_MAX + 1];
	char text[2 * SPEC_NAME_MAX + 8];
	(void)state;

	fill(n257, 'n', SPEC_NAME_MAX + 1);
	fill(n256, 'g', SPEC_NAME_MAX);
	run_reject(n257, SPEC_USER_LONG);
	snprintf(text, sizeof(text), "%s:g", n257);
	run_reject(text, SPEC_USER_LONG);
	snprintf(text, sizeof(text), "u:%s", n257);
	run_reject(text, SPEC_GROUP_LONG);
	snprintf(text, sizeof(text), "%s:%sx", n256, n256);
	run_reject(text, SPEC_GROUP_LONG);
	/* 257 digits of leading zeros: too long, before any number check */
	fill(n257, '0', SPEC_NAME_MAX + 1);
	run_reject(n257, SPEC_USER_LONG);
	snprintf(text, sizeof(text), "10001:%s", n257);
	run_reject(text, SPEC_GROUP_LONG);
}

/* Every byte 0x01..0x20 and 0x7f is refused, in the user and the group. */
static void test_rejected_every_control_byte(void **state)
{
	char text[16];
	(void)state;

	for (int c = 1; c < 0x80; c++) {
		if (c > 0x20 && c != 0x7f)
			continue;
		snprintf(text, sizeof(text), "ap%cp", c);
		run_reject(text, SPEC_USER_CHAR);
		snprintf(text, sizeof(text), "app:st%caff", c);
		run_reject(text, SPEC_GROUP_CHAR);
		snprintf(text, sizeof(text), "%c", c);
		run_reject(text, SPEC_USER_CHAR);
	}
}

static void test_strerror(void **state)
{
	const char *seen[SPEC_GROUP_LONG + 1];
	(void)state;

	for (int e = SPEC_OK; e <= SPEC_GROUP_LONG; e++) {
		const char *s = spec_strerror((enum spec_err)e);

		if (s == NULL || s[0] == '\0')
			fail_msg("spec_strerror(%d) is empty", e);
		if (strcmp(s, spec_strerror((enum spec_err)999)) == 0)
			fail_msg("spec_strerror(%d) has no text of its own", e);
		for (int j = 0; j < e; j++)
			if (strcmp(s, seen[j]) == 0)
				fail_msg("spec_strerror(%d) == spec_strerror(%d)",
					 e, j);
		seen[e] = s;
	}
	/* a value outside the enum still gets a text, never NULL */
	assert_non_null(spec_strerror((enum spec_err)999));
	assert_true(spec_strerror((enum spec_err)999)[0] != '\0');
	assert_non_null(strstr(spec_strerror(SPEC_USER_RANGE), "4294967294"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_name_256_bytes),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_rejected_too_long),
		cmocka_unit_test(test_rejected_every_control_byte),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
