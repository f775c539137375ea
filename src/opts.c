#include "opts.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idnum.h"

#ifndef NREXEC_VERSION
#error "NREXEC_VERSION comes from the Makefile's VERSION"
#endif
/* The build names what it linked in (Makefile, src/build/dist.mk); the
 * release SBOM is checked against these lines. */
#ifndef NREXEC_COMMIT
#define NREXEC_COMMIT "unknown"
#endif
#ifndef NREXEC_LIBC
#define NREXEC_LIBC "unknown"
#endif
#ifndef NREXEC_CAPNG
#define NREXEC_CAPNG "unknown"
#endif

/* Our own parser rather than getopt_long: musl's drags stdio in (~5 KiB
 * of a 64 KiB budget), and ours keeps no global state between calls.
 * Long options must be spelled out: no abbreviations, so adding an option
 * can never change what an existing command line means. */
/* What an option does: most set one int flag of struct opts to 1 (OPT_FLAG,
 * the field's offset in .flag); the others are handled by take_option. */
enum opt_id {
	OPT_FLAG,
	OPT_HELP,
	OPT_VERSION,
	OPT_CAP_KEEP,
	OPT_CHOWN,
	OPT_INIT_GROUP,
	OPT_INIT_GRACE,
	OPT_WRITABLE,
	OPT_GROUP_ADD,
	OPT_UMASK,
	OPT_CHOWN_MODE,
};

struct optdef {
	const char *name;
	char short_name;	/* 0: long only */
	char has_arg;
	unsigned char id;	/* enum opt_id */
	unsigned char flag;	/* OPT_FLAG: offsetof(struct opts, the flag) */
};

#define FLAG(field) OPT_FLAG, offsetof(struct opts, field)
static const struct optdef optdefs[] = {
	{ "help", 'h', 0, OPT_HELP, 0 },
	{ "version", 'V', 0, OPT_VERSION, 0 },
	{ "verbose", 'v', 0, FLAG(verbose) },
	{ "print", 0, 0, FLAG(print) },
	{ "cap-keep", 0, 1, OPT_CAP_KEEP, 0 },
	{ "allow-new-privs", 0, 0, FLAG(allow_new_privs) },
	{ "allow-root", 0, 0, FLAG(allow_root) },
	{ "chown", 0, 1, OPT_CHOWN, 0 },
	{ "chown-if-root-mismatch", 0, 0, FLAG(chown_if_root_mismatch) },
	{ "allow-root-caps", 0, 0, FLAG(allow_root_caps) },
	{ "no-tty-guard", 0, 0, FLAG(no_tty_guard) },
	{ "keep-bounding-set", 0, 0, FLAG(keep_bounding_set) },
	{ "clear-bounding-set", 0, 0, FLAG(clear_bounding_set) },
	{ "init", 0, 0, FLAG(init) },
	{ "init-group", 0, 0, OPT_INIT_GROUP, 0 },
	{ "init-grace", 0, 1, OPT_INIT_GRACE, 0 },
	{ "as-started", 0, 0, FLAG(as_started) },
	{ "writable", 0, 1, OPT_WRITABLE, 0 },
	{ "group-add", 0, 1, OPT_GROUP_ADD, 0 },
	{ "keep-groups", 0, 0, FLAG(keep_groups) },
	{ "umask", 0, 1, OPT_UMASK, 0 },
	{ "chown-create", 0, 0, FLAG(chown_create) },
	{ "chown-mode", 0, 1, OPT_CHOWN_MODE, 0 },
};
#define NOPTDEFS (sizeof(optdefs) / sizeof(optdefs[0]))
_Static_assert(sizeof(struct opts) <= 256, "flag offsets fit optdef.flag");

/* --init-grace: whole seconds, 0 to a day, digits only */
#define GRACE_MAX 86400u

static int take_grace(struct opts *o, const char *val, struct sbuf *err)
{
	uint32_t v;

	if (!val)
		val = "";
	if (idnum_parse(val, strlen(val), &v) == 0 && v <= GRACE_MAX) {
		o->init_grace = v;
		return 0;
	}
	sbuf_fmt(err, "--init-grace '%-s': not 0 to 86400 seconds", val);
	return -1;
}

