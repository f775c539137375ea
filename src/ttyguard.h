/* The terminal injection guard: a seccomp filter that fails ioctl TIOCSTI
 * and TIOCLINUX with EPERM, so a dropped command cannot push keystrokes
 * into the terminal of the (root) shell that started it. */
#ifndef NREXEC_TTYGUARD_H
#define NREXEC_TTYGUARD_H

/* 1 when a terminal is reachable (fd 0-2, or a controlling terminal) and
 * the kernel lets anyone push input into it (legacy_tiocsti not "0"). */
int ttyguard_needed(void);
/* Install the filter on the calling thread (inherited across execve).
 * Needs no_new_privs or CAP_SYS_ADMIN (EACCES otherwise). 0 or -1. */
int ttyguard_install(void);
/* The program itself and its length, for tests. */
struct sock_filter;
const struct sock_filter *ttyguard_filter(unsigned short *len);

#endif
