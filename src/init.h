/* --init: after the verified drop, nrexec forks; the child execs the
 * command and the parent stays as its init (PID 1, or a child subreaper):
 * it forwards signals, reaps every child, and returns the command's status.
 */
#ifndef NREXEC_INIT_H
#define NREXEC_INIT_H

#include <signal.h>

#include "sbuf.h"

/* The dispositions nrexec was started with, for the command: after an
 * exec each is either SIG_DFL or SIG_IGN, so the ignored set says it all.
 * (The mask is the one in force when init_run is called.) */
struct init_sigs {
	unsigned long long ignored;	/* bit N-1: signal N */
};

struct init_conf {
	int group;		/* --init-group: signal the command's process group */
	unsigned grace;		/* --init-grace seconds; 0: exit at once */
	int verbose;		/* -v: a line per reaped process */
	struct sbuf *log;	/* stderr: warnings, -v lines */
	const struct init_sigs *sigs;
};

/* Record the ignored signals; call before anything changes them. */
void init_save_signals(struct init_sigs *s);

/* Ignore again what was ignored at the save: glibc's pthread_create (a
 * --chown walk's helper threads) takes signal 33 for itself, and an exec
 * turns a handled signal into SIG_DFL, not back into the caller's SIG_IGN. */
void init_reignore(const struct init_sigs *s);

/* init_run's answer in the child, which then execs the command. */
#define INIT_CHILD (-2)

/* Fork. In the child: own process group, the terminal's foreground group
 * when nrexec had it, the saved dispositions and the mask in force at the
 * call; returns INIT_CHILD. In the
 * parent: supervise until the command is gone and return the status to
 * exit with (its exit code, or 128+N for signal N). Returns -1 with a
 * message in err when the fork fails. */
int init_run(const struct init_conf *c, struct sbuf *err);

#endif
