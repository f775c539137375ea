/* Not built: src/build/fmt-check.py reads it in `make check` and must
 * refuse exactly the five calls marked BAD (the check of the check). */
#include "sbuf.h"

#define LIMIT_STR "64"

void fmt_probe(struct sbuf *b, unsigned long l, int d, size_t z, unsigned u,
	       const char *fmt);
void fmt_probe(struct sbuf *b, unsigned long l, int d, size_t z, unsigned u,
	       const char *fmt)
{
	sbuf_fmt(b, "fine: %s %-s %u %llu %016llx %c %m %%", "s", "q", u,
		 (unsigned long long)l, (unsigned long long)l, 'c');
	sbuf_fmt(b, "fine too, over lines: " LIMIT_STR " %u"
		    " and %s", u, "x");
	sbuf_fmt(b, "BAD 1: %lu", l);
	sbuf_fmt(b, "BAD 2: %d", d);
	sbuf_fmt(b, "BAD 3: %zu", z);
	sbuf_fmt(b, "BAD 4: %5u", u);
	sbuf_fmt(b, fmt, u);	/* BAD 5: not a literal */
}
