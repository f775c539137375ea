/* opts: options stop at the spec, so the command's own flags (and a
 * command named "-h") are never ours. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "opts.h"

#define ARGV(...) ((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)))
/* parse a literal command line: PARSE(&o, "nrexec", "10001", "id") */
#define PARSE(o, ...) parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o))

static char errmem[1024];
static struct sbuf err;

static int setup(void **state)
{
	(void)state;
	sbuf_init(&err, errmem, sizeof(errmem), -1);
	return 0;
}

static int parse(int argc, char **argv, struct opts *o)
{
	sbuf_reset(&err);
	return opts_parse(argc, argv, o, &err);
}

/* cmd must be exactly want[0..n), NULL-terminated. */
static void assert_cmd(const struct opts *o, const char *const *want,
		       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (o->cmd[i] == NULL)
			fail_msg("cmd has %zu words, want %zu", i, n);
		if (strcmp(o->cmd[i], want[i]) != 0)
			fail_msg("cmd[%zu] = \"%s\", want \"%s\"", i, o->cmd[i],
				 want[i]);
	}
	if (o->cmd[n] != NULL)
		fail_msg("cmd[%zu] = \"%s\", want the end", n, o->cmd[n]);
}

#define CMD(o, ...) \
	assert_cmd((o), (const char *const[]){ __VA_ARGS__ }, \
		   sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *))

static void test_spec_and_command(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "10001:10001", "/app/server",
			       "--port", "8080"), 0);
	assert_int_equal(o.action, OPTS_RUN);
	assert_string_equal(o.spec, "10001:10001");
	CMD(&o, "/app/server", "--port", "8080");
	assert_false(o.verbose);
	assert_false(o.print);
	assert_false(o.allow_new_privs);
	assert_false(o.allow_root);
	assert_false(o.chown_if_root_mismatch);
	assert_int_equal(o.n_chown, 0);
	assert_int_equal(o.n_cap_keep, 0);
	opts_free(&o);
}

static void test_no_command(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "10001"), 0);
	assert_string_equal(o.spec, "10001");
	assert_non_null(o.cmd);
	assert_null(o.cmd[0]);
	opts_free(&o);
	/* a "--" with nothing after it: still no command */
	assert_int_equal(PARSE(&o, "nrexec", "10001", "--"), 0);
	assert_null(o.cmd[0]);
	opts_free(&o);
}

/* "+": getopt stops at the spec; what follows is never an option. */
static void test_stops_at_spec(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "10001", "-h"), 0);
	assert_int_equal(o.action, OPTS_RUN);
	assert_string_equal(o.spec, "10001");
	CMD(&o, "-h");
	opts_free(&o);

	assert_int_equal(PARSE(&o, "nrexec", "10001", "--help"), 0);
	assert_int_equal(o.action, OPTS_RUN);
	CMD(&o, "--help");
	opts_free(&o);

	assert_int_equal(PARSE(&o, "nrexec", "app", "-v", "--chown", "/x",
			       "--version"), 0);
	assert_false(o.verbose);
	assert_int_equal(o.n_chown, 0);
	assert_int_equal(o.action, OPTS_RUN);
	CMD(&o, "-v", "--chown", "/x", "--version");
	opts_free(&o);

	/* an unknown option after the spec is the command's business */
	assert_int_equal(PARSE(&o, "nrexec", "app", "ls", "--bogus", "-Z"),
			 0);
	CMD(&o, "ls", "--bogus", "-Z");
	opts_free(&o);
}

static void test_double_dash(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "--", "10001", "cmd"), 0);
	assert_string_equal(o.spec, "10001");
	CMD(&o, "cmd");
	opts_free(&o);

	/* only the first "--" after the spec is ours */
	assert_int_equal(PARSE(&o, "nrexec", "10001", "--", "--", "x"), 0);
	assert_string_equal(o.spec, "10001");
	CMD(&o, "--", "x");
	opts_free(&o);

	assert_int_equal(PARSE(&o, "nrexec", "-v", "--", "10001", "--", "x"),
			 0);
	assert_true(o.verbose);
	assert_string_equal(o.spec, "10001");
	CMD(&o, "x");
	opts_free(&o);

	assert_int_equal(PARSE(&o, "nrexec", "10001", "--", "-h"), 0);
	assert_int_equal(o.action, OPTS_RUN);
	CMD(&o, "-h");
	opts_free(&o);

	/* a "--" inside the command stays where it is */
	assert_int_equal(PARSE(&o, "nrexec", "10001", "sh", "--", "-c"), 0);
	CMD(&o, "sh", "--", "-c");
	opts_free(&o);

	/* after "--", a spec that looks like an option is the spec (and
	 * spec_parse rejects it later) */
	assert_int_equal(PARSE(&o, "nrexec", "--", "-1", "id"), 0);
	assert_string_equal(o.spec, "-1");
	CMD(&o, "id");
	opts_free(&o);
}

