#include "opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#ifndef NREXEC_VERSION
#define NREXEC_VERSION "0.1.0"
#endif

enum {
	OPT_PRINT = 256,
	OPT_CAP_KEEP,
	OPT_ALLOW_NEW_PRIVS,
	OPT_ALLOW_ROOT,
	OPT_CHOWN,
	OPT_CHOWN_IF_ROOT_MISMATCH,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "print", no_argument, NULL, OPT_PRINT },
	{ "cap-keep", required_argument, NULL, OPT_CAP_KEEP },
	{ "allow-new-privs", no_argument, NULL, OPT_ALLOW_NEW_PRIVS },
	{ "allow-root", no_argument, NULL, OPT_ALLOW_ROOT },
	{ "chown", required_argument, NULL, OPT_CHOWN },
	{ "chown-if-root-mismatch", no_argument, NULL, OPT_CHOWN_IF_ROOT_MISMATCH },
	{ NULL, 0, NULL, 0 },
};

/* arg is the argv element getopt was reading when it failed. */
static void bad_option(struct sbuf *err, int c, const char *arg)
{
	if (c == ':') {
		sbuf_str(err, "option '");
		sbuf_quoted(err, arg);
		sbuf_str(err, "' needs an argument");
	} else if (arg[1] != '-') {
		/* short, maybe inside a cluster ("-vx"): optopt is the byte */
		char opt[2] = { (char)optopt, '\0' };

		sbuf_str(err, "unknown option '-");
		sbuf_quoted(err, opt);
		sbuf_chr(err, '\'');
	} else if (optopt != 0) {
		/* "--help=x": glibc and musl put the option's val (maybe
		 * OPT_PRINT, not a char) in optopt */
		sbuf_str(err, "option '");
		sbuf_mem(err, arg, strcspn(arg, "="));
		sbuf_str(err, "' takes no argument");
	} else {
		sbuf_str(err, "unknown or ambiguous option '");
		sbuf_quoted(err, arg);
		sbuf_chr(err, '\'');
	}
	sbuf_str(err, "; see nrexec --help");
}

static void take_option(struct opts *o, int c)
{
	switch (c) {
	case 'h': o->action = OPTS_HELP; break;
	case 'V': o->action = OPTS_VERSION; break;
	case 'v': o->verbose = 1; break;
	case OPT_PRINT: o->print = 1; break;
	case OPT_CAP_KEEP: o->cap_keep[o->n_cap_keep++] = optarg; break;
	case OPT_ALLOW_NEW_PRIVS: o->allow_new_privs = 1; break;
	case OPT_ALLOW_ROOT: o->allow_root = 1; break;
	case OPT_CHOWN: o->chown[o->n_chown++] = optarg; break;
	case OPT_CHOWN_IF_ROOT_MISMATCH: o->chown_if_root_mismatch = 1; break;
	}
}

/* After the options: SPEC [--] [COMMAND [ARG]...]. */
static int take_operands(int argc, char **argv, struct opts *o,
			 struct sbuf *err)
{
	int i = optind;

	if (i >= argc) {
		sbuf_str(err, "missing USER[:GROUP]; usage: nrexec [OPTION]... "
			      "USER[:GROUP] [--] [COMMAND [ARG]...]");
		return -1;
	}
	o->spec = argv[i++];
	/* one "--" after the spec is ours; anything later is the command's */
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	o->cmd = argv + i;
	return 0;
}

int opts_parse(int argc, char **argv, struct opts *o, struct sbuf *err)
{
	int idx;

	memset(o, 0, sizeof(*o));
	o->cap_keep = calloc((size_t)argc + 1, sizeof(char *));
	o->chown = calloc((size_t)argc + 1, sizeof(char *));
	if (!o->cap_keep || !o->chown) {
		sbuf_str(err, "out of memory");
		return -1;
	}
	/* 0, not 1: glibc and musl then also forget the rest of a cluster
	 * ("-qv") an earlier, failed parse stopped in */
	optind = 0;
	opterr = 0;	/* our own messages: "nrexec: ...", whatever argv[0] is */
	for (;;) {
		/* the element being read; argv[optind - 1] after a failure
		 * inside a cluster would be the one before it */
		int at = optind > 0 ? optind : 1;
		/* "+": stop at the first operand (the spec), never permute */
		/* ":": a missing argument is reported as ':', not '?' */
		int c = getopt_long(argc, argv, "+:hVv", longopts, &idx);

		if (c == -1)
			break;
		if (c == '?' || c == ':') {
			bad_option(err, c, argv[at]);
			return -1;
		}
		take_option(o, c);
	}
	if (o->action != OPTS_RUN)
		return 0;
	return take_operands(argc, argv, o, err);
}

void opts_free(struct opts *o)
{
	free(o->cap_keep);
	free(o->chown);
	o->cap_keep = NULL;
	o->chown = NULL;
}

void opts_usage(struct sbuf *out)
{
	sbuf_str(out,
"Usage: nrexec [OPTION]... USER[:GROUP] [--] [COMMAND [ARG]...]\n"
"Drop to USER (and GROUP) for good, then execute COMMAND in place.\n"
"\n"
"USER and GROUP are names from /etc/passwd and /etc/group, or numeric ids\n"
"(0 to 4294967294). A uid without a passwd entry runs with gid = uid.\n"
"Supplementary groups: the primary gid, plus the user's /etc/group\n"
"memberships unless GROUP is given. Every capability is dropped, the\n"
"bounding set is cleared and no_new_privs is set, all verified before exec.\n"
"\n"
"  --cap-keep LIST       keep these capabilities (e.g. net_bind_service)\n"
"                        as ambient capabilities of COMMAND\n"
"  --allow-new-privs     leave no_new_privs unset and the bounding set alone\n"
"                        (gosu/su-exec behaviour; setuid tools work)\n"
"  --allow-root          allow a target uid of 0\n"
"  --chown PATH          give PATH and everything under it to USER:GROUP\n"
"                        first (repeatable; never follows symlinks, stays on\n"
"                        one filesystem); without COMMAND: only this, exit 0\n"
"  --chown-if-root-mismatch\n"
"                        skip a PATH whose top is already owned by the target\n"
"  --print               print the resolved identity as key=value and exit\n"
"  -v, --verbose         one line on stderr per action\n"
"  -h, --help            this text\n"
"  -V, --version         version\n"
"\n"
"Exit status: COMMAND's own once executed; 0 for --help, --version,\n"
"--print or --chown without COMMAND; 125 nrexec failed (nothing executed);\n"
"126 COMMAND not executable; 127 COMMAND not found.\n");
}

void opts_version(struct sbuf *out)
{
	sbuf_str(out, "nrexec " NREXEC_VERSION "\n");
}
