/* Give fds 0-2 to the target before the drop, as runc does for
 * `docker run --user`, so the command can reopen /dev/stdout. */
#ifndef NREXEC_STDFDS_H
#define NREXEC_STDFDS_H

#include <stdint.h>

#include "sbuf.h"

/* Each of fds 0-2 that is a pipe, or the container's own terminal (a
 * pseudo-terminal that is also /dev/console), gets owner uid (a pipe
 * also group gid; a terminal keeps its group, tty's). Nothing else is
 * touched: /dev/null, regular files, sockets, other terminals (an admin's
 * `docker exec -it` shell, a host terminal). Failures (EPERM without
 * CAP_CHOWN, an unmapped id) are not errors: log (-v) says what happened,
 * or is NULL. */
void stdfds_give(uint32_t uid, uint32_t gid, struct sbuf *log);

#endif
