/* userdb: nrexec's own passwd/group reader. It must skip what glibc skips,
 * never turn a malformed id into another id, keep memory bounded, and never
 * block or spin on something that is not a regular file.
 *
 * Run from the repository root: fixture paths are relative to it. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
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

#include "gidlist.h"
#include "userdb.h"

#define FIX "tests/fixtures/"


/* ---- helpers ---- */

static void write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wbe");

	if (f == NULL)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	if (len > 0 && fwrite(data, 1, len, f) != len)
		fail_msg("cannot write %s", path);
	if (fclose(f) != 0)
		fail_msg("cannot close %s", path);
}

/* Open a file that must exist, as a userdb_reader. */
static void open_db(const char *path, struct userdb_reader *lr)
{
	int fd = -1;
	int r = userdb_open(path, &fd);

	if (r != 1)
		fail_msg("userdb_open(%s) = %d (%s), want 1", path, r,
			 strerror(errno));
	userdb_reader_init_fd(lr, fd);
}

static void close_db(struct userdb_reader *lr)
{
	if (lr->fd >= 0)
		close(lr->fd);
	userdb_reader_free(lr);
}

static void mem_db(struct userdb_reader *lr, const char *text, size_t len)
{
	assert_int_equal(userdb_reader_init_mem(lr, text, len), 0);
}

/* The next line must be want[0..wlen). */
static void expect_line(struct userdb_reader *lr, const char *want, size_t wlen,
			const char *ctx)
{
	char *line = NULL;
	size_t len = 0;
	int r = userdb_reader_next(lr, &line, &len);

	if (r != 1)
		fail_msg("%s: userdb_reader_next = %d (errno %d), want a line of %zu bytes",
			 ctx, r, errno, wlen);
	if (len != wlen || memcmp(line, want, wlen) != 0)
		fail_msg("%s: line \"%.*s\" (%zu bytes), want \"%.*s\" (%zu)",
			 ctx, (int)len, line, len, (int)wlen, want, wlen);
	if (line[len] != '\0')
		fail_msg("%s: line not NUL-terminated", ctx);
}

static void expect_end(struct userdb_reader *lr, const char *ctx)
{
	char *line;
	size_t len;
	int r = userdb_reader_next(lr, &line, &len);

	if (r != 0)
		fail_msg("%s: userdb_reader_next = %d, want end of input", ctx, r);
	/* and it stays at the end */
	if (userdb_reader_next(lr, &line, &len) != 0)
		fail_msg("%s: userdb_reader_next after the end did not return 0", ctx);
}

static void expect_error(struct userdb_reader *lr, int want_errno,
			 const char *ctx)
{
	char *line;
	size_t len;
	int r;

	errno = 0;
	r = userdb_reader_next(lr, &line, &len);
	if (r != -1 || errno != want_errno)
		fail_msg("%s: userdb_reader_next = %d errno %d, want -1 errno %d", ctx, r,
			 errno, want_errno);
}

/* ---- the line reader ---- */

