/* resolve: every row of DESIGN.md's resolution table, over fixture files,
 * and the messages a user sees when a name cannot be resolved.
 *
 * Run from the repository root: fixture paths are relative to it. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tmpdir.h"

#include "resolve.h"
#include "userdb.h"

#define FIX "tests/fixtures/"
#define PASSWD FIX "passwd.basic"
#define GROUP FIX "group.basic"
#define NOFILE FIX "does-not-exist"

static char errmem[1024];
static struct sbuf err;

static int setup(void **state)
{
	(void)state;
	sbuf_init(&err, errmem, sizeof(errmem), -1);
	return 0;
}

/* spec text → identity; the spec must parse. */
static int run(const char *spec, const char *passwd, const char *group,
	       struct identity *id)
{
	const struct userdb_paths paths = { passwd, group };
	struct spec sp;
	enum spec_err e = spec_parse(spec, &sp);

	if (e != SPEC_OK)
		fail_msg("spec \"%s\" does not parse: %s", spec,
			 spec_strerror(e));
	sbuf_reset(&err);
	return resolve(&sp, &paths, id, &err);
}

struct row {
	const char *spec, *passwd, *group;
	const char *user;
	uint32_t uid, gid;
	size_t ngroups;
	uint32_t groups[6];
	const char *home;
};

static void check_row(const struct row *t)
{
	struct identity id;

	if (run(t->spec, t->passwd, t->group, &id) != 0)
		fail_msg("resolve(\"%s\", %s, %s) failed: %s", t->spec,
			 t->passwd, t->group, sbuf_cstr(&err));
	if (strcmp(id.user, t->user) != 0)
		fail_msg("\"%s\": user \"%s\", want \"%s\"", t->spec, id.user,
			 t->user);
	if (id.uid != t->uid || id.gid != t->gid)
		fail_msg("\"%s\": uid %u gid %u, want %u %u", t->spec, id.uid,
			 id.gid, t->uid, t->gid);
	if (id.ngroups != t->ngroups)
		fail_msg("\"%s\": %zu groups, want %zu", t->spec, id.ngroups,
			 t->ngroups);
	for (size_t i = 0; i < id.ngroups; i++)
		if (id.groups[i] != t->groups[i])
			fail_msg("\"%s\": groups[%zu] = %u, want %u", t->spec, i,
				 id.groups[i], t->groups[i]);
	/* the supplementary list always starts with the primary gid */
	if (id.ngroups == 0 || id.groups[0] != id.gid)
		fail_msg("\"%s\": groups do not start with gid %u", t->spec,
			 id.gid);
	if (id.home == NULL || strcmp(id.home, t->home) != 0)
		fail_msg("\"%s\": home \"%s\", want \"%s\"", t->spec,
			 id.home ? id.home : "(null)", t->home);
	if (err.len != 0)
		fail_msg("\"%s\": success with message \"%s\"", t->spec,
			 sbuf_cstr(&err));
	identity_free(&id);
	assert_null(id.groups);
	assert_null(id.home);
}

static void check_rows(const struct row *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(&t[i]);
}

#define ROWS(t) check_rows((t), sizeof(t) / sizeof((t)[0]))

/* `name`: passwd entry; entry's gid; primary + every group listing the
 * name, sorted; entry's dir. */
static void test_row_name(void **state)
{
	static const struct row t[] = {
		{ "app", PASSWD, GROUP, "app", 10001, 10001, 5,
		  { 10001, 10, 29, 777, 4000 }, "/home/app" },
		{ "web", PASSWD, GROUP, "web", 10002, 10002, 2,
		  { 10002, 29 }, "/srv/web" },
		{ "root", PASSWD, GROUP, "root", 0, 0, 1, { 0 }, "/root" },
		{ "nobody", PASSWD, GROUP, "nobody", 65534, 65534, 2,
		  { 65534, 3000 }, "/nonexistent" },
		{ "machine$", PASSWD, GROUP, "machine$", 10009, 10009, 1,
		  { 10009 }, "/" },
		{ "first.last@corp", PASSWD, GROUP, "first.last@corp", 10010,
		  10010, 2, { 10010, 10 }, "/home/fl" },
		/* no group file: just the primary gid */
		{ "app", PASSWD, NOFILE, "app", 10001, 10001, 1, { 10001 },
		  "/home/app" },
		/* CRLF and last-line-without-newline files */
		{ "app", FIX "passwd.crlf", FIX "group.crlf", "app", 10001,
		  10001, 3, { 10001, 29, 4000 }, "/home/app" },
		{ "app", FIX "passwd.nonl", FIX "group.nonl", "app", 10001,
		  10001, 2, { 10001, 4000 }, "/home/app" },
		/* malformed lines around the entry are skipped */
		{ "good", FIX "passwd.messy", FIX "group.messy", "good", 20011,
		  20011, 2, { 20011, 30000 }, "/home/good" },
	};
	(void)state;
	ROWS(t);
}