static int take_option(struct opts *o, const struct optdef *d, const char *val,
		       struct sbuf *err)
{
	switch ((enum opt_id)d->id) {
	case OPT_FLAG: *(int *)((char *)o + d->flag) = 1; break;
	case OPT_HELP: o->action = OPTS_HELP; break;
	case OPT_VERSION: o->action = OPTS_VERSION; break;
	case OPT_CAP_KEEP: o->cap_keep[o->n_cap_keep++] = val; break;
	case OPT_CHOWN: o->chown[o->n_chown++] = val; break;
	case OPT_INIT_GROUP: o->init = o->init_group = 1; break;
	case OPT_INIT_GRACE: o->init = 1; return take_grace(o, val, err);
	case OPT_WRITABLE: o->writable[o->n_writable++] = val; break;
	case OPT_GROUP_ADD: o->group_add[o->n_group_add++] = val; break;
	case OPT_UMASK: o->umask = val; break;
	case OPT_CHOWN_MODE: o->chown_mode = val; break;
	}
	return 0;
}

static int opt_error(struct sbuf *err, const char *what, const char *arg,
		     size_t n, const char *why)
{
	sbuf_str(err, what);
	sbuf_quoted_n(err, arg, n);
	sbuf_fmt(err, "%s; see nrexec --help", why);
	return -1;
}

/* "--name", "--name=value" or "--name value"; *i moves past a value taken
 * from the next argument. */
static int take_long(int argc, char **argv, int *i, struct opts *o,
		     struct sbuf *err)
{
	const char *arg = argv[*i], *name = arg + 2;
	const char *eq = strchr(name, '=');
	size_t n = eq ? (size_t)(eq - name) : strlen(name);
	const struct optdef *d = NULL;

	for (size_t k = 0; k < NOPTDEFS && !d; k++)
		if (strlen(optdefs[k].name) == n && memcmp(optdefs[k].name, name, n) == 0)
			d = &optdefs[k];
	if (!d)
		return opt_error(err, "unknown option '", arg, strlen(arg), "'");
	if (!d->has_arg && eq)
		return opt_error(err, "option '", arg, n + 2, "' takes no argument");
	if (d->has_arg && !eq && *i + 1 >= argc)
		return opt_error(err, "option '", arg, n + 2, "' needs an argument");
	return take_option(o, d, !d->has_arg ? NULL : eq ? eq + 1 : argv[++*i], err);
}

/* A cluster of short options without arguments: "-v", "-vh". */
static int take_short(const char *arg, struct opts *o, struct sbuf *err)
{
	for (const char *c = arg + 1; *c != '\0'; c++) {
		const struct optdef *d = NULL;

		for (size_t k = 0; k < NOPTDEFS && !d; k++)
			if (optdefs[k].short_name == *c)
				d = &optdefs[k];
		if (!d) {
			char opt[3] = { '-', *c, '\0' };

			return opt_error(err, "unknown option '", opt, 2, "'");
		}
		take_option(o, d, NULL, err);
	}
	return 0;
}

/* After the options: SPEC [--] [COMMAND [ARG]...]. */
static int take_operands(int argc, char **argv, int i, struct opts *o,
			 struct sbuf *err)
{
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
	int i;

	memset(o, 0, sizeof(*o));
	/* one allocation holds the four lists, each room for every argument */
	o->cap_keep = calloc(4 * ((size_t)argc + 1), sizeof(char *));
	if (!o->cap_keep) {
		sbuf_str(err, "out of memory");
		return -1;
	}
	o->chown = o->cap_keep + argc + 1;
	o->writable = o->chown + argc + 1;
	o->group_add = o->writable + argc + 1;
	/* options stop at the first operand (the spec) or after "--": the
	 * command's own options are never read as ours */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		int r;

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			break;
		r = a[1] == '-' ? take_long(argc, argv, &i, o, err)
				: take_short(a, o, err);
		if (r < 0)
			return -1;
	}
	if (o->action != OPTS_RUN)
		return 0;
	return take_operands(argc, argv, i, o, err);
}

void opts_free(struct opts *o)
{
	free(o->cap_keep);
	o->cap_keep = NULL;
	o->chown = NULL;
	o->writable = NULL;
	o->group_add = NULL;
}

