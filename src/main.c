/* nrexec: argv → options → identity → volumes → drop → verify → exec.
 * The only file that exits or picks an exit status. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "caps.h"
#include "cpubudget.h"
#include "execcmd.h"
#include "init.h"
#include "idnum.h"
#include "opts.h"
#include "presig.h"
#include "privdrop.h"
#include "resolve.h"
#include "sbuf.h"
#include "spec.h"
#include "stdfds.h"
#include "ttyguard.h"
#include "volume.h"
#include "writable.h"

enum {
	EXIT_NREXEC = 125,	/* nrexec itself failed; nothing was executed */
};

struct run {
	struct opts o;
	struct spec spec;
	struct capkeep keep;
	struct identity id;
	struct drop_plan plan;
	struct drop_state drop;	/* how to drop, found by privdrop_mode */
	unsigned chown_mode;	/* --chown-mode, parsed */
	struct sbuf err;	/* the one message of a failed run */
	struct sbuf log;	/* -v lines, straight to stderr */
	struct init_sigs sigs;	/* the ignored set nrexec was given (--init, --chown) */
	uint32_t *kept;		/* --keep-groups: the inherited ones kept */
	size_t nkept;
	unsigned umask;		/* --umask, parsed */
	char errmem[1024];
	char logmem[1100];	/* die's line in one write: errmem's and more */
};

/* The one formatter: "nrexec: <what>: <why>" on stderr, then exit (the
 * line is written at its end: stderr buffers write each line out). */
static _Noreturn void die(struct run *r, int status)
{
	sbuf_fmt(&r->log, "nrexec: %s\n", sbuf_cstr(&r->err));
	exit(status);
}

static _Noreturn void say_and_exit(void (*what)(struct sbuf *))
{
	struct sbuf out;
	char mem[4096];

	sbuf_init(&out, mem, sizeof(mem), STDOUT_FILENO);
	what(&out);
	exit(sbuf_flush(&out) < 0 ? EXIT_NREXEC : 0);
}

static int parse_spec(struct run *r)
{
	enum spec_err e = spec_parse(r->o.spec, &r->spec);

	if (e == SPEC_OK)
		return 0;
	sbuf_fmt(&r->err, "invalid USER[:GROUP] '%-s': %s", r->o.spec, spec_strerror(e));
	return -1;
}

static int parse_caps(struct run *r)
{
	r->keep.allow_root_caps = r->o.allow_root_caps;
	for (size_t i = 0; i < r->o.n_cap_keep; i++)
		if (caps_parse_list(r->o.cap_keep[i], &r->keep, &r->err) < 0)
			return -1;
	return 0;
}

/* --umask and --chown-mode: octal, at most max (0777, 07777). */
static int parse_mode(struct run *r, const char *opt, const char *val,
		      unsigned max, unsigned *out)
{
	if (!val || idnum_mode(val, max, out) == 0)
		return 0;
	sbuf_fmt(&r->err, "%s '%-s': not an octal mode from 0 to %s", opt, val,
		 max == 0777 ? "0777, such as 0077" : "7777, such as 0700");
	return -1;
}

/* --group-add, --keep-groups: on top of the resolved list. */
static int more_groups(struct run *r)
{
	uint32_t *inherited;
	size_t n;
	int rc = 0;

	for (size_t i = 0; i < r->o.n_group_add; i++)
		if (resolve_group_add(&r->id, r->o.group_add[i],
				      &userdb_system_paths, &r->err) < 0)
			return -1;
	if (!r->o.keep_groups)
		return 0;
	inherited = privdrop_groups(&n);
	if (!inherited) {
		sbuf_fmt(&r->err, "--keep-groups: cannot read the groups: %m");
		return -1;
	}
	rc = resolve_keep_groups(&r->id, inherited, n, &userdb_system_paths,
				 &r->kept, &r->nkept, &r->err);
	free(inherited);
	return rc;
}

