/* Parse one decimal user or group id. */
#ifndef NREXEC_IDNUM_H
#define NREXEC_IDNUM_H

#include <stddef.h>
#include <stdint.h>

/* Largest id nrexec accepts: (uid_t)-1 means "leave unchanged" to
 * setresuid/setresgid, so it can never be a target. */
#define IDNUM_MAX_DIGITS 4294967294
#define IDNUM_MAX ((uint32_t)IDNUM_MAX_DIGITS)
/* Text of a constant, for messages that are string literals. */
#define IDNUM_STR_(x) #x
#define IDNUM_STR(x) IDNUM_STR_(x)

/* Parse s[0..len) as a decimal id in 0 … IDNUM_MAX. The whole text must be
 * digits: no sign, no space, not empty. Returns 0, or -1 with errno EINVAL
 * (not a number) or ERANGE (too large). */
int idnum_parse(const char *s, size_t len, uint32_t *out);

/* Parse s as a file mode in octal (--umask, --chown-mode): 1 to 4
 * digits 0-7, the whole string, value <= max (0777, 07777). Returns 0,
 * or -1 with errno EINVAL. */
int idnum_mode(const char *s, unsigned max, unsigned *out);

/* True when s[0..len) is non-empty and all ASCII digits. */
int idnum_is_digits(const char *s, size_t len);

/* strtoul, base 10 only, for the musl link (see idnum.c). */
unsigned long __wrap_strtoul(const char *s, char **end, int base);

#endif