/* A tab in the help text stands for the spaces up to column HELP_COL,
 * where every option's description starts (~0.3 KiB of spaces fewer). */
#define HELP_COL 24

static void put_help(struct sbuf *out, const char *s)
{
	size_t col = 0;

	for (; *s != '\0'; s++) {
		if (*s != '\t') {
			sbuf_chr(out, *s);
			col = *s == '\n' ? 0 : col + 1;
			continue;
		}
		for (; col < HELP_COL; col++)
			sbuf_chr(out, ' ');
	}
}

void opts_usage(struct sbuf *out)
{
	put_help(out,
"Usage: nrexec [OPTION]... USER[:GROUP] [--] [COMMAND [ARG]...]\n"
"Drop to USER (and GROUP) for good, then execute COMMAND in place.\n"
"Started non-root, ids are kept and --chown only checks write access.\n"
"\n"
"USER and GROUP are names from /etc/passwd and /etc/group, or numeric ids\n"
"(0 to " IDNUM_STR(IDNUM_MAX_DIGITS) "). A uid without a passwd entry runs with gid = uid.\n"
"Supplementary groups: the primary gid, plus the user's /etc/group\n"
"memberships unless GROUP is given. Every capability is dropped, the\n"
"bounding set is cleared and no_new_privs is set, all verified before exec.\n"
"\n"
"  --cap-keep LIST\tkeep these capabilities (e.g. net_bind_service)\n"
"\tas ambient ones, and in the bounding set\n"
"  --allow-root-caps\tlet --cap-keep keep root-equivalent ones (chown...)\n"
"  --allow-new-privs\tleave no_new_privs unset and the bounding set alone\n"
"\t(gosu/su-exec behaviour; setuid tools work)\n"
"  --keep-bounding-set\tleave the bounding set (no_new_privs stays): file-\n"
"\tcapability tools execute, without their capabilities\n"
"  --clear-bounding-set\tfail when the bounding set cannot be cleared\n"
"  --allow-root\tallow a target uid of 0\n"
"  --chown PATH\tgive PATH and everything under it to USER:GROUP\n"
"\tfirst (repeatable; never follows symlinks, stays on\n"
"\tone mount, leaves device nodes and outside hard\n"
"\tlinks alone); without COMMAND: only this, exit 0\n"
"  --chown-if-root-mismatch\n"
"\tskip a PATH whose top is already owned by the target\n"
"  --chown-create\tcreate a missing PATH (its parent must exist)\n"
"  --chown-mode MODE\tthen set each PATH's own mode (octal, e.g. 0700)\n"
"  --writable PATH\tafter the drop, PATH must be writable (repeatable)\n"
"  --group-add GROUP[,GROUP]...  add supplementary groups (repeatable)\n"
"  --keep-groups\tkeep the runtime's added groups (fsGroup, --group-add)\n"
"  --umask MODE\tset the umask (octal, e.g. 0077)\n"
"  --as-started\tstarted non-root as someone else: run as that\n"
"\tidentity (OpenShift), every capability dropped\n"
"  --no-tty-guard\tno seccomp filter against TIOCSTI on a terminal\n"
"  --init\tstay as its init, dropped too: forward signals, reap\n"
"  --init-group\t--init, signalling the command's process group\n"
"  --init-grace SECONDS\t--init; at its end SIGTERM the rest, SIGKILL later\n"
"  --print\tprint the resolved identity as key=value and exit\n"
"  -v, --verbose\tone line on stderr per action\n"
"  -h, --help\tthis text\n"
"  -V, --version\tversion\n"
"\n"
"Exit status: COMMAND's own once executed; 0 for --help, --version,\n"
"--print or --chown without COMMAND; 125 nrexec failed (nothing executed);\n"
"126 COMMAND not executable; 127 COMMAND not found; 128+N signal N\n"
"(TERM, INT, HUP) before the exec, nothing run.\n");
}

void opts_version(struct sbuf *out)
{
	sbuf_str(out, "nrexec " NREXEC_VERSION "\ncommit=" NREXEC_COMMIT
		"\nlibc=" NREXEC_LIBC "\nlibcap-ng=" NREXEC_CAPNG "\n");
}