static int refuse_root(struct run *r)
{
	if (r->id.uid != 0 || r->o.allow_root)
		return 0;
	sbuf_fmt(&r->err, "'%-s' is uid 0: nrexec exists to drop root; pass "
		 "--allow-root if you mean it", r->o.spec);
	return -1;
}

static void print_line(struct sbuf *b, const char *key, const char *val)
{
	sbuf_fmt(b, "%s=%-s\n", key, val);
}

/* --print: stable key=value lines for pre-flight checks in CI. The
 * buffer is static: run once, and no stack-protector check. */
static int print_plan(const struct run *r)
{
	const struct identity *id = &r->id;
	struct sbuf out;
	static char mem[4096];

	sbuf_init(&out, mem, sizeof(mem), STDOUT_FILENO);
	print_line(&out, "user", id->user);
	sbuf_fmt(&out, "uid=%u\ngid=%u\ngroups=", id->uid, id->gid);
	sbuf_ids(&out, id->groups, id->ngroups);
	sbuf_chr(&out, '\n');
	if (r->o.keep_groups) {
		sbuf_str(&out, "kept_groups=");
		sbuf_ids(&out, r->kept, r->nkept);
		sbuf_chr(&out, '\n');
	}
	print_line(&out, "home", id->home);
	print_line(&out, "cap_keep", r->keep.names);
	/* what will hold: no_new_privs set by the caller stays set */
	sbuf_str(&out, r->o.allow_new_privs && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1
			       ? "no_new_privs=0\n" : "no_new_privs=1\n");
	for (size_t i = 0; i < r->o.n_chown; i++)
		print_line(&out, "chown", r->o.chown[i]);
	for (size_t i = 0; i < r->o.n_writable; i++)
		print_line(&out, "writable", r->o.writable[i]);
	if (r->o.umask) {
		sbuf_fmt(&out, "umask=0%c%c%c\n", '0' + (r->umask >> 6 & 7),
			 '0' + (r->umask >> 3 & 7), '0' + (r->umask & 7));
	}
	return sbuf_flush(&out);
}

static void log_chown(struct run *r, const char *path,
		      const struct vol_stats *st)
{
	struct sbuf *b = &r->log;

	sbuf_fmt(b, "nrexec: chown %-s%s", path, st->created ? " (created)" : "");
	if (st->covered) {
		sbuf_str(b, ": walked with the PATH holding it\n");
	} else if (st->walk_skipped) {
		sbuf_fmt(b, ": already %u:%u, walk skipped (--chown-if-root-mismatch)\n",
			 r->id.uid, r->id.gid);
	} else {
		sbuf_fmt(b, ": %llu seen, %llu changed, %llu skipped (%llu mount points, "
			 "%llu hard links, %llu devices), %llu.%c%c s",
			 st->seen, st->changed,
			 st->skipped_mount + st->skipped_links + st->skipped_devices,
			 st->skipped_mount, st->skipped_links, st->skipped_devices,
			 st->nsec / 1000000000u, '0' + (int)(st->nsec / 100000000u % 10),
			 '0' + (int)(st->nsec / 10000000u % 10));
		if (st->threads > 1)
			sbuf_fmt(b, ", %u threads", st->threads);
		sbuf_chr(b, '\n');
	}
}

/* Always said, -v or not: a planted hard link or device node is worth a
 * line in the log. */
static void warn_skip(struct run *r, const char *path, unsigned long long n,
		      const char *what)
{
	if (n == 0)
		return;
	sbuf_fmt(&r->log, "nrexec: chown %-s: left %llu%s", path, n, what);
}


/* the signal that stopped the --chown walk, if one did: a failure for any
 * other reason keeps its own message and 125, even with a signal pending
 * (asked from the walk's helper threads too) */
static _Atomic int walk_stopped_by;

