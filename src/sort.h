/* The one sort: heapsort, O(n log n) at any input (group lists run to
 * 65,536 ids), in place, without musl's qsort (~2 KiB of the binary). */
#ifndef NREXEC_SORT_H
#define NREXEC_SORT_H

#include <stddef.h>
#include <stdint.h>

/* Sort n elements of size bytes at base, ascending by cmp (<0, 0, >0).
 * Not stable. size is a multiple of 4 and base is aligned for uint32_t:
 * elements are moved a word at a time. */
void sort_heap(void *base, size_t n, size_t size,
	       int (*cmp)(const void *a, const void *b));

/* Sort ids ascending. */
void sort_u32(uint32_t *a, size_t n);

#endif
