#include "spec.h"

#include <errno.h>
#include <string.h>

#include "idnum.h"

/* Bytes that never belong in a user or group name: they are separators in
 * /etc/passwd and /etc/group (':' ','), whitespace and control bytes
 * (invisible in logs, and " 65534" must not pass for 65534), and '/'. */
static int bad_name_byte(unsigned char c)
{
	return c <= 0x20 || c == 0x7f || c == ',' || c == ':' || c == '/';
}

static enum spec_err parse_part(const char *s, size_t len, int is_group,
				struct spec_part *out)
{
	size_t i;

	if (len > SPEC_NAME_MAX)
		return is_group ? SPEC_GROUP_LONG : SPEC_USER_LONG;
	/* "+65534" and "-1": su-exec and gosu take some of these as ids */
	if (s[0] == '+' || s[0] == '-')
		return is_group ? SPEC_GROUP_SIGN : SPEC_USER_SIGN;
	for (i = 0; i < len; i++)
		if (bad_name_byte((unsigned char)s[i]))
			return is_group ? SPEC_GROUP_CHAR : SPEC_USER_CHAR;
	out->present = 1;
	memcpy(out->name, s, len);
	out->name[len] = '\0';
	out->is_id = idnum_is_digits(s, len);
	if (out->is_id && idnum_parse(s, len, &out->id) < 0)
		return is_group ? SPEC_GROUP_RANGE : SPEC_USER_RANGE;
	return SPEC_OK;
}

enum spec_err spec_parse(const char *text, struct spec *out)
{
	const char *colon = strchr(text, ':');
	size_t ulen = colon ? (size_t)(colon - text) : strlen(text);
	enum spec_err err;

	memset(out, 0, sizeof(*out));
	if (text[0] == '\0')
		return SPEC_EMPTY;
	if (ulen == 0)
		return SPEC_EMPTY_USER;
	if (colon && strchr(colon + 1, ':'))
		return SPEC_TOO_MANY_COLONS;
	if (colon && colon[1] == '\0')
		return SPEC_EMPTY_GROUP;
	err = parse_part(text, ulen, 0, &out->user);
	if (err == SPEC_OK && colon)
		err = parse_part(colon + 1, strlen(colon + 1), 1, &out->group);
	return err;
}

const char *spec_strerror(enum spec_err err)
{
	switch (err) {
	case SPEC_OK:
		return "no error";
	case SPEC_EMPTY:
		return "it is empty; give USER or USER:GROUP";
	case SPEC_EMPTY_USER:
		return "the user before ':' is empty";
	case SPEC_EMPTY_GROUP:
		return "the group after ':' is empty; drop the ':' to use the user's own group";
	case SPEC_TOO_MANY_COLONS:
		return "more than one ':'; the form is USER[:GROUP]";
	case SPEC_USER_RANGE:
		return "user id out of range (0 to " IDNUM_STR(IDNUM_MAX_DIGITS) ")";
	case SPEC_GROUP_RANGE:
		return "group id out of range (0 to " IDNUM_STR(IDNUM_MAX_DIGITS) ")";
	case SPEC_USER_SIGN:
		return "user starts with a sign; ids are plain decimal digits";
	case SPEC_GROUP_SIGN:
		return "group starts with a sign; ids are plain decimal digits";
	case SPEC_USER_CHAR:
		return "user contains a space, control byte, ',', ':' or '/'";
	case SPEC_GROUP_CHAR:
		return "group contains a space, control byte, ',', ':' or '/'";
	case SPEC_USER_LONG:
		return "user name longer than " IDNUM_STR(SPEC_NAME_MAX) " bytes";
	case SPEC_GROUP_LONG:
		return "group name longer than " IDNUM_STR(SPEC_NAME_MAX) " bytes";
	}
	return "invalid";
}
