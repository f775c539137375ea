/* Write-access checks by the identity nrexec now runs as: --writable
 * PATH, and --chown PATH on a non-root start, where owners cannot be
 * changed. */
#ifndef NREXEC_WRITABLE_H
#define NREXEC_WRITABLE_H

#include "sbuf.h"

/* 0 when path exists and this process may write it (a directory: write
 * and search), else -1 with a message in err naming what (the option),
 * path, its owner, group and mode, and the identity. Call after the
 * drop: the answer is then the command's. */
int writable_check(const char *what, const char *path, struct sbuf *err);

#endif
