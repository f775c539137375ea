#include "sort.h"

/* A word at a time: every element is a whole number of aligned uint32_t
 * (sort.h). Byte by byte, a user in 10,000 groups cost 50% more
 * instructions (BENCHMARKS.md). */
static void swap(unsigned char *a, unsigned char *b, size_t size)
{
	uint32_t *x = (uint32_t *)(void *)a, *y = (uint32_t *)(void *)b;

	for (size /= sizeof(uint32_t); size-- > 0; x++, y++) {
		uint32_t t = *x;

		*x = *y;
		*y = t;
	}
}

static void sift(unsigned char *s, size_t i, size_t n, size_t size,
		 int (*cmp)(const void *, const void *))
{
	for (size_t c; (c = 2 * i + 1) < n; i = c) {
		if (c + 1 < n && cmp(s + c * size, s + (c + 1) * size) < 0)
			c++;
		if (cmp(s + i * size, s + c * size) >= 0)
			return;
		swap(s + i * size, s + c * size, size);
	}
}

void sort_heap(void *base, size_t n, size_t size,
	       int (*cmp)(const void *a, const void *b))
{
	unsigned char *s = base;
	size_t i;

	for (i = n / 2; i-- > 0;)
		sift(s, i, n, size, cmp);
	while (n > 1) {
		swap(s, s + --n * size, size);
		sift(s, 0, n, size, cmp);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void sort_u32(uint32_t *a, size_t n)
{
	sort_heap(a, n, sizeof(*a), cmp_u32);
}