static void test_flags(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "-v", "--print", "--allow-root",
			       "--allow-new-privs", "--chown-if-root-mismatch",
			       "0", "id", "-u"), 0);
	assert_true(o.verbose);
	assert_true(o.print);
	assert_true(o.allow_root);
	assert_true(o.allow_new_privs);
	assert_true(o.chown_if_root_mismatch);
	assert_string_equal(o.spec, "0");
	CMD(&o, "id", "-u");
	opts_free(&o);

	assert_int_equal(PARSE(&o, "nrexec", "--verbose", "app"), 0);
	assert_true(o.verbose);
	opts_free(&o);
}

static void test_chown_create_and_mode(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "--chown-create", "--chown-mode", "0700",
			       "--chown", "/d", "app"), 0);
	assert_true(o.chown_create);
	assert_string_equal(o.chown_mode, "0700");
	opts_free(&o);
}

static void test_repeated_options_collect_in_order(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "--chown", "/data", "--cap-keep",
			       "net_bind_service", "--chown=/cache",
			       "--cap-keep=chown,kill", "--chown", "/logs",
			       "app", "--", "/app/server"), 0);
	assert_int_equal(o.n_chown, 3);
	assert_string_equal(o.chown[0], "/data");
	assert_string_equal(o.chown[1], "/cache");
	assert_string_equal(o.chown[2], "/logs");
	assert_int_equal(o.n_cap_keep, 2);
	assert_string_equal(o.cap_keep[0], "net_bind_service");
	assert_string_equal(o.cap_keep[1], "chown,kill");
	assert_string_equal(o.spec, "app");
	CMD(&o, "/app/server");
	opts_free(&o);

	/* an option argument that looks like an option is still the argument */
	assert_int_equal(PARSE(&o, "nrexec", "--chown", "-v", "--chown", "--",
			       "app"), 0);
	assert_false(o.verbose);
	assert_int_equal(o.n_chown, 2);
	assert_string_equal(o.chown[0], "-v");
	assert_string_equal(o.chown[1], "--");
	assert_string_equal(o.spec, "app");
	opts_free(&o);

	/* the init-container form: --chown and a spec, nothing to run */
	assert_int_equal(PARSE(&o, "nrexec", "--chown", "/data", "10001:10001"),
			 0);
	assert_int_equal(o.n_chown, 1);
	assert_null(o.cmd[0]);
	opts_free(&o);
}

static void test_help_version(void **state)
{
	static const struct {
		char *arg;
		enum opts_action want;
	} t[] = {
		{ "-h", OPTS_HELP },
		{ "--help", OPTS_HELP },
		{ "-V", OPTS_VERSION },
		{ "--version", OPTS_VERSION },
	};
	struct opts o;
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		/* alone: no spec needed */
		if (PARSE(&o, "nrexec", t[i].arg) != 0 || o.action != t[i].want)
			fail_msg("nrexec %s: action %d, want %d (%s)", t[i].arg,
				 o.action, t[i].want, sbuf_cstr(&err));
		opts_free(&o);
		/* before a spec */
		if (PARSE(&o, "nrexec", t[i].arg, "10001", "id") != 0 ||
		    o.action != t[i].want)
			fail_msg("nrexec %s 10001 id: action %d, want %d",
				 t[i].arg, o.action, t[i].want);
		opts_free(&o);
	}
}

struct bad_case {
	int argc;
	char **argv;
	const char *msg;
};