static int walk_interrupted(void)
{
	int sig = presig_pending();

	if (sig != 0)
		walk_stopped_by = sig;
	return sig;
}
static int fix_volumes(struct run *r)
{
	struct vol_stats *st;
	int rc;

	if (r->o.n_chown == 0)
		return 0;
	st = calloc(r->o.n_chown, sizeof(*st));
	if (!st) {
		sbuf_str(&r->err, "out of memory");
		return -1;
	}
	struct vol_request rq = {
		.paths = r->o.chown,
		.npaths = r->o.n_chown,
		.uid = r->id.uid,
		.gid = r->id.gid,
		.flags = (r->o.chown_if_root_mismatch ? VOL_IF_ROOT_MISMATCH : 0) |
			 (r->o.chown_create ? VOL_CREATE : 0) |
			 (r->o.chown_mode ? VOL_SET_MODE : 0),
		.mode = r->chown_mode,
		.walkers = cpubudget_cpus(VOL_WALKERS),
		.spawn_after = VOL_SPAWN_AFTER,
		.interrupted = walk_interrupted,
	};
	rc = volume_chown(&rq, st, &r->err);
	for (size_t i = 0; rc == 0 && i < r->o.n_chown; i++) {
		if (r->o.verbose) {
			log_chown(r, r->o.chown[i], &st[i]);
			continue;
		}
		warn_skip(r, r->o.chown[i], st[i].skipped_links,
			  " hard link(s) alone: their file is linked outside "
			  "the walked paths too, or was while walking\n");
		warn_skip(r, r->o.chown[i], st[i].skipped_devices,
			  " device node(s) alone\n");
	}
	free(st);
	return rc;
}

static void make_plan(struct run *r)
{
	struct drop_plan *p = &r->plan;

	p->uid = r->id.uid;
	p->gid = r->id.gid;
	p->groups = r->id.groups;
	p->ngroups = r->id.ngroups;
	p->keep = r->keep.mask;
	p->no_new_privs = !r->o.allow_new_privs;
	p->log = r->o.verbose ? &r->log : NULL;
	/* --allow-new-privs leaves it too: gosu's behaviour, whole */
	p->bounding = r->o.clear_bounding_set ? BND_MUST
		    : r->o.keep_bounding_set || r->o.allow_new_privs ? BND_LEAVE
								    : BND_CLEAR;
	p->as_started = r->o.as_started;
}

/* A non-root start cannot gain a capability: running without it is
 * better than not running (Kubernetes cannot give a non-root process
 * ambient capabilities), and a server that needs it fails loudly at
 * bind. Said whether -v or not. */
static void warn_keep_missing(struct run *r)
{
	if (r->drop.keep_missing == 0)
		return;
	sbuf_str(&r->log, "nrexec: --cap-keep ");
	caps_names(&r->log, r->drop.keep_missing);
	sbuf_str(&r->log, ": not held (not started as root); running without it\n");
}

/* Likewise --group-add's groups: only root can add groups, so a non-root
 * start names the planned groups the runtime did not give (docker run
 * --group-add, Kubernetes supplementalGroups would) and runs without
 * them. Said whether -v or not. */
static void warn_groups_missing(struct run *r)
{
	uint32_t *have;
	size_t n, missing = 0;

	if (r->drop.mode == DROP_SWITCH || r->o.n_group_add == 0)
		return;
	have = privdrop_groups(&n);
	for (size_t i = 0; have && i < r->id.ngroups; i++) {
		uint32_t g = r->id.groups[i];
		size_t j = 0;

		while (j < n && have[j] != g)
			j++;
		if (j < n || g == (uint32_t)getgid())
			continue;
		sbuf_fmt(&r->log, "%s%u", missing++ ? "," : "nrexec: --group-add: groups ", g);
	}
	free(have);
	if (missing)
		sbuf_str(&r->log, " not held (not started as root); running without them\n");
}

static void log_str(struct run *r, const char *s)
{
	sbuf_str(&r->log, s);
}

/* The terminal guard needs no_new_privs or CAP_SYS_ADMIN. By default it
 * goes in right after privdrop_apply sets no_new_privs; with
 * --allow-new-privs (no NNP ever) it goes in before the drop, while root
 * may still hold CAP_SYS_ADMIN. Neither (a container's root lacks
 * CAP_SYS_ADMIN): the user chose gosu's behaviour, and refusing would
 * break `docker run -it` of such an image, so nrexec warns on the
 * terminal itself, -v or not, and runs the command unguarded. */