/* `uid` with a passwd entry: as for the entry's name. */
static void test_row_uid_with_entry(void **state)
{
	static const struct row t[] = {
		{ "10001", PASSWD, GROUP, "app", 10001, 10001, 5,
		  { 10001, 10, 29, 777, 4000 }, "/home/app" },
		{ "0010001", PASSWD, GROUP, "app", 10001, 10001, 5,
		  { 10001, 10, 29, 777, 4000 }, "/home/app" },
		{ "0", PASSWD, GROUP, "root", 0, 0, 1, { 0 }, "/root" },
		{ "10002", PASSWD, GROUP, "web", 10002, 10002, 2,
		  { 10002, 29 }, "/srv/web" },
		/* the entry's name is what the group file is searched for */
		{ "10008", PASSWD, GROUP, "12345", 10008, 10008, 2,
		  { 10008, 29 }, "/home/digits" },
		{ "10001", PASSWD, NOFILE, "app", 10001, 10001, 1, { 10001 },
		  "/home/app" },
	};
	(void)state;
	ROWS(t);
}

/* `uid` with no passwd entry: gid = uid (root's group is never kept),
 * groups = [uid], HOME "/", no user name. */
static void test_row_uid_without_entry(void **state)
{
	static const struct row t[] = {
		{ "20000", PASSWD, GROUP, "", 20000, 20000, 1, { 20000 }, "/" },
		{ "10001", NOFILE, GROUP, "", 10001, 10001, 1, { 10001 }, "/" },
		{ "10001", NOFILE, NOFILE, "", 10001, 10001, 1, { 10001 }, "/" },
		{ "4294967294", PASSWD, GROUP, "", 4294967294u, 4294967294u, 1,
		  { 4294967294u }, "/" },
		/* all-digit text is an id, even when a user has it as name */
		{ "12345", PASSWD, GROUP, "", 12345, 12345, 1, { 12345 }, "/" },
		/* a malformed line with uid 4294967296 is not uid 0 */
		{ "0", FIX "passwd.messy", FIX "group.messy", "", 0, 0, 1, { 0 },
		  "/" },
	};
	(void)state;
	ROWS(t);
}

/* `USER:group` / `USER:gid`: the group replaces the membership list;
 * digits are used as they are, entry or not. */
static void test_row_explicit_group(void **state)
{
	static const struct row t[] = {
		{ "app:audio", PASSWD, GROUP, "app", 10001, 29, 1, { 29 },
		  "/home/app" },
		{ "app:staff", PASSWD, GROUP, "app", 10001, 2000, 1, { 2000 },
		  "/home/app" },
		{ "app:app", PASSWD, GROUP, "app", 10001, 10001, 1, { 10001 },
		  "/home/app" },
		{ "app:2000", PASSWD, GROUP, "app", 10001, 2000, 1, { 2000 },
		  "/home/app" },
		/* a gid without a group entry */
		{ "app:777777", PASSWD, GROUP, "app", 10001, 777777, 1,
		  { 777777 }, "/home/app" },
		/* "5000" is a gid, not the group named "5000" (gid 777) */
		{ "app:5000", PASSWD, GROUP, "app", 10001, 5000, 1, { 5000 },
		  "/home/app" },
		/* OpenShift: an explicit gid 0 is allowed */
		{ "10001:0", PASSWD, GROUP, "app", 10001, 0, 1, { 0 },
		  "/home/app" },
		{ "app:0", PASSWD, GROUP, "app", 10001, 0, 1, { 0 },
		  "/home/app" },
		/* uid:name, with and without a passwd entry */
		{ "10001:audio", PASSWD, GROUP, "app", 10001, 29, 1, { 29 },
		  "/home/app" },
		{ "20000:audio", PASSWD, GROUP, "", 20000, 29, 1, { 29 }, "/" },
		{ "20000:audio", NOFILE, GROUP, "", 20000, 29, 1, { 29 }, "/" },
		{ "20000:machine$", PASSWD, GROUP, "", 20000, 10009, 1,
		  { 10009 }, "/" },
		/* uid:gid without any file at all (scratch images) */
		{ "10001:10001", NOFILE, NOFILE, "", 10001, 10001, 1, { 10001 },
		  "/" },
		{ "10001:0", NOFILE, NOFILE, "", 10001, 0, 1, { 0 }, "/" },
		{ "65534:65534", NOFILE, NOFILE, "", 65534, 65534, 1, { 65534 },
		  "/" },
		{ "4294967294:4294967294", NOFILE, NOFILE, "", 4294967294u,
		  4294967294u, 1, { 4294967294u }, "/" },
		/* name:gid needs the passwd file but no group file */
		{ "app:29", PASSWD, NOFILE, "app", 10001, 29, 1, { 29 },
		  "/home/app" },
		{ "twice:3000", PASSWD, GROUP, "twice", 10007, 3000, 1, { 3000 },
		  "/home/twice" },
	};
	(void)state;
	ROWS(t);
}

