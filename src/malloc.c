/* malloc, calloc, realloc and free for the musl build only (the glibc
 * build and the sanitizer builds keep their libc's).
 *
 * musl's mallocng is ~8 KiB of the 64 KiB budget. nrexec lives for
 * milliseconds before it execs, allocates little (identity lists, one
 * line buffer, the --chown walk's frames and hard-link table) and frees
 * most of it again, so a smaller design serves: blocks of a power of two
 * (a 16-byte header holding the class), carved from 1 MiB mappings and
 * reused through one free list per class; anything past 64 KiB gets a
 * mapping of its own, grows with mremap and is given back on free, so a
 * large list grown by doubling is never held twice. At most half of a
 * small block is slack. The --chown walk allocates from helper threads,
 * so one spinlock guards the lists.
 *
 * musl lets a program replace these four (its own few internal callers
 * use __libc_malloc, which nrexec does not link).
 */
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define PAGE_UP(n) (((n) + 4095) & ~(size_t)4095)

#define HDR 16u			/* keeps payloads 16-byte aligned */
#define MIN_CLASS 5u		/* 32-byte blocks */
#define MAX_CLASS 16u		/* 64 KiB; larger: a mapping of its own */
#define BIG (~(SIZE_MAX >> 1))	/* header flag (the top bit on 32-bit targets too): own mapping, size below */
#define CHUNK ((size_t)1 << 20)

static void *bins[MAX_CLASS + 1];
static char *cur, *end;
static int lock;

static void take(void)
{
	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void give(void)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
}

static void *map(size_t n)
{
	void *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* A block of class k: from its list, else from the current chunk. */
static char *block(unsigned k)
{
	size_t n = (size_t)1 << k;
	char *b;

	take();
	b = bins[k];
	if (b) {
		bins[k] = *(void **)(b + HDR);
	} else {
		if ((size_t)(end - cur) < n) {
			char *c = map(n > CHUNK ? n : CHUNK);

			if (c) {
				cur = c;
				end = c + (n > CHUNK ? n : CHUNK);
			}
		}
		if ((size_t)(end - cur) >= n) {
			b = cur;
			cur += n;
		}
	}
	give();
	return b;
}

void *malloc(size_t n)
{
	unsigned k = MIN_CLASS;
	char *b;

	/* a mapping's length must stay below BIG, the flag in its header (on
	 * 32-bit targets 2 GiB could be mapped) */
	if (n > (~BIG) - 8192) {
		errno = ENOMEM;
		return NULL;
	}
	if (n > ((size_t)1 << MAX_CLASS) - HDR) {
		size_t len = PAGE_UP(n + HDR);

		b = n < len ? map(len) : NULL;
		if (b)
			*(size_t *)b = BIG | len;
	} else {
		while (((size_t)1 << k) - HDR < n)
			k++;
		b = block(k);
		if (b)
			*(size_t *)b = k;
	}
	if (!b) {
		errno = ENOMEM;
		return NULL;
	}
	return b + HDR;
}

/* Usable bytes of the block behind p. */
static size_t room(const char *b)
{
	size_t h = *(const size_t *)b;

	return (h & BIG ? h & ~BIG : (size_t)1 << h) - HDR;
}

void free(void *p)
{
	char *b = p;
	size_t h;

	if (!b)
		return;
	b -= HDR;
	h = *(size_t *)b;
	if (h & BIG) {
		munmap(b, h & ~BIG);
		return;
	}
	take();
	*(void **)(b + HDR) = bins[h];
	bins[h] = b;
	give();
}

void *calloc(size_t n, size_t size)
{
	size_t t = n * size;
	void *p;

	if (size && n > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	/* malloc(0) gives a block too; a nonzero request says so to the
	 * static analysers */
	p = malloc(t ? t : 1);
	if (p)
		memset(p, 0, t);
	return p;
}

void *realloc(void *p, size_t n)
{
	char *b;
	void *q;
	size_t have;

	if (!p || n > (~BIG) - 8192)
		return malloc(n);	/* the latter fails with ENOMEM */
	b = (char *)p - HDR;
	have = room(b);
	if (n <= have)
		return p;
	if (*(size_t *)b & BIG && n < PAGE_UP(n + HDR)) {
		size_t len = PAGE_UP(n + HDR);

		q = mremap(b, have + HDR, len, MREMAP_MAYMOVE);
		if (q == MAP_FAILED) {
			errno = ENOMEM;
			return NULL;
		}
		*(size_t *)q = BIG | len;
		return (char *)q + HDR;
	}
	q = malloc(n);
	if (q) {
		memcpy(q, p, have);
		free(p);
	}
	return q;
}
