/* Replace nrexec with the command. */
#ifndef NREXEC_EXECCMD_H
#define NREXEC_EXECCMD_H

#include "sbuf.h"

/* Set HOME, and USER and LOGNAME when user is not "". Returns 0, or -1
 * with a message in err. */
int exec_set_env(const char *home, const char *user, struct sbuf *err);

/* execve, searching PATH for a name without '/' now, after the drop, as the
 * target user (/usr/local/bin:/bin:/usr/bin when PATH is unset). Returns only on failure, with the exit
 * status to use: 127 when the command does not exist, 126 when it exists
 * but cannot be executed; the message is in err. */
int exec_command(char *const *argv, struct sbuf *err);

#endif