/* Entries that stress the table: empty home, duplicates, the primary gid
 * listed again as a membership. */
static void test_edge_entries(void **state)
{
	static const struct row t[] = {
		/* an empty home field means "/" */
		{ "nohome", PASSWD, GROUP, "nohome", 10003, 10003, 1, { 10003 },
		  "/" },
		{ "10003", PASSWD, GROUP, "nohome", 10003, 10003, 1, { 10003 },
		  "/" },
		/* the first of two entries with one name wins */
		{ "dup", PASSWD, GROUP, "dup", 10004, 10004, 1, { 10004 },
		  "/home/dup-first" },
		/* listed twice in "dev", and in "dev-alias" with dev's gid:
		 * each gid once */
		{ "twice", PASSWD, GROUP, "twice", 10007, 10007, 3,
		  { 10007, 2000, 3000 }, "/home/twice" },
		/* primary gid 2000 is also a membership (staff): once */
		{ "primary", PASSWD, GROUP, "primary", 10006, 2000, 1, { 2000 },
		  "/home/primary" },
		/* a uid without entry picks up no membership, even when a
		 * group lists it as a member name ("20000" in ops) */
		{ "20000", PASSWD, GROUP, "", 20000, 20000, 1, { 20000 }, "/" },
	};
	(void)state;
	ROWS(t);
}

static void expect_fail(const char *spec, const char *passwd,
			const char *group, const char *const *want)
{
	struct identity id;
	const char *m;

	if (run(spec, passwd, group, &id) != -1)
		fail_msg("resolve(\"%s\", %s, %s) succeeded: uid %u gid %u",
			 spec, passwd, group, id.uid, id.gid);
	m = sbuf_cstr(&err);
	for (; *want != NULL; want++)
		if (strstr(m, *want) == NULL)
			fail_msg("resolve(\"%s\"): message \"%s\" lacks \"%s\"",
				 spec, m, *want);
	if (strchr(m, '\n') != NULL)
		fail_msg("resolve(\"%s\"): message is not one line", spec);
	/* a failed resolve owns nothing */
	assert_null(id.groups);
	assert_null(id.home);
}

#define FAILS(spec, passwd, group, ...) \
	expect_fail((spec), (passwd), (group), \
		    (const char *const[]){ __VA_ARGS__, NULL })

static void test_unknown_user(void **state)
{
	(void)state;
	FAILS("nosuchuser", PASSWD, GROUP, "user 'nosuchuser' not found",
	      PASSWD, "numeric uid");
	/* the name lookup is exact */
	FAILS("App", PASSWD, GROUP, "'App' not found", PASSWD);
	FAILS("ap", PASSWD, GROUP, "'ap' not found", PASSWD);
	/* malformed lines are never matched */
	FAILS("neg", FIX "passwd.messy", GROUP, "'neg' not found",
	      FIX "passwd.messy");
	FAILS("over", FIX "passwd.messy", GROUP, "'over' not found");
	/* with an explicit group the user is still required */
	FAILS("nosuchuser:audio", PASSWD, GROUP, "user 'nosuchuser'");
	FAILS("nosuchuser:0", PASSWD, GROUP, "user 'nosuchuser'");
}

/* distroless/scratch: no passwd at all. The message says so. */
static void test_name_without_passwd_file(void **state)
{
	(void)state;
	FAILS("app", NOFILE, GROUP, "user 'app' not found",
	      NOFILE " does not exist", "numeric uid");
	FAILS("app:10001", NOFILE, NOFILE, "not found", "does not exist");
}