static void test_usage_errors(void **state)
{
#define BAD(msg, ...) { ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), msg }
	const struct bad_case t[] = {
		BAD("unknown option '-x'", "nrexec", "-x", "10001"),
		BAD("unknown option '-x'", "nrexec", "-vx", "10001"),
		BAD("unknown option '-q'", "nrexec", "-q"),
		BAD("'--bogus'", "nrexec", "--bogus", "10001"),
		BAD("'--bogus=1'", "nrexec", "--bogus=1", "10001"),
		BAD("'--allow'", "nrexec", "--allow", "10001"),
		/* no abbreviations, even unique ones */
		BAD("unknown option '--he'", "nrexec", "--he"),
		BAD("unknown option '--cap'", "nrexec", "--cap", "net_raw", "1"),
		BAD("unknown option '-x'", "nrexec", "--verbose", "-xv", "10001"),
		BAD("unknown option '-\\x0a'", "nrexec", "-\n", "10001"),
		BAD("unknown option '-\\xff'", "nrexec", "-v\xff", "10001"),
		BAD("option '--help' takes no argument", "nrexec", "--help=x"),
		BAD("option '--print' takes no argument", "nrexec", "--print=1",
		    "10001"),
		BAD("option '--allow-root' takes no argument", "nrexec",
		    "--allow-root=yes", "0"),
		BAD("'--chown' needs an argument", "nrexec", "--chown"),
		BAD("'--cap-keep' needs an argument", "nrexec", "--cap-keep"),
		BAD("missing USER[:GROUP]", "nrexec"),
		BAD("missing USER[:GROUP]", "nrexec", "-v"),
		BAD("missing USER[:GROUP]", "nrexec", "--"),
		BAD("missing USER[:GROUP]", "nrexec", "--chown", "/data"),
		BAD("missing USER[:GROUP]", "nrexec", "--print", "--"),
	};
#undef BAD
	struct opts o;
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = parse(t[i].argc, t[i].argv, &o);
		const char *m = sbuf_cstr(&err);

		if (r != -1)
			fail_msg("case %zu (%s ...): opts_parse returned %d", i,
				 t[i].argc > 1 ? t[i].argv[1] : "", r);
		if (strstr(m, t[i].msg) == NULL)
			fail_msg("case %zu: message \"%s\" lacks \"%s\"", i, m,
				 t[i].msg);
		/* one printable line: no NUL, no raw control byte */
		if (strlen(m) != err.len)
			fail_msg("case %zu: message has a NUL byte", i);
		for (const char *p = m; *p; p++)
			if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
				fail_msg("case %zu: raw byte 0x%02x in \"%s\"", i,
					 (unsigned char)*p, m);
		if (strstr(t[i].msg, "missing") == NULL &&
		    strstr(m, "see nrexec --help") == NULL)
			fail_msg("case %zu: \"%s\" does not point to --help", i,
				 m);
		opts_free(&o);
	}
}

/* execve() allows an empty argv; argv[0] can be anything, even "-h". */
static void test_odd_argv0(void **state)
{
	char *empty[] = { NULL };
	struct opts o;
	(void)state;

	assert_int_equal(parse(0, empty, &o), -1);
	opts_free(&o);
	assert_int_equal(PARSE(&o, "-h", "10001", "id"), 0);
	assert_int_equal(o.action, OPTS_RUN);
	assert_string_equal(o.spec, "10001");
	CMD(&o, "id");
	opts_free(&o);
}

static void test_argv_not_modified(void **state)
{
	char *argv[] = { "nrexec", "-v", "--chown", "/d", "app", "ls", "-l",
			 NULL };
	char *copy[sizeof(argv) / sizeof(argv[0])];
	struct opts o;
	(void)state;

	memcpy(copy, argv, sizeof(argv));
	assert_int_equal(parse(7, argv, &o), 0);
	assert_memory_equal(copy, argv, sizeof(argv));
	/* cmd points into argv itself: exec gets the caller's strings */
	assert_ptr_equal(o.cmd, &argv[5]);
	opts_free(&o);
}

/* opts_parse resets getopt itself: a failed parse, even one that stopped
 * inside a cluster like "-qv", must not leak into the next one. */
static void test_parse_is_repeatable(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "-qv", "10001"), -1);
	opts_free(&o);
	assert_int_equal(PARSE(&o, "nrexec", "10001", "id"), 0);
	assert_false(o.verbose);
	assert_int_equal(o.action, OPTS_RUN);
	assert_string_equal(o.spec, "10001");
	CMD(&o, "id");
	opts_free(&o);

	assert_int_equal(PARSE(&o, "nrexec", "-vh", "10001"), 0);
	assert_int_equal(o.action, OPTS_HELP);
	opts_free(&o);
	assert_int_equal(PARSE(&o, "nrexec", "-v", "app"), 0);
	assert_int_equal(o.action, OPTS_RUN);
	assert_string_equal(o.spec, "app");
	opts_free(&o);
}

