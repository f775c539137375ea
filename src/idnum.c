#include "idnum.h"

#include <errno.h>

int idnum_is_digits(const char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int idnum_parse(const char *s, size_t len, uint32_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (!idnum_is_digits(s, len)) {
		errno = EINVAL;
		return -1;
	}
	for (i = 0; i < len; i++) {
		v = v * 10 + (uint64_t)(s[i] - '0');
		/* checked on every digit, so v never wraps however long s is */
		if (v > IDNUM_MAX) {
			errno = ERANGE;
			return -1;
		}
	}
	*out = (uint32_t)v;
	return 0;
}