static void test_unknown_group(void **state)
{
	(void)state;
	FAILS("app:nogroup", PASSWD, GROUP, "group 'nogroup' not found",
	      GROUP, "numeric gid");
	FAILS("10001:nogroup", NOFILE, GROUP, "group 'nogroup'", GROUP);
	FAILS("10001:audio", NOFILE, NOFILE, "group 'audio' not found",
	      NOFILE " does not exist");
	/* malformed group lines are never matched */
	FAILS("app:neg", PASSWD, FIX "group.messy", "group 'neg' not found",
	      FIX "group.messy");
	FAILS("app:few", PASSWD, FIX "group.messy", "'few' not found");
}

/* A path that exists but cannot be read as a file is an error naming the
 * path, never taken as "no such file" (which would drop to uid-only). */
static void test_unreadable_files(void **state)
{
	const char *fifo = tmp_path("fifo");
	(void)state;

	FAILS("app", FIX, GROUP, "cannot read", FIX);
	FAILS("10001", FIX, GROUP, "cannot read", FIX);
	FAILS("10001:10001", FIX, GROUP, "cannot read", FIX);
	FAILS("app", PASSWD "/x", GROUP, "cannot read", PASSWD "/x");
	FAILS("app", "/dev/null", GROUP, "/dev/null", "not a regular file");
	/* group file: for a named group, and for the memberships */
	FAILS("app:audio", PASSWD, FIX, "cannot read", FIX);
	FAILS("app", PASSWD, FIX, "cannot read", FIX);
	FAILS("app", PASSWD, "/dev/zero", "/dev/zero", "not a regular file");
	unlink(fifo);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(10);	/* a blocking open would hang here */
	FAILS("app", fifo, GROUP, "cannot read", fifo, "not a regular file");
	/* EINVAL from userdb_open is ours, not the kernel's: no strerror
	 * ("No such device" once stood for it) */
	assert_null(strstr(sbuf_cstr(&err), "No such device"));
	assert_null(strstr(sbuf_cstr(&err), "Invalid argument"));
	FAILS("app", PASSWD, fifo, "cannot read", fifo);
	alarm(0);
	unlink(fifo);
}

/* A hostile name is quoted in the message: one line, no raw bytes. */
static void test_message_quotes_name(void **state)
{
	struct spec sp;
	struct identity id;
	const struct userdb_paths paths = { PASSWD, GROUP };
	(void)state;

	assert_int_equal(spec_parse("app\xc3\xa9", &sp), SPEC_OK);
	sbuf_reset(&err);
	assert_int_equal(resolve(&sp, &paths, &id, &err), -1);
	assert_non_null(strstr(sbuf_cstr(&err), "'app\\xc3\\xa9'"));
}

/* A user in a group of 100,000 members, listed last (generated here). */
static void test_huge_group(void **state)
{
	const size_t members = 100000;
	FILE *f;
	(void)state;

	f = fopen(tmp_path("passwd.big"), "we");
	assert_non_null(f);
	fprintf(f, "user99999:x:30000:30000::/home/u:/bin/sh\n");
	fclose(f);
	f = fopen(tmp_path("group.big"), "we");
	assert_non_null(f);
	fprintf(f, "big:x:7000:");
	for (size_t i = 0; i < members; i++)
		fprintf(f, "%suser%zu", i ? "," : "", i);
	fprintf(f, "\nsmall:x:6000:user99999\n");
	fclose(f);
	{
		const struct row r = { "user99999", tmp_path("passwd.big"),
				       tmp_path("group.big"), "user99999", 30000,
				       30000, 3, { 30000, 6000, 7000 },
				       "/home/u" };

		check_row(&r);
	}
}

/* A passwd name longer than a spec may be (256 bytes), reached by uid:
 * memberships are looked up by the whole name, never by a cut-off prefix
 * that another user's name could equal. */
static void test_long_name_memberships(void **state)
{
	char name[301];
	FILE *f;
	struct spec sp;
	struct identity id;
	(void)state;

	memset(name, 'a', 300);
	name[300] = '\0';
	f = fopen(tmp_path("passwd.big"), "we");
	assert_non_null(f);
	fprintf(f, "%s:x:5000:5000::/:/bin/sh\n", name);
	fclose(f);
	f = fopen(tmp_path("group.big"), "we");
	assert_non_null(f);
	fprintf(f, "prefix:x:777:%.256s\nwhole:x:778:%s\n", name, name);
	fclose(f);
	assert_int_equal(spec_parse("5000", &sp), SPEC_OK);
	struct userdb_paths paths = { tmp_path("passwd.big"), tmp_path("group.big") };
	assert_int_equal(resolve(&sp, &paths, &id, &err), 0);
	assert_string_equal(id.user, name);
	assert_int_equal(id.ngroups, 2);
	assert_int_equal(id.groups[0], 5000);
	assert_int_equal(id.groups[1], 778);
	identity_free(&id);
}

