/* "USER[:GROUP]" → a request, before any file is read. Pure. */
#ifndef NREXEC_SPEC_H
#define NREXEC_SPEC_H

#include <stddef.h>
#include <stdint.h>

/* Longest user or group name accepted (Linux LOGIN_NAME_MAX). */
#define SPEC_NAME_MAX 256

struct spec_part {
	int present;		/* the part was given */
	int is_id;		/* all digits: a numeric id, never a name */
	uint32_t id;		/* when is_id */
	char name[SPEC_NAME_MAX + 1];	/* the text, NUL-terminated */
};

struct spec {
	struct spec_part user;
	struct spec_part group;
};

enum spec_err {
	SPEC_OK = 0,
	SPEC_EMPTY,		/* "" */
	SPEC_EMPTY_USER,	/* ":g" */
	SPEC_EMPTY_GROUP,	/* "u:" */
	SPEC_TOO_MANY_COLONS,	/* "a:b:c" */
	SPEC_USER_RANGE,	/* user id above IDNUM_MAX */
	SPEC_GROUP_RANGE,
	SPEC_USER_SIGN,		/* "+10001", "-1" */
	SPEC_GROUP_SIGN,
	SPEC_USER_CHAR,		/* space, control byte, comma, ... */
	SPEC_GROUP_CHAR,
	SPEC_USER_LONG,
	SPEC_GROUP_LONG,
};

enum spec_err spec_parse(const char *text, struct spec *out);

/* A short English reason for err, e.g. "the group after ':' is empty". */
const char *spec_strerror(enum spec_err err);

#endif
