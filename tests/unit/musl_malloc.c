/* src/malloc.c (the musl build's allocator), built with musl-gcc without
 * cmocka (a glibc library): 4 threads at once allocate, grow, check and
 * free blocks of every class and a few past the 4 MiB mapping threshold.
 * A block handed out twice, a lost write or a wrong copy on realloc shows
 * as a pattern mismatch. Exit 0 and one line on success. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 256
#define ROUNDS 20000

static int bad;

static size_t next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (size_t)*s;
}

static size_t pick(uint64_t *s)
{
	size_t r = next(s);

	if (r % 997 == 0)
		return (5u << 20) + r % 4096;	/* its own mapping */
	return r % (1u << (r >> 8) % 17);	/* 0 … 64 KiB, every class */
}

static int check(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

static void *worker(void *arg)
{
	uint64_t s = (uintptr_t)arg * 0x9e3779b97f4a7c15ull + 1;
	unsigned char *p[SLOTS] = { 0 };
	size_t n[SLOTS] = { 0 };
	unsigned char v[SLOTS] = { 0 };

	for (int r = 0; r < ROUNDS; r++) {
		size_t i = next(&s) % SLOTS, m = pick(&s);

		if (p[i] && !check(p[i], n[i], v[i]))
			__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
		if (p[i] && next(&s) % 2) {
			unsigned char *q = realloc(p[i], m);

			if (!q)
				continue;
			/* what was there survives the move */
			if (!check(q, n[i] < m ? n[i] : m, v[i]))
				__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
			p[i] = q;
		} else {
			free(p[i]);
			p[i] = next(&s) % 3 ? malloc(m) : calloc(1, m);
			if (p[i] && m && !(((uintptr_t)p[i] & 15) == 0))
				__atomic_store_n(&bad, 1, __ATOMIC_RELAXED);
		}
		if (!p[i])
			continue;
		n[i] = m;
		v[i] = (unsigned char)(next(&s) | 1);
		memset(p[i], v[i], m);
	}
	for (size_t i = 0; i < SLOTS; i++)
		free(p[i]);
	return NULL;
}

int main(void)
{
	pthread_t t[4];
	unsigned char *z;

	for (uintptr_t i = 0; i < 4; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(i + 1)) != 0)
			return 2;
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	/* calloc zeroes a reused block; overflow is refused */
	z = malloc(100);
	memset(z, 0xff, 100);
	free(z);
	z = calloc(100, 1);
	if (!z || !check(z, 100, 0))
		bad = 1;
	/* volatile: the compiler must not see (and reject) the sizes */
	{
		volatile size_t huge = SIZE_MAX - 8, half = SIZE_MAX / 2;

		if (calloc(half, 4) || malloc(huge))
			bad = 1;
	}
	printf("musl_malloc: %s\n", bad ? "FAILED" : "4 threads x 20000 rounds, every check passed");
	return bad;
}