/* A passwd line over 16 MiB: the lookup stops with a message naming the
 * file and the line, unless the entry came first. */
static void test_line_too_long(void **state)
{
	const char *p = tmp_path("passwd.long");
	FILE *f = fopen(p, "we");
	(void)state;

	assert_non_null(f);
	fprintf(f, "app:x:10001:10001::/home/app:/bin/sh\n");
	for (size_t i = 0; i < USERDB_LINE_MAX + 1; i++)
		fputc('a', f);
	fprintf(f, "\nlate:x:10002:10002::/:/bin/sh\n");
	fclose(f);
	{
		const struct row r = { "app", p, NOFILE, "app", 10001, 10001,
				       1, { 10001 }, "/home/app" };

		check_row(&r);
	}
	FAILS("late", p, NOFILE, "cannot read", p, "line 2",
	      "longer than 16 MiB");
	FAILS("10002", p, NOFILE, p, "line 2");
}

/* --group-add: names via the group file, digits as-is, on top of the
 * resolved list, primary first and the rest ascending, once each. */
static void test_group_add(void **state)
{
	const struct userdb_paths paths = { PASSWD, GROUP };
	struct identity id;
	static const uint32_t want[] = { 10001, 29, 2000, 3000, 5555 };

	(void)state;
	assert_int_equal(run("10001:10001", PASSWD, GROUP, &id), 0);
	assert_int_equal(resolve_group_add(&id, "staff,5555", &paths, &err), 0);
	assert_int_equal(resolve_group_add(&id, "dev,29,2000", &paths, &err), 0);
	assert_int_equal(id.ngroups, 5);
	assert_memory_equal(id.groups, want, sizeof(want));
	assert_int_equal(resolve_group_add(&id, "nosuch", &paths, &err), -1);
	assert_non_null(strstr(sbuf_cstr(&err), "'nosuch' not found"));
	sbuf_reset(&err);
	assert_int_equal(resolve_group_add(&id, "2000,", &paths, &err), -1);
	assert_non_null(strstr(sbuf_cstr(&err), "--group-add ''"));
	sbuf_reset(&err);
	assert_int_equal(resolve_group_add(&id, "4294967295", &paths, &err), -1);
	assert_int_equal(id.ngroups, 5);
	identity_free(&id);
}

/* --keep-groups: the inherited list minus gid 0 and root's own groups. */
static void test_keep_groups(void **state)
{
	const char *grp = tmp_path("group-kg");
	const struct userdb_paths paths = { PASSWD, grp };
	static const uint32_t inherited[] = { 0, 4, 6, 2000, 3000 };
	static const uint32_t want[] = { 10001, 2000, 3000 };
	struct identity id;
	uint32_t *kept = NULL;
	size_t nkept = 0;
	FILE *f = fopen(grp, "w");

	(void)state;
	assert_non_null(f);
	fputs("root:x:0:\nadm:x:4:root\ndisk:x:6:bob,root\nfs:x:2000:\n", f);
	fclose(f);
	assert_int_equal(run("10001:10001", PASSWD, grp, &id), 0);
	assert_int_equal(resolve_keep_groups(&id, inherited, 5, &paths, &kept,
					     &nkept, &err), 0);
	assert_int_equal(nkept, 2);
	assert_int_equal(kept[0], 2000);
	assert_int_equal(kept[1], 3000);
	assert_int_equal(id.ngroups, 3);
	assert_memory_equal(id.groups, want, sizeof(want));
	free(kept);
	identity_free(&id);
	unlink(grp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_group_add, setup),
		cmocka_unit_test_setup(test_keep_groups, setup),
		cmocka_unit_test_setup(test_row_name, setup),
		cmocka_unit_test_setup(test_row_uid_with_entry, setup),
		cmocka_unit_test_setup(test_row_uid_without_entry, setup),
		cmocka_unit_test_setup(test_row_explicit_group, setup),
		cmocka_unit_test_setup(test_edge_entries, setup),
		cmocka_unit_test_setup(test_unknown_user, setup),
		cmocka_unit_test_setup(test_name_without_passwd_file, setup),
		cmocka_unit_test_setup(test_unknown_group, setup),
		cmocka_unit_test_setup(test_unreadable_files, setup),
		cmocka_unit_test_setup(test_message_quotes_name, setup),
		cmocka_unit_test_setup(test_huge_group, setup),
		cmocka_unit_test_setup(test_line_too_long, setup),
		cmocka_unit_test_setup(test_long_name_memberships, setup),
	};

	return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