static int guard_terminal(struct run *r)
{
	if (ttyguard_install() == 0) {
		if (r->o.verbose)
			log_str(r, "nrexec: terminal guard installed\n");
		return 0;
	}
	if (errno == EACCES && r->o.allow_new_privs) {
		log_str(r, "nrexec: warning: no terminal guard (--allow-new-privs "
			   "without CAP_SYS_ADMIN): the command can type into this "
			   "terminal; --no-tty-guard hides this\n");
		return 0;
	}
	sbuf_fmt(&r->err, "terminal guard (seccomp): %m; --no-tty-guard runs without it");
	return -1;
}

/* SIGTERM, SIGINT or SIGHUP before the exec: nothing is run, 128+N. */
static void stop_if_signalled(struct run *r, int sig)
{
	if (sig == 0)
		return;
	sbuf_reset(&r->err);
	sbuf_fmt(&r->err, "signal %u before the exec: nothing run", (unsigned)sig);
	die(r, 128 + sig);
}

static int need_something(struct run *r)
{
	if (r->o.keep_bounding_set && r->o.clear_bounding_set) {
		sbuf_str(&r->err, "--keep-bounding-set and --clear-bounding-set "
				  "contradict each other");
		return -1;
	}
	if ((r->o.chown_create || r->o.chown_mode) && r->o.n_chown == 0) {
		sbuf_fmt(&r->err, "%s applies to --chown PATHs, and none was given",
			 r->o.chown_create ? "--chown-create" : "--chown-mode");
		return -1;
	}
	if (r->o.cmd[0] || r->o.n_chown > 0 || r->o.n_writable > 0 || r->o.print)
		return 0;
	sbuf_str(&r->err, "no COMMAND and nothing to do; usage: nrexec "
			  "[OPTION]... USER[:GROUP] [--] [COMMAND [ARG]...]");
	return -1;
}

/* --init: returns in the child, which goes on to exec the command; the
 * parent exits with the command's status once it is gone. */
static void start_init(struct run *r)
{
	struct init_conf c = {
		.group = r->o.init_group,
		.grace = r->o.init_grace,
		.verbose = r->o.verbose,
		.log = &r->log,
		.sigs = &r->sigs,
	};
	int status = init_run(&c, &r->err);

	if (status == -1)
		die(r, EXIT_NREXEC);
	if (status != INIT_CHILD)
		exit(status);
}

/* When the identity changes: HOME, USER and LOGNAME (these two only for
 * a passwd name). Otherwise the runtime's HOME stays (docker run --user
 * -e HOME=/app). */
static int set_env(struct run *r)
{
	if (r->drop.mode != DROP_SWITCH)
		return 0;
	return exec_set_env(r->id.home, r->id.user, &r->err);
}

static void log_line(struct run *r, const char *what, const char *path)
{
	if (!r->o.verbose)
		return;
	sbuf_fmt(&r->log, "%s%-s\n", what, path);
}

/* After the drop, as the command's identity: --writable, and --chown on
 * a non-root start (owners cannot be changed there, so the question
 * becomes whether the command can write). */
static int check_paths(struct run *r)
{
	for (size_t i = 0; r->drop.mode != DROP_SWITCH && i < r->o.n_chown; i++) {
		if (writable_check("--chown", r->o.chown[i], &r->err) < 0) {
			sbuf_str(&r->err, " (not started as root: owners cannot be changed)");
			return -1;
		}
		log_line(r, "nrexec: not root, so owners are left; writable: ", r->o.chown[i]);
	}
	for (size_t i = 0; i < r->o.n_writable; i++) {
		if (writable_check("--writable", r->o.writable[i], &r->err) < 0)
			return -1;
		log_line(r, "nrexec: writable: ", r->o.writable[i]);
	}
	return 0;
}

