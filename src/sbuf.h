/* Small string builder: the only text formatting nrexec does.
 *
 * printf-family formatting costs several KiB in a static musl binary, so
 * messages and --print output are assembled from strings and integers here.
 * A buffer with fd >= 0 flushes to that fd when full, and one on stderr
 * also at the end of each line (the -v log: each line is one write, as it
 * is finished); one with fd < 0 truncates (used for error messages handed
 * back to main()).
 */
#ifndef NREXEC_SBUF_H
#define NREXEC_SBUF_H

#include <stddef.h>
#include <stdint.h>

struct sbuf {
	char *buf;
	size_t cap;
	size_t len;
	int fd;
};

void sbuf_init(struct sbuf *b, char *mem, size_t cap, int fd);
void sbuf_reset(struct sbuf *b);
void sbuf_str(struct sbuf *b, const char *s);
void sbuf_mem(struct sbuf *b, const char *s, size_t n);
void sbuf_chr(struct sbuf *b, char c);
void sbuf_u64(struct sbuf *b, uint64_t v);
/* 16 hex digits, as /proc/self/status shows capability sets. */
void sbuf_hex64(struct sbuf *b, uint64_t v);
/* Quote text from the outside world: printable ASCII as is, anything
 * else as \xNN, so a hostile name cannot forge log lines. Into a buffer
 * with fd < 0 (a message), text over 101 bytes is cut to its first and
 * last 48 with "[...]" between: the cause after it is never lost. */
void sbuf_quoted(struct sbuf *b, const char *s);
/* The same for s[0..n), a piece of a longer string (a name in a list). */
void sbuf_quoted_n(struct sbuf *b, const char *s, size_t n);
/* ids as "1,2,3" */
void sbuf_ids(struct sbuf *b, const uint32_t *ids, size_t n);
/* Append strerror(err). */
void sbuf_errno(struct sbuf *b, int err);
/* Append fmt, its conversions replaced by the arguments, printf-style but
 * for these only: %s a string, %-s a string quoted as sbuf_quoted does,
 * %u an unsigned int, %llu an unsigned long long, %016llx one as
 * sbuf_hex64 writes it, %c a char, %m
 * strerror(errno) with errno as it was at the call, %% a '%'.
 * printf's own spelling (%-s is its left-justify flag, a no-op without a
 * width) lets the compiler check every argument against the format. One
 * call instead of a chain of sbuf_str/sbuf_u64 calls: each call costs
 * 10-20 bytes of code, on every architecture. Any other conversion (%lu,
 * %d, a width) passes the compiler but not src/build/fmt-check.py, which
 * `make check` runs on every call. */
__attribute__((format(printf, 2, 3)))
void sbuf_fmt(struct sbuf *b, const char *fmt, ...);
/* NUL-terminated view of the contents (the buffer keeps one spare byte). */
const char *sbuf_cstr(struct sbuf *b);
/* Write out what is buffered; returns 0 or -1 (errno set). */
int sbuf_flush(struct sbuf *b);

/* strchr, for the musl link (see sbuf.c). */
char *__wrap_strchr(const char *s, int c);

#endif
