/* Signals before the exec: SIGTERM, SIGINT and SIGHUP stop nrexec (and a
 * --chown walk) instead of being lost, while the command still inherits
 * exactly the signal state nrexec was given. */
#ifndef NREXEC_PRESIG_H
#define NREXEC_PRESIG_H

/* Block SIGTERM, SIGINT and SIGHUP (those the caller had not blocked), so
 * that they wait as pending signals, and remember the caller's mask. */
void presig_catch(void);
/* The first of those pending now, unless the caller ignores it; else 0.
 * One system call: a walk polls it now and then. */
int presig_pending(void);
/* presig_pending(), then the caller's mask back, exactly. */
int presig_restore(void);

#endif