static void log_kept_groups(struct run *r)
{
	if (!r->o.verbose || !r->o.keep_groups)
		return;
	sbuf_str(&r->log, "nrexec: --keep-groups: ");
	sbuf_ids(&r->log, r->kept, r->nkept);
	sbuf_chr(&r->log, '\n');
}

int main(int argc, char **argv)
{
	static struct run r;
	int guard;

	presig_catch();
	sbuf_init(&r.err, r.errmem, sizeof(r.errmem), -1);
	sbuf_init(&r.log, r.logmem, sizeof(r.logmem), STDERR_FILENO);
	if (opts_parse(argc, argv, &r.o, &r.err) < 0)
		die(&r, EXIT_NREXEC);
	/* nothing has touched a disposition yet (presig only blocks); the
	 * --chown walk's threads may (init_reignore) */
	if (r.o.init || r.o.n_chown > 0)
		init_save_signals(&r.sigs);
	if (r.o.action == OPTS_HELP)
		say_and_exit(opts_usage);
	if (r.o.action == OPTS_VERSION)
		say_and_exit(opts_version);
	if (privdrop_refuse_setuid(&r.err) < 0 || need_something(&r) < 0 ||
	    parse_spec(&r) < 0 || parse_caps(&r) < 0 ||
	    parse_mode(&r, "--umask", r.o.umask, 0777, &r.umask) < 0 ||
	    parse_mode(&r, "--chown-mode", r.o.chown_mode, 07777, &r.chown_mode) < 0 ||
	    resolve(&r.spec, &userdb_system_paths, &r.id, &r.err) < 0 ||
	    more_groups(&r) < 0 || refuse_root(&r) < 0)
		die(&r, EXIT_NREXEC);
	if (r.o.print && print_plan(&r) < 0) {
		sbuf_fmt(&r.err, "--print: cannot write to stdout: %m");
		die(&r, EXIT_NREXEC);
	}
	if (r.o.print)
		return 0;
	make_plan(&r);
	if (privdrop_mode(&r.plan, &r.drop, &r.err) < 0 ||
	    (r.drop.mode == DROP_SWITCH && fix_volumes(&r) < 0)) {
		stop_if_signalled(&r, walk_stopped_by);	/* the walk stopped */
		die(&r, EXIT_NREXEC);
	}
	stop_if_signalled(&r, presig_pending());
	warn_keep_missing(&r);
	warn_groups_missing(&r);
	log_kept_groups(&r);
	/* init-container use: fixups only, unless there is something to
	 * check as the target */
	if (!r.o.cmd[0] && r.o.n_writable == 0 &&
	    (r.drop.mode == DROP_SWITCH || r.o.n_chown == 0))
		return 0;
	if (r.drop.mode == DROP_SWITCH)
		stdfds_give(r.id.uid, r.id.gid, r.plan.log);
	guard = r.o.cmd[0] && !r.o.no_tty_guard && ttyguard_needed();
	if (set_env(&r) < 0 ||
	    (guard && r.o.allow_new_privs && guard_terminal(&r) < 0) ||
	    privdrop_apply(&r.plan, &r.drop, &r.err) < 0 ||
	    (guard && !r.o.allow_new_privs && guard_terminal(&r) < 0) ||
	    privdrop_verify(&r.plan, &r.drop, &r.err) < 0 ||
	    check_paths(&r) < 0)
		die(&r, EXIT_NREXEC);
	if (r.o.umask)
		umask((mode_t)r.umask);
	if (!r.o.cmd[0])
		return 0;
	if (r.o.init) {
		/* the caller's mask back first: the child inherits it */
		stop_if_signalled(&r, presig_restore());
		start_init(&r);
	}
	if (r.o.verbose)
		sbuf_fmt(&r.log, "nrexec: exec %-s\n", r.o.cmd[0]);
	if (r.o.n_chown > 0)
		init_reignore(&r.sigs);
	stop_if_signalled(&r, presig_restore());
	die(&r, exec_command(r.o.cmd, &r.err));
}
