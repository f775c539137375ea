/* File capabilities (the security.capability xattr), read only to explain
 * an exec that failed with EPERM. */
#ifndef NREXEC_FILECAPS_H
#define NREXEC_FILECAPS_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* Decode a security.capability value (revision 1, 2 or 3, little-endian
 * as stored). Returns 0 with the permitted set and the effective flag,
 * or -1 for anything else. Pure. */
int filecaps_decode(const unsigned char *buf, size_t n, uint64_t *permitted,
		    int *effective);

/* After execve(path) failed with EPERM: when path carries file
 * capabilities with the effective flag that the bounding set lacks (the
 * kernel then refuses the exec), append what they are and the way out
 * to err. Appends nothing otherwise. */
void filecaps_explain(const char *path, struct sbuf *err);

#endif
