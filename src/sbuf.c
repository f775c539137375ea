#include "sbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

/* Out of line: -flto would copy it into each of its callers. */
__attribute__((noinline))
void sbuf_init(struct sbuf *b, char *mem, size_t cap, int fd)
{
	b->buf = mem;
	b->cap = cap;
	b->len = 0;
	b->fd = fd;
	if (cap > 0)
		mem[0] = '\0';
}

void sbuf_reset(struct sbuf *b)
{
	b->len = 0;
	if (b->cap > 0)
		b->buf[0] = '\0';
}

int sbuf_flush(struct sbuf *b)
{
	size_t off = 0;

	if (b->fd < 0)
		return 0;
	while (off < b->len) {
		ssize_t n = write(b->fd, b->buf + off, b->len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			b->len = 0;
			return -1;
		}
		off += (size_t)n;
	}
	b->len = 0;
	return 0;
}

void sbuf_mem(struct sbuf *b, const char *s, size_t n)
{
	const int eol = n > 0 && s[n - 1] == '\n';

	if (b->cap < 2)
		return;	/* no room even for one byte and the NUL */
	while (n > 0) {
		/* one byte is kept for the terminating NUL of sbuf_cstr() */
		size_t room = b->cap - 1 - b->len;
		size_t take;

		if (room == 0) {
			if (b->fd < 0 || sbuf_flush(b) < 0)
				return;
			continue;
		}
		take = n < room ? n : room;
		memcpy(b->buf + b->len, s, take);
		b->len += take;
		s += take;
		n -= take;
	}
	if (eol && b->fd == STDERR_FILENO)
		sbuf_flush(b);
}

void sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_mem(b, s, strlen(s));
}

void sbuf_chr(struct sbuf *b, char c)
{
	sbuf_mem(b, &c, 1);
}

static const char hex[] = "0123456789abcdef";

/* The one number printer: at least width digits in base 10 or 16. The
 * leading digits first, by recursion (at most 20 deep): no local array,
 * so no stack-protector check. */
static void put_num(struct sbuf *b, uint64_t v, unsigned base, size_t width)
{
	if (v >= base || width > 1)
		put_num(b, v / base, base, width > 1 ? width - 1 : 1);
	sbuf_mem(b, &hex[v % base], 1);
}

void sbuf_u64(struct sbuf *b, uint64_t v)
{
	put_num(b, v, 10, 1);
}

void sbuf_ids(struct sbuf *b, const uint32_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			sbuf_chr(b, ',');
		sbuf_u64(b, ids[i]);
	}
}

void sbuf_hex64(struct sbuf *b, uint64_t v)
{
	put_num(b, v, 16, 16);
}

static void quote_bytes(struct sbuf *b, const char *s, size_t n)
{
	for (; n > 0; s++, n--) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			sbuf_chr(b, (char)c);
		} else {
			sbuf_str(b, "\\x");
			put_num(b, c, 16, 2);
		}
	}
}

/* In a message buffer (fd < 0, it truncates when full) a long input keeps
 * only its head and tail, so the cause that follows it still fits. */
#define QUOTE_KEEP 48

void sbuf_quoted(struct sbuf *b, const char *s)
{
	sbuf_quoted_n(b, s, strlen(s));
}

void sbuf_quoted_n(struct sbuf *b, const char *s, size_t n)
{
	if (b->fd >= 0 || n <= 2 * QUOTE_KEEP + 5) {
		quote_bytes(b, s, n);
		return;
	}
	quote_bytes(b, s, QUOTE_KEEP);
	sbuf_str(b, "[...]");
	quote_bytes(b, s + n - QUOTE_KEEP, QUOTE_KEEP);
}

/* One conversion of sbuf_fmt (spec points after the '%'); returns the
 * length of its spelling. Three va_arg fetches, one per argument type
 * (each is a dozen instructions on s390x and ppc64le): %s and %-s take a
 * pointer, %u and %c an unsigned (a char arrives promoted to int, and
 * va_arg may read an int as unsigned when the value fits both), %llu and
 * %016llx an unsigned long long. */
static size_t put_conv(struct sbuf *b, const char *spec, va_list *ap, int err)
{
	unsigned v;

	switch (spec[0]) {
	case 'm':
		sbuf_str(b, strerror(err));
		return 1;
	case '%':
		sbuf_chr(b, '%');
		return 1;
	case 'l':	/* %llu */
		sbuf_u64(b, va_arg(*ap, unsigned long long));
		return 3;
	case '0':	/* %016llx */
		sbuf_hex64(b, va_arg(*ap, unsigned long long));
		return 6;
	case 's':
	case '-': {	/* %-s */
		const char *s = va_arg(*ap, const char *);

		if (spec[0] == 's') {
			sbuf_str(b, s);
			return 1;
		}
		sbuf_quoted(b, s);
		return 2;
	}
	default:	/* %u, %c */
		v = va_arg(*ap, unsigned);
		if (spec[0] == 'c')
			sbuf_chr(b, (char)v);
		else
			sbuf_u64(b, v);
		return 1;
	}
}

void sbuf_fmt(struct sbuf *b, const char *fmt, ...)
{
	const int err = errno;	/* before a flush can change it */
	const char *pct;
	va_list ap;

	va_start(ap, fmt);
	while ((pct = strchr(fmt, '%')) != NULL) {
		sbuf_mem(b, fmt, (size_t)(pct - fmt));
		fmt = pct + 1 + put_conv(b, pct + 1, &ap, err);
	}
	sbuf_str(b, fmt);
	va_end(ap);
}

void sbuf_errno(struct sbuf *b, int err)
{
	sbuf_str(b, strerror(err));
}

/* strchr for the musl link only (-Wl,--wrap=strchr, Makefile): musl's
 * goes through its word-at-a-time strchrnul, 0.3 KiB on s390x and
 * ppc64le, for nrexec's short option values and list items. "used":
 * under -flto the compiler emits the calls it wraps only after dropping
 * what nothing references yet. */
__attribute__((used))
char *__wrap_strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (*s == '\0')
			return NULL;
	}
}

/* memcpy for the musl link only (-Wl,--wrap=memcpy, Makefile): musl's
 * generic C one is 1 KiB on s390x, where it has no assembly version.
 * nrexec copies names, lines and small tables; a byte loop does. GCC
 * would turn the loop back into a call of memcpy, that is of itself
 * (glibc's string functions turn the same pattern off the same way). */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
__attribute__((used))
void *__wrap_memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

/* memset for the musl link only (-Wl,--wrap=memset, Makefile), for the
 * same reason and with the same guard as __wrap_memcpy: musl's is C on
 * ppc64le, s390x and riscv64 (0.3 KiB), and nrexec clears small structs. */
#if defined(__GNUC__) && !defined(__clang__)
__attribute__((optimize("no-tree-loop-distribute-patterns")))
#endif
__attribute__((used))
void *__wrap_memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

const char *sbuf_cstr(struct sbuf *b)
{
	b->buf[b->len] = '\0';
	return b->buf;
}
