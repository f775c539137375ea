/* The command line: options, then USER[:GROUP], then the command verbatim. */
#ifndef NREXEC_OPTS_H
#define NREXEC_OPTS_H

#include <stddef.h>

#include "sbuf.h"

enum opts_action {
	OPTS_RUN,
	OPTS_HELP,
	OPTS_VERSION,
};

struct opts {
	enum opts_action action;
	int verbose;
	int print;
	int allow_new_privs;
	int allow_root;
	int chown_if_root_mismatch;
	int allow_root_caps;
	int no_tty_guard;
	int keep_bounding_set;
	int clear_bounding_set;
	int as_started;
	int init;		/* --init */
	int init_group;		/* --init-group */
	unsigned init_grace;	/* --init-grace SECONDS; 0: none */
	const char **cap_keep;	/* each a comma-separated list */
	size_t n_cap_keep;
	const char **chown;
	size_t n_chown;
	const char **writable;
	size_t n_writable;
	const char **group_add;	/* each a comma-separated list */
	size_t n_group_add;
	int keep_groups;
	const char *umask;	/* NULL: leave it */
	int chown_create;	/* --chown-create */
	const char *chown_mode;	/* --chown-mode MODE, as given; NULL: none */
	const char *spec;
	char **cmd;		/* NULL-terminated; cmd[0] == NULL: none */
};

/* Returns 0, or -1 with a usage message in err. argv is not modified. */
int opts_parse(int argc, char **argv, struct opts *o, struct sbuf *err);
/* Test-only (the unit tests parse many times; nrexec parses once and
 * exits): free what opts_parse allocated. */
void opts_free(struct opts *o);
void opts_usage(struct sbuf *out);
void opts_version(struct sbuf *out);

#endif
