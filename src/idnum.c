#include "idnum.h"

#include <errno.h>
#include <limits.h>

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

int idnum_mode(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; s[i] >= '0' && s[i] <= '7' && i < 4; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (i == 0 || s[i] != '\0' || v > max) {
		errno = EINVAL;
		return -1;
	}
	*out = v;
	return 0;
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

/* strtoul for the musl link only (-Wl,--wrap=strtoul, Makefile): musl's
 * brings its generic number scanner, ~2.3 KiB of the 64 KiB budget. Its
 * two callers read decimal text from the kernel: privdrop's gid_map lines
 * and libcap-ng's /proc/sys/kernel/cap_last_cap. Same results for base 10
 * (white space first, no sign); any other base is refused with EINVAL. */
unsigned long __wrap_strtoul(const char *s, char **end, int base)
{
	const char *p = s;
	unsigned long v = 0;
	int digits = 0, over = 0;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	for (; base == 10 && *p >= '0' && *p <= '9'; p++, digits = 1) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (ULONG_MAX - d) / 10)
			over = 1;
		v = v * 10 + d;
	}
	if (end)
		*end = (char *)(digits ? p : s);
	if (base != 10 || over)
		errno = base != 10 ? EINVAL : ERANGE;
	return over ? ULONG_MAX : v;
}