static void test_lr_mem_lines(void **state)
{
	static const struct {
		const char *text;
		size_t len;
		const char *lines[5];
	} t[] = {
		{ "", 0, { NULL } },
		{ "x", 1, { "x", NULL } },
		{ "\n", 1, { "", NULL } },
		{ "\n\n", 2, { "", "", NULL } },
		{ "a\nb\n\nc", 6, { "a", "b", "", "c", NULL } },
		{ "a\nb", 3, { "a", "b", NULL } },	/* no final newline */
		{ "a\nb\n", 4, { "a", "b", NULL } },
		/* CRLF: the '\r' goes, exactly one of them */
		{ "a\r\nb\r\n", 6, { "a", "b", NULL } },
		{ "a\r\nb", 4, { "a", "b", NULL } },
		{ "a\r\r\n", 4, { "a\r", NULL } },
		{ "\r\n", 2, { "", NULL } },
		{ "a\r", 2, { "a", NULL } },
		{ "a\rb\n", 4, { "a\rb", NULL } },
		{ "# c\n\n+\nx:y", 10, { "# c", "", "+", "x:y", NULL } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct userdb_reader lr;
		char ctx[64];
		size_t n = 0;

		mem_db(&lr, t[i].text, t[i].len);
		for (; t[i].lines[n] != NULL; n++) {
			snprintf(ctx, sizeof(ctx), "case %zu line %zu", i, n + 1);
			expect_line(&lr, t[i].lines[n], strlen(t[i].lines[n]),
				    ctx);
			if (lr.lineno != n + 1)
				fail_msg("%s: lineno %lu", ctx, lr.lineno);
		}
		snprintf(ctx, sizeof(ctx), "case %zu end", i);
		expect_end(&lr, ctx);
		userdb_reader_free(&lr);
	}
}

/* The memory reader works on its own copy: the caller's text is not split
 * in place, and a NUL byte is part of the line, not its end. */
static void test_lr_mem_nul_and_copy(void **state)
{
	static const char text[] = "ro\0ot:x:0:0::/:/bin/sh\nok\n";
	char copy[sizeof(text)];
	struct userdb_reader lr;
	(void)state;

	memcpy(copy, text, sizeof(text));
	mem_db(&lr, copy, sizeof(text) - 1);
	expect_line(&lr, "ro\0ot:x:0:0::/:/bin/sh", 22, "NUL line");
	expect_line(&lr, "ok", 2, "after NUL line");
	expect_end(&lr, "NUL text");
	userdb_reader_free(&lr);
	assert_memory_equal(copy, text, sizeof(text));
}

/* 20,000 lines from a file: lines cross the reader's 4 KiB and later
 * buffer boundaries many times. */
static void test_lr_fd_many_lines(void **state)
{
	const size_t nlines = 20000;
	size_t cap = nlines * 128, len = 0;
	char *text = malloc(cap), line[128];
	struct userdb_reader lr;
	(void)state;

	assert_non_null(text);
	for (size_t i = 0; i < nlines; i++)
		len += (size_t)snprintf(text + len, cap - len,
					"user%zu:x:%zu:%zu:%.*s:/home/u%zu:/bin/sh\n",
					i, i, i, (int)(i % 23), "gecosgecosgecosgecosgecos",
					i);
	write_file(tmp_path("lines"), text, len);
	open_db(tmp_path("lines"), &lr);
	for (size_t i = 0; i < nlines; i++) {
		int n = snprintf(line, sizeof(line),
				 "user%zu:x:%zu:%zu:%.*s:/home/u%zu:/bin/sh", i,
				 i, i, (int)(i % 23), "gecosgecosgecosgecosgecos",
				 i);
		expect_line(&lr, line, (size_t)n, "many lines");
	}
	expect_end(&lr, "many lines");
	assert_int_equal(lr.lineno, nlines);
	close_db(&lr);
	free(text);
}

/* A read error is reported, not taken for the end of the file. */
static void test_lr_fd_read_error(void **state)
{
	struct userdb_reader lr;
	int fd = open(FIX, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	(void)state;

	assert_true(fd >= 0);
	userdb_reader_init_fd(&lr, fd);
	expect_error(&lr, EISDIR, "read from a directory fd");
	close_db(&lr);
}

/* A line of USERDB_LINE_MAX bytes is read; one byte more is EFBIG. */
static void test_lr_line_max_mem(void **state)
{
	size_t n = USERDB_LINE_MAX + 8;
	char *text = malloc(n);
	struct userdb_reader lr;
	(void)state;

	assert_non_null(text);
	assert_int_equal(USERDB_LINE_MAX, 16u << 20);
	memcpy(text, "ok\n", 3);
	memset(text + 3, 'a', n - 3);

	/* exactly the limit, then the end */
	mem_db(&lr, text, 3 + USERDB_LINE_MAX);
	expect_line(&lr, "ok", 2, "before");
	expect_line(&lr, text + 3, USERDB_LINE_MAX, "line of LINE_MAX");
	expect_end(&lr, "after LINE_MAX");
	userdb_reader_free(&lr);

	/* one byte over, with and without a newline */
	mem_db(&lr, text, 3 + USERDB_LINE_MAX + 1);
	expect_line(&lr, "ok", 2, "before");
	expect_error(&lr, EFBIG, "line of LINE_MAX + 1");
	userdb_reader_free(&lr);
	text[3 + USERDB_LINE_MAX + 1] = '\n';
	mem_db(&lr, text, 3 + USERDB_LINE_MAX + 2);
	expect_line(&lr, "ok", 2, "before");
	expect_error(&lr, EFBIG, "line of LINE_MAX + 1 and a newline");
	userdb_reader_free(&lr);
	free(text);
}

/* The same limits through a file: memory stays bounded by the limit, and
 * a line just at it is still read. */
static void test_lr_line_max_fd(void **state)
{
	size_t n = USERDB_LINE_MAX + 64;
	char *text = malloc(n);
	struct userdb_reader lr;
	(void)state;

	assert_non_null(text);
	memcpy(text, "ok\n", 3);
	memset(text + 3, 'a', n - 3);

	/* over the limit, and a good line after it */
	memcpy(text + 3 + USERDB_LINE_MAX + 1, "\nafter\n", 7);
	write_file(tmp_path("long"), text, 3 + USERDB_LINE_MAX + 8);
	open_db(tmp_path("long"), &lr);
	expect_line(&lr, "ok", 2, "fd before");
	expect_error(&lr, EFBIG, "fd line of LINE_MAX + 1");
	assert_true(lr.cap <= USERDB_LINE_MAX + 1);
	close_db(&lr);

	/* exactly the limit, with a newline, then another line */
	memset(text + 3, 'a', n - 3);
	memcpy(text + 3 + USERDB_LINE_MAX, "\nafter\n", 7);
	write_file(tmp_path("exact"), text, 3 + USERDB_LINE_MAX + 7);
	open_db(tmp_path("exact"), &lr);
	expect_line(&lr, "ok", 2, "fd before");
	expect_line(&lr, text + 3, USERDB_LINE_MAX, "fd line of LINE_MAX");
	expect_line(&lr, "after", 5, "fd line after LINE_MAX");
	expect_end(&lr, "fd exact");
	close_db(&lr);

	/* exactly the limit as the last line, without a newline */
	write_file(tmp_path("exact-nonl"), text, 3 + USERDB_LINE_MAX);
	open_db(tmp_path("exact-nonl"), &lr);
	expect_line(&lr, "ok", 2, "fd before");
	expect_line(&lr, text + 3, USERDB_LINE_MAX, "fd last line of LINE_MAX");
	expect_end(&lr, "fd exact, no newline");
	close_db(&lr);
	free(text);
}

/* ---- one line → one entry ---- */

struct pw_case {
	const char *line;
	size_t len;		/* 0: strlen(line) */
	int ok;
	const char *name;
	uint32_t uid, gid;
	const char *dir;
};

static void run_pw(const struct pw_case *t)
{
	char buf[256];
	size_t len = t->len ? t->len : strlen(t->line);
	struct userdb_pwent e;
	int r;

	memcpy(buf, t->line, len);
	buf[len] = '\0';
	r = userdb_pw_parse(buf, len, &e);
	if (!t->ok) {
		if (r != -1)
			fail_msg("userdb_pw_parse(\"%s\") accepted a bad line (uid %u)",
				 t->line, e.uid);
		return;
	}
	if (r != 0)
		fail_msg("userdb_pw_parse(\"%s\") refused a good line", t->line);
	if (strcmp(e.name, t->name) != 0 || e.uid != t->uid ||
	    e.gid != t->gid || strcmp(e.dir, t->dir) != 0)
		fail_msg("userdb_pw_parse(\"%s\") = %s %u %u %s", t->line, e.name,
			 e.uid, e.gid, e.dir);
}

static void test_pw_parse(void **state)
{
	static const struct pw_case t[] = {
		{ "app:x:10001:10001:App:/home/app:/bin/sh", 0, 1, "app", 10001,
		  10001, "/home/app" },
		{ "root:x:0:0:root:/root:/bin/bash", 0, 1, "root", 0, 0,
		  "/root" },
		{ "a::1:2:::", 0, 1, "a", 1, 2, "" },	/* empty fields */
		{ "12345:x:7:8::/d:", 0, 1, "12345", 7, 8, "/d" },
		{ "machine$:x:1:1::/:/bin/false", 0, 1, "machine$", 1, 1, "/" },
		{ "u:x:4294967294:4294967294::/:", 0, 1, "u", 4294967294u,
		  4294967294u, "/" },
		{ "u:x:00010001:010::/:", 0, 1, "u", 10001, 10, "/" },
		{ "u:x:1:1:a b, c:/home/with space:/bin/sh", 0, 1, "u", 1, 1,
		  "/home/with space" },
		/* not entries */
		{ "", 0, 0, NULL, 0, 0, NULL },
		{ "#app:x:1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "# comment", 0, 0, NULL, 0, 0, NULL },
		{ "+", 0, 0, NULL, 0, 0, NULL },
		{ "-", 0, 0, NULL, 0, 0, NULL },
		{ "+app:x:1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "-app:x:1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "+::::::", 0, 0, NULL, 0, 0, NULL },
		{ "+@netgroup::::::", 0, 0, NULL, 0, 0, NULL },
		{ ":x:1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "   ", 0, 0, NULL, 0, 0, NULL },
		{ "app", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1:1::/", 0, 0, NULL, 0, 0, NULL },	/* 6 fields */
		{ "app:x:1:1::/:/bin/sh:", 0, 0, NULL, 0, 0, NULL },	/* 8 */
		{ "app:x:1:1::/:/bin/sh:x:y", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:-1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1:-1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:+1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:4294967295:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1:4294967295::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:4294967296:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1:4294967296::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:99999999999999999999:1::/:/bin/sh", 0, 0, NULL, 0, 0,
		  NULL },
		{ "app:x::1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1:::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x: 1:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1 :1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:0x10:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		{ "app:x:1e3:1::/:/bin/sh", 0, 0, NULL, 0, 0, NULL },
		/* a NUL byte inside the line (len counts past it) */
		{ "ro\0ot:x:0:0::/:/bin/sh", 22, 0, NULL, 0, 0, NULL },
		{ "app:x:1:1::/:/bin/sh\0", 21, 0, NULL, 0, 0, NULL },
		{ "app:x:1\0:1::/:/bin/sh", 21, 0, NULL, 0, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		run_pw(&t[i]);
}

struct gr_case {
	const char *line;
	size_t len;
	int ok;
	const char *name;
	uint32_t gid;
	const char *members;
};

static void run_gr(const struct gr_case *t)
{
	char buf[256];
	size_t len = t->len ? t->len : strlen(t->line);
	struct userdb_grent e;
	int r;

	memcpy(buf, t->line, len);
	buf[len] = '\0';
	r = userdb_gr_parse(buf, len, &e);
	if (!t->ok) {
		if (r != -1)
			fail_msg("userdb_gr_parse(\"%s\") accepted a bad line (gid %u)",
				 t->line, e.gid);
		return;
	}
	if (r != 0)
		fail_msg("userdb_gr_parse(\"%s\") refused a good line", t->line);
	if (strcmp(e.name, t->name) != 0 || e.gid != t->gid ||
	    strcmp(e.members, t->members) != 0)
		fail_msg("userdb_gr_parse(\"%s\") = %s %u %s", t->line, e.name, e.gid,
			 e.members);
}

static void test_gr_parse(void **state)
{
	static const struct gr_case t[] = {
		{ "audio:x:29:app,web", 0, 1, "audio", 29, "app,web" },
		{ "empty:x:5000:", 0, 1, "empty", 5000, "" },
		{ "g::0:", 0, 1, "g", 0, "" },
		{ "500:x:500:a", 0, 1, "500", 500, "a" },
		{ "g:x:4294967294:a", 0, 1, "g", 4294967294u, "a" },
		{ "g:x:1:a,,b,", 0, 1, "g", 1, "a,,b," },
		{ "", 0, 0, NULL, 0, NULL },
		{ "#g:x:1:a", 0, 0, NULL, 0, NULL },
		{ "+", 0, 0, NULL, 0, NULL },
		{ "+g:x:1:a", 0, 0, NULL, 0, NULL },
		{ "-g:x:1:a", 0, 0, NULL, 0, NULL },
		{ "+:::", 0, 0, NULL, 0, NULL },
		{ ":x:1:a", 0, 0, NULL, 0, NULL },
		{ "g", 0, 0, NULL, 0, NULL },
		{ "g:x:1", 0, 0, NULL, 0, NULL },
		{ "g:x:1:a:b", 0, 0, NULL, 0, NULL },
		{ "g:x:1:a:", 0, 0, NULL, 0, NULL },
		{ "g:x:-1:a", 0, 0, NULL, 0, NULL },
		{ "g:x:+1:a", 0, 0, NULL, 0, NULL },
		{ "g:x:4294967295:a", 0, 0, NULL, 0, NULL },
		{ "g:x:4294967296:a", 0, 0, NULL, 0, NULL },
		{ "g:x:99999999999999999999:a", 0, 0, NULL, 0, NULL },
		{ "g:x::a", 0, 0, NULL, 0, NULL },
		{ "g:x: 1:a", 0, 0, NULL, 0, NULL },
		{ "g:x:1:a\0b", 9, 0, NULL, 0, NULL },
		{ "g\0:x:1:a", 8, 0, NULL, 0, NULL },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		run_gr(&t[i]);
}

static void test_gr_has_member(void **state)
{
	static const struct {
		const char *members, *user;
		int want;
	} t[] = {
		{ "app", "app", 1 },
		{ "app,web", "app", 1 },
		{ "app,web", "web", 1 },
		{ "web,db,app", "app", 1 },
		{ "", "app", 0 },
		{ "app,web", "ap", 0 },
		{ "app,web", "pp", 0 },
		{ "app,web", "appx", 0 },
		{ "xapp", "app", 0 },
		{ "appx", "app", 0 },
		{ "app,web", "app,web", 0 },
		{ "app,web", "p,w", 0 },
		{ "APP", "app", 0 },	/* names are case-sensitive */
		{ "app ,web", "app", 0 },	/* and not trimmed */
		{ " app", "app", 0 },
		{ ",app,", "app", 1 },
		{ "a,,b", "b", 1 },
		{ "a,,b", "a", 1 },
		{ "first.last@corp,machine$", "machine$", 1 },
		{ "first.last@corp,machine$", "first.last@corp", 1 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (userdb_gr_has_member(t[i].members, t[i].user) != t[i].want)
			fail_msg("userdb_gr_has_member(\"%s\", \"%s\") != %d",
				 t[i].members, t[i].user, t[i].want);
}

/* ---- queries over the fixture files ---- */

static int by_name(const char *path, const char *name, struct userdb_pwent *e,
		   char *dir, size_t dircap)
{
	struct userdb_reader lr;
	int r;

	open_db(path, &lr);
	r = userdb_user_by_name(&lr, name, e);
	if (r == 1) {	/* e points into lr's buffer: copy before freeing */
		snprintf(dir, dircap, "%s", e->dir);
		if (strcmp(e->name, name) != 0)
			fail_msg("user_by_name(%s) returned %s", name, e->name);
	}
	close_db(&lr);
	return r;
}

static int by_id(const char *path, uint32_t uid, struct userdb_pwent *e,
		 char *name, size_t cap)
{
	struct userdb_reader lr;
	int r;

	open_db(path, &lr);
	r = userdb_user_by_id(&lr, uid, e);
	if (r == 1)
		snprintf(name, cap, "%s", e->name);
	close_db(&lr);
	return r;
}

static int group_gid(const char *path, const char *name, uint32_t *gid)
{
	struct userdb_reader lr;
	int r;

	open_db(path, &lr);
	r = userdb_group_by_name(&lr, name, gid);
	close_db(&lr);
	return r;
}

static void test_user_lookups(void **state)
{
	static const struct {
		const char *name;
		uint32_t uid, gid;
		const char *dir;
	} t[] = {
		{ "root", 0, 0, "/root" },
		{ "app", 10001, 10001, "/home/app" },
		{ "web", 10002, 10002, "/srv/web" },
		{ "nohome", 10003, 10003, "" },
		{ "dup", 10004, 10004, "/home/dup-first" },	/* first wins */
		{ "12345", 10008, 10008, "/home/digits" },	/* all digits */
		{ "machine$", 10009, 10009, "/" },
		{ "first.last@corp", 10010, 10010, "/home/fl" },
		{ "nobody", 65534, 65534, "/nonexistent" },
	};
	static const char *const missing[] = {
		"", "ap", "App", "app ", "appx", "x", "10001", "toor:x",
		"#", "# passwd for the unit tests",
	};
	struct userdb_pwent e;
	char s[256];
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (by_name(FIX "passwd.basic", t[i].name, &e, s,
			    sizeof(s)) != 1)
			fail_msg("user %s not found", t[i].name);
		if (e.uid != t[i].uid || e.gid != t[i].gid ||
		    strcmp(s, t[i].dir) != 0)
			fail_msg("user %s: %u %u %s", t[i].name, e.uid, e.gid,
				 s);
	}
	for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++)
		if (by_name(FIX "passwd.basic", missing[i], &e, s,
			    sizeof(s)) != 0)
			fail_msg("user \"%s\" found, want not found",
				 missing[i]);

	/* by id: the first entry with that uid */
	assert_int_equal(by_id(FIX "passwd.basic", 0, &e, s, sizeof(s)), 1);
	assert_string_equal(s, "root");
	assert_int_equal(by_id(FIX "passwd.basic", 10005, &e, s, sizeof(s)),
			 1);
	assert_string_equal(s, "dup");
	assert_int_equal(by_id(FIX "passwd.basic", 10008, &e, s, sizeof(s)),
			 1);
	assert_string_equal(s, "12345");
	/* an all-digit name is not its uid */
	assert_int_equal(by_id(FIX "passwd.basic", 12345, &e, s, sizeof(s)),
			 0);
	assert_int_equal(by_id(FIX "passwd.basic", 20000, &e, s, sizeof(s)),
			 0);
}

static void test_group_lookups(void **state)
{
	static const struct {
		const char *name;
		uint32_t gid;
	} t[] = {
		{ "root", 0 },
		{ "audio", 29 },	/* not 2929: the first entry wins */
		{ "staff", 2000 },
		{ "dev", 3000 },
		{ "dev-alias", 3000 },
		{ "5000", 777 },	/* an all-digit group name */
		{ "machine$", 10009 },
	};
	uint32_t gid;
	(void)state;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		gid = 0xdeadbeef;
		if (group_gid(FIX "group.basic", t[i].name, &gid) != 1 ||
		    gid != t[i].gid)
			fail_msg("group %s: gid %u, want %u", t[i].name, gid,
				 t[i].gid);
	}
	assert_int_equal(group_gid(FIX "group.basic", "nogroup", &gid), 0);
	assert_int_equal(group_gid(FIX "group.basic", "", &gid), 0);
	assert_int_equal(group_gid(FIX "group.basic", "29", &gid), 0);
}

/* Every malformed line is skipped, and none of them turns into another id
 * (4294967296 must not become uid 0, "-1" not 4294967295). */
static void test_messy_passwd_skipped(void **state)
{
	static const char *const names[] = {
		"+nis", "nis", "-nis2", "nis2", "+", "-", "+@netgroup", "",
		"few", "many", "neg", "neggid", "big", "over", "huge", "plus",
		"space", "hex", "noid", "#", "# app",
	};
	static const uint32_t ids[] = {
		0, 1, 5, 6, 16, 20000, 20001, 20002, 20003, 20004, 20005,
		20006, 20007, 20008, 20009, 20010, 4294967294u, 4294967295u,
	};
	struct userdb_pwent e;
	char s[256];
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (by_name(FIX "passwd.messy", names[i], &e, s, sizeof(s)) !=
		    0)
			fail_msg("malformed user \"%s\" found (uid %u)",
				 names[i], e.uid);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		if (by_id(FIX "passwd.messy", ids[i], &e, s, sizeof(s)) != 0)
			fail_msg("uid %u found: \"%s\"", ids[i], s);
	/* the good line after all of them is still read */
	assert_int_equal(by_name(FIX "passwd.messy", "good", &e, s, sizeof(s)),
			 1);
	assert_int_equal(e.uid, 20011);
	assert_string_equal(s, "/home/good");
	assert_int_equal(by_id(FIX "passwd.messy", 20011, &e, s, sizeof(s)), 1);
	assert_string_equal(s, "good");
}

static void test_messy_group_skipped(void **state)
{
	static const char *const names[] = {
		"+nisgroup", "nisgroup", "-nisgroup2", "+", "", "few", "many",
		"neg", "big", "over", "huge", "plus", "noid",
	};
	struct userdb_reader lr;
	struct gidlist gl = { 0 };
	uint32_t gid;
	(void)state;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (group_gid(FIX "group.messy", names[i], &gid) != 0)
			fail_msg("malformed group \"%s\" found (gid %u)",
				 names[i], gid);
	assert_int_equal(group_gid(FIX "group.messy", "good", &gid), 1);
	assert_int_equal(gid, 20011);
	/* "good" is listed in every malformed line: only the real group
	 * counts */
	open_db(FIX "group.messy", &lr);
	assert_int_equal(userdb_memberships(&lr, "good", &gl), 0);
	close_db(&lr);
	assert_int_equal(gl.n, 1);
	assert_int_equal(gl.ids[0], 30000);
	gidlist_free(&gl);
}

static void test_crlf_files(void **state)
{
	struct userdb_reader lr;
	struct gidlist gl = { 0 };
	struct userdb_pwent e;
	uint32_t gid;
	char s[256];
	(void)state;

	assert_int_equal(by_name(FIX "passwd.crlf", "app", &e, s, sizeof(s)),
			 1);
	assert_int_equal(e.uid, 10001);
	assert_string_equal(s, "/home/app");
	assert_int_equal(by_id(FIX "passwd.crlf", 10002, &e, s, sizeof(s)), 1);
	assert_string_equal(s, "web");
	assert_int_equal(group_gid(FIX "group.crlf", "ops", &gid), 1);
	assert_int_equal(gid, 4000);
	/* "app" ends both member lists: no '\r' may cling to it */
	open_db(FIX "group.crlf", &lr);
	assert_int_equal(userdb_memberships(&lr, "app", &gl), 0);
	close_db(&lr);
	assert_int_equal(gl.n, 2);
	assert_int_equal(gl.ids[0], 29);
	assert_int_equal(gl.ids[1], 4000);
	gidlist_free(&gl);
}

static void test_no_trailing_newline_files(void **state)
{
	struct userdb_reader lr;
	struct gidlist gl = { 0 };
	struct userdb_pwent e;
	char s[256];
	(void)state;

	assert_int_equal(by_name(FIX "passwd.nonl", "app", &e, s, sizeof(s)),
			 1);
	assert_int_equal(e.uid, 10001);
	assert_string_equal(s, "/home/app");
	open_db(FIX "group.nonl", &lr);
	assert_int_equal(userdb_memberships(&lr, "app", &gl), 0);
	close_db(&lr);
	assert_int_equal(gl.n, 1);
	assert_int_equal(gl.ids[0], 4000);
	gidlist_free(&gl);
}

static void test_memberships(void **state)
{
	static const struct {
		const char *user;
		size_t n;
		uint32_t ids[4];
	} t[] = {
		{ "app", 4, { 10, 29, 4000, 777 } },	/* file order */
		{ "web", 1, { 29 } },
		{ "twice", 3, { 2000, 3000, 3000 } },	/* once per group */
		{ "primary", 1, { 2000 } },
		{ "first.last@corp", 1, { 10 } },
		{ "12345", 1, { 29 } },
		{ "20000", 1, { 4000 } },
		{ "nosuchuser", 0, { 0 } },
		{ "ap", 0, { 0 } },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct userdb_reader lr;
		struct gidlist gl = { 0 };

		open_db(FIX "group.basic", &lr);
		assert_int_equal(userdb_memberships(&lr, t[i].user, &gl), 0);
		close_db(&lr);
		if (gl.n != t[i].n)
			fail_msg("%s: %zu memberships, want %zu", t[i].user,
				 gl.n, t[i].n);
		for (size_t j = 0; j < gl.n; j++)
			if (gl.ids[j] != t[i].ids[j])
				fail_msg("%s: membership %zu is %u, want %u",
					 t[i].user, j, gl.ids[j], t[i].ids[j]);
		gidlist_free(&gl);
	}
}

/* Lookups over in-memory text, including a NUL byte: "ro\0ot" is neither
 * "ro" nor "root". */
static void test_mem_queries(void **state)
{
	static const char text[] =
		"ro\0ot:x:0:0::/:/bin/sh\n"
		"app:x:10001:10001::/home/app:/bin/sh\r\n"
		"app:x:10002:10002::/home/second:/bin/sh\n"
		"last:x:3:3::/last:/bin/sh";
	struct userdb_reader lr;
	struct userdb_pwent e;
	(void)state;

	mem_db(&lr, text, sizeof(text) - 1);
	assert_int_equal(userdb_user_by_name(&lr, "ro", &e), 0);
	userdb_reader_free(&lr);
	mem_db(&lr, text, sizeof(text) - 1);
	assert_int_equal(userdb_user_by_name(&lr, "root", &e), 0);
	userdb_reader_free(&lr);
	mem_db(&lr, text, sizeof(text) - 1);
	assert_int_equal(userdb_user_by_id(&lr, 0, &e), 0);
	userdb_reader_free(&lr);
	mem_db(&lr, text, sizeof(text) - 1);
	assert_int_equal(userdb_user_by_name(&lr, "app", &e), 1);
	assert_int_equal(e.uid, 10001);
	assert_string_equal(e.dir, "/home/app");
	userdb_reader_free(&lr);
	mem_db(&lr, text, sizeof(text) - 1);
	assert_int_equal(userdb_user_by_name(&lr, "last", &e), 1);
	assert_string_equal(e.dir, "/last");
	userdb_reader_free(&lr);
}

/* A group with 100,000 members (about 1 MiB on one line), built at test
 * time: the last member is found, from memory and from a file. */
static void test_huge_group(void **state)
{
	const size_t members = 100000;
	size_t cap = members * 12 + 64, len = 0;
	char *text = malloc(cap);
	struct userdb_reader lr;
	struct gidlist gl = { 0 };
	struct userdb_grent g;
	char *line;
	size_t llen;
	(void)state;

	assert_non_null(text);
	len += (size_t)snprintf(text, cap, "small:x:1:user5\nbig:x:7000:");
	for (size_t i = 0; i < members; i++)
		len += (size_t)snprintf(text + len, cap - len, "%suser%zu",
					i ? "," : "", i);
	len += (size_t)snprintf(text + len, cap - len, "\nafter:x:7001:user%zu\n",
				members - 1);

	mem_db(&lr, text, len);
	assert_int_equal(userdb_reader_next(&lr, &line, &llen), 1);
	assert_int_equal(userdb_reader_next(&lr, &line, &llen), 1);
	assert_true(llen > 900000);
	assert_int_equal(userdb_gr_parse(line, llen, &g), 0);
	assert_int_equal(g.gid, 7000);
	assert_true(userdb_gr_has_member(g.members, "user0"));
	assert_true(userdb_gr_has_member(g.members, "user50000"));
	assert_true(userdb_gr_has_member(g.members, "user99999"));
	assert_false(userdb_gr_has_member(g.members, "user100000"));
	assert_false(userdb_gr_has_member(g.members, "user999999"));
	assert_false(userdb_gr_has_member(g.members, "user"));
	userdb_reader_free(&lr);

	write_file(tmp_path("huge-group"), text, len);
	open_db(tmp_path("huge-group"), &lr);
	assert_int_equal(userdb_memberships(&lr, "user99999", &gl), 0);
	close_db(&lr);
	assert_int_equal(gl.n, 2);
	assert_int_equal(gl.ids[0], 7000);
	assert_int_equal(gl.ids[1], 7001);
	gidlist_free(&gl);
	free(text);
}

/* A line over the limit stops every query with EFBIG, unless the answer
 * came before it. */
static void test_queries_report_efbig(void **state)
{
	size_t n = USERDB_LINE_MAX + 128;
	char *text = malloc(n);
	size_t head;
	struct userdb_reader lr;
	struct gidlist gl = { 0 };
	struct userdb_pwent e;
	uint32_t gid;
	(void)state;

	assert_non_null(text);
	head = (size_t)snprintf(text, n, "app:x:1:1::/:/bin/sh\n");
	memset(text + head, 'a', n - head);
	text[n - 1] = '\n';

	mem_db(&lr, text, n);
	assert_int_equal(userdb_user_by_name(&lr, "app", &e), 1);
	userdb_reader_free(&lr);
	mem_db(&lr, text, n);
	errno = 0;
	assert_int_equal(userdb_user_by_name(&lr, "zzz", &e), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(lr.lineno, 1);
	userdb_reader_free(&lr);
	mem_db(&lr, text, n);
	errno = 0;
	assert_int_equal(userdb_user_by_id(&lr, 2, &e), -1);
	assert_int_equal(errno, EFBIG);
	userdb_reader_free(&lr);

	head = (size_t)snprintf(text, n, "g:x:1:app\n");
	memset(text + head, 'a', n - head - 1);
	mem_db(&lr, text, n);
	errno = 0;
	assert_int_equal(userdb_group_by_name(&lr, "h", &gid), -1);
	assert_int_equal(errno, EFBIG);
	userdb_reader_free(&lr);
	mem_db(&lr, text, n);
	errno = 0;
	assert_int_equal(userdb_memberships(&lr, "app", &gl), -1);
	assert_int_equal(errno, EFBIG);
	userdb_reader_free(&lr);
	gidlist_free(&gl);
	free(text);
}

/* ---- userdb_open ---- */

static void expect_open_fails(const char *path, int want_errno)
{
	int fd = -7, r;

	errno = 0;
	r = userdb_open(path, &fd);
	if (r != -1 || errno != want_errno)
		fail_msg("userdb_open(%s) = %d errno %d (%s), want -1 errno %d",
			 path, r, errno, strerror(errno), want_errno);
}

/* The lowest free fd number: unchanged after a failed open, so the failed
 * open did not leak its descriptor. */
static int lowest_free_fd(void)
{
	int fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void test_open_missing(void **state)
{
	int fd = -7;
	(void)state;

	assert_int_equal(userdb_open(FIX "does-not-exist", &fd), 0);
	assert_int_equal(fd, -7);
	assert_int_equal(userdb_open("/nonexistent-dir/passwd", &fd), 0);
}

static void test_open_refuses_non_regular(void **state)
{
	int before = lowest_free_fd();
	(void)state;

	expect_open_fails(FIX, EISDIR);
	expect_open_fails("/", EISDIR);
	expect_open_fails("/dev/null", EINVAL);
	expect_open_fails("/dev/zero", EINVAL);	/* would never end */
	expect_open_fails(FIX "passwd.basic/x", ENOTDIR);
	assert_int_equal(lowest_free_fd(), before);
}

/* A FIFO with no writer: opening it must neither block nor succeed. The
 * alarm turns a hang into a failed test run. */
static void test_open_fifo(void **state)
{
	const char *p = tmp_path("fifo");
	int before = lowest_free_fd();
	(void)state;

	unlink(p);
	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);
	expect_open_fails(p, EINVAL);
	alarm(0);
	assert_int_equal(lowest_free_fd(), before);
	unlink(p);
}

static void test_open_regular(void **state)
{
	int fd = -1, flags;
	(void)state;

	assert_int_equal(userdb_open(FIX "passwd.basic", &fd), 1);
	assert_true(fd >= 0);
	/* the target must not inherit it */
	flags = fcntl(fd, F_GETFD);
	assert_true(flags >= 0);
	assert_true(flags & FD_CLOEXEC);
	close(fd);

	/* an empty file is a file with no entries */
	write_file(tmp_path("lines"), "", 0);
	assert_int_equal(userdb_open(tmp_path("lines"), &fd), 1);
	{
		struct userdb_reader lr;
		struct userdb_pwent e;

		userdb_reader_init_fd(&lr, fd);
		assert_int_equal(userdb_user_by_name(&lr, "root", &e), 0);
		close_db(&lr);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lr_mem_lines),
		cmocka_unit_test(test_lr_mem_nul_and_copy),
		cmocka_unit_test(test_lr_fd_many_lines),
		cmocka_unit_test(test_lr_fd_read_error),
		cmocka_unit_test(test_lr_line_max_mem),
		cmocka_unit_test(test_lr_line_max_fd),
		cmocka_unit_test(test_pw_parse),
		cmocka_unit_test(test_gr_parse),
		cmocka_unit_test(test_gr_has_member),
		cmocka_unit_test(test_user_lookups),
		cmocka_unit_test(test_group_lookups),
		cmocka_unit_test(test_messy_passwd_skipped),
		cmocka_unit_test(test_messy_group_skipped),
		cmocka_unit_test(test_crlf_files),
		cmocka_unit_test(test_no_trailing_newline_files),
		cmocka_unit_test(test_memberships),
		cmocka_unit_test(test_mem_queries),
		cmocka_unit_test(test_huge_group),
		cmocka_unit_test(test_queries_report_efbig),
		cmocka_unit_test(test_open_missing),
		cmocka_unit_test(test_open_refuses_non_regular),
		cmocka_unit_test(test_open_fifo),
		cmocka_unit_test(test_open_regular),
	};

	return cmocka_run_group_tests(tests, tmp_setup, tmp_teardown);
}
