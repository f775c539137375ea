/* libFuzzer harness: spec_parse() on arbitrary bytes.
 *
 * Beyond "no crash", every run checks that:
 *  - the result is one of enum spec_err and spec_strerror() names it;
 *  - SPEC_OK is returned exactly for the language the spec defines (a
 *    separate, deliberately naive model below decides acceptance);
 *  - an accepted part is a non-empty name of at most SPEC_NAME_MAX bytes
 *    without ':' ',' '/' whitespace or control bytes, not starting with a
 *    sign; is_id exactly when it is all digits, and then id is its decimal
 *    value and at most IDNUM_MAX, so 4294967295 and above never pass;
 *  - re-parsing "name[:group]" gives the same struct, and that text is the
 *    input up to its first NUL (nothing dropped or rewritten).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idnum.h"
#include "spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) ((c) ? (void)0 : abort())

static int model_bad_byte(unsigned char c)
{
	return c < 0x21 || c == 0x7f || c == ':' || c == ',' || c == '/';
}

/* The accepted language of one part, written independently of spec.c. */
static int model_part_ok(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i, digits = 0;

	if (len == 0 || len > SPEC_NAME_MAX || s[0] == '+' || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		if (model_bad_byte((unsigned char)s[i]))
			return 0;
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
	}
	if (digits != len)
		return 1;	/* a name */
	for (i = 0; i < len; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > IDNUM_MAX)
			return 0;
	}
	return 1;
}

static int model_ok(const char *text)
{
	const char *colon = strchr(text, ':');

	if (!colon)
		return model_part_ok(text, strlen(text));
	return model_part_ok(text, (size_t)(colon - text)) &&
	       model_part_ok(colon + 1, strlen(colon + 1));
}

static void check_part(const struct spec_part *p)
{
	size_t len = strnlen(p->name, sizeof(p->name));
	uint64_t v = 0;
	int digits = 1;

	CHECK(p->present == 1);
	CHECK(len > 0 && len <= SPEC_NAME_MAX);
	CHECK(p->name[0] != '+' && p->name[0] != '-');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p->name[i];

		CHECK(!model_bad_byte(c));
		if (c < '0' || c > '9')
			digits = 0;
		else
			v = v * 10 + (uint64_t)(c - '0');
		if (v > IDNUM_MAX)
			v = IDNUM_MAX + 1ull;	/* saturate; still "too big" */
	}
	CHECK(p->is_id == digits);
	if (p->is_id)
		CHECK(p->id <= IDNUM_MAX && p->id == v);
	else
		CHECK(p->id == 0);
}

static void check_ok(const char *text, const struct spec *sp)
{
	char again[2 * SPEC_NAME_MAX + 2];
	struct spec sp2;
	size_t ulen;

	check_part(&sp->user);
	if (sp->group.present)
		check_part(&sp->group);
	else
		CHECK(sp->group.is_id == 0 && sp->group.name[0] == '\0');

	ulen = strlen(sp->user.name);
	memcpy(again, sp->user.name, ulen + 1);
	if (sp->group.present) {
		again[ulen] = ':';
		memcpy(again + ulen + 1, sp->group.name,
		       strlen(sp->group.name) + 1);
	}
	CHECK(strcmp(again, text) == 0);
	CHECK(spec_parse(again, &sp2) == SPEC_OK);
	CHECK(memcmp(sp, &sp2, sizeof(sp2)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct spec sp;
	enum spec_err err;
	const char *why;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	err = spec_parse(text, &sp);
	CHECK(err >= SPEC_OK && err <= SPEC_GROUP_LONG);
	why = spec_strerror(err);
	CHECK(why != NULL && why[0] != '\0' && strcmp(why, "invalid") != 0);
	CHECK((err == SPEC_OK) == model_ok(text));
	if (err == SPEC_OK)
		check_ok(text, &sp);
	else if (text[0] == '\0')
		CHECK(err == SPEC_EMPTY);
	free(text);
	return 0;
}