static void test_usage_and_version_text(void **state)
{
	static const char *const mention[] = {
		"--cap-keep", "--allow-new-privs", "--allow-root", "--chown",
		"--allow-root-caps", "--no-tty-guard", "--chown-create", "--chown-mode",
		"--chown-if-root-mismatch", "--print", "--verbose", "--help",
		"--version", "125", "126", "127",
	};
	static char mem[8192];
	struct sbuf out;
	(void)state;

	sbuf_init(&out, mem, sizeof(mem), -1);
	opts_usage(&out);
	assert_true(out.len < sizeof(mem) - 1);	/* not cut off */
	assert_true(strncmp(sbuf_cstr(&out), "Usage: nrexec ", 14) == 0);
	for (size_t i = 0; i < sizeof(mention) / sizeof(mention[0]); i++)
		if (strstr(sbuf_cstr(&out), mention[i]) == NULL)
			fail_msg("--help does not mention %s", mention[i]);

	/* the layout: no tab left, at most 79 columns, every description
	 * (after an option, or continued on its own line) at column 24 */
	for (const char *l = sbuf_cstr(&out), *nl; *l != '\0'; l = nl + 1) {
		size_t n, sp = 0;

		nl = strchr(l, '\n');
		assert_non_null(nl);
		n = (size_t)(nl - l);
		if (memchr(l, '\t', n) != NULL || n > 79)
			fail_msg("--help line '%.*s': a tab, or over 79 columns", (int)n, l);
		if (n == 0 || l[0] != ' ')
			continue;
		if (l[2] == '-') {	/* "  --option ARG" then the description */
			const char *d = l + 2;

			while (d < nl && !(d[0] == ' ' && d[1] == ' '))
				d++;
			while (d < nl && *d == ' ')
				d++;
			sp = (size_t)(d - l);
			if (d == nl || strncmp(l, "  --group-add ", 14) == 0)
				continue;	/* alone on its line, or too long */
		} else {
			while (l[sp] == ' ')
				sp++;
		}
		if (sp != 24)
			fail_msg("--help line '%.*s': text at column %zu, not 24", (int)n, l, sp);
	}

	sbuf_init(&out, mem, sizeof(mem), -1);
	opts_version(&out);
	assert_true(strncmp(sbuf_cstr(&out), "nrexec ", 7) == 0);
	assert_true(out.len > 8);
	assert_int_equal(sbuf_cstr(&out)[out.len - 1], '\n');
}

/* --init-group and --init-grace imply --init; the grace is whole seconds
 * in 0 ... 86400, digits only. */
static void test_init_options(void **state)
{
	struct opts o;
	(void)state;

	assert_int_equal(PARSE(&o, "nrexec", "10001", "x"), 0);
	assert_false(o.init);
	assert_false(o.init_group);
	assert_int_equal(o.init_grace, 0);
	opts_free(&o);
	assert_int_equal(PARSE(&o, "nrexec", "--init", "10001", "--init-grace", "5"), 0);
	assert_true(o.init);
	assert_int_equal(o.init_grace, 0);	/* after the spec: the command's */
	CMD(&o, "--init-grace", "5");
	opts_free(&o);
	assert_int_equal(PARSE(&o, "nrexec", "--init-group", "--init-grace=86400",
			       "10001", "x"), 0);
	assert_true(o.init);
	assert_true(o.init_group);
	assert_int_equal(o.init_grace, 86400);
	opts_free(&o);
	assert_int_equal(PARSE(&o, "nrexec", "--init-grace", "0", "10001", "x"), 0);
	assert_true(o.init);
	assert_int_equal(o.init_grace, 0);
	opts_free(&o);
	const char *bad[] = { "", "x", "-1", "+5", " 5", "5 ", "1.5", "86401",
			      "4294967296", "99999999999999999999" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(PARSE(&o, "nrexec", "--init-grace", (char *)bad[i], "10001", "x"), -1);
		assert_non_null(strstr(sbuf_cstr(&err), "--init-grace"));
		opts_free(&o);
	}
	assert_int_equal(PARSE(&o, "nrexec", "--init-grace", "10001"), -1);
	opts_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_spec_and_command, setup),
		cmocka_unit_test_setup(test_no_command, setup),
		cmocka_unit_test_setup(test_stops_at_spec, setup),
		cmocka_unit_test_setup(test_double_dash, setup),
		cmocka_unit_test_setup(test_flags, setup),
		cmocka_unit_test_setup(test_chown_create_and_mode, setup),
		cmocka_unit_test_setup(test_repeated_options_collect_in_order,
				       setup),
		cmocka_unit_test_setup(test_help_version, setup),
		cmocka_unit_test_setup(test_usage_errors, setup),
		cmocka_unit_test_setup(test_odd_argv0, setup),
		cmocka_unit_test_setup(test_argv_not_modified, setup),
		cmocka_unit_test_setup(test_parse_is_repeatable, setup),
		cmocka_unit_test_setup(test_usage_and_version_text, setup),
		cmocka_unit_test_setup(test_init_options, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
