/* libFuzzer harness: the whole resolution, spec + passwd + group.
 *
 * Input layout: SPEC "\0\0" PASSWD "\0\0" GROUP. With one separator there
 * is no group file, with none no passwd file either (scratch images); a
 * file text of exactly "/" stands for a directory (a read error). The
 * texts go into two memfds read through "/proc/self/fd/N", so
 * userdb_open() and the fd reader run as in a real start.
 *
 * resolve() is compared with a model written from DESIGN.md's table on
 * top of the in-memory queries (which fuzz_passwd and fuzz_group check
 * against their own models): same success or failure, same user, uid,
 * gid, groups and home. Invariants besides: groups[0] == gid, the rest
 * strictly ascending without the gid; home non-empty; a numeric user
 * gives exactly that uid, a numeric group exactly that gid; on failure a
 * non-empty, printable message and nothing left allocated;
 * identity_free() twice is harmless.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "gidlist.h"
#include "idnum.h"
#include "resolve.h"
#include "sbuf.h"
#include "spec.h"
#include "userdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) ((c) ? (void)0 : abort())
#define MISSING "/nonexistent/nrexec-fuzz/no-such-file"

/* One identity file as the model sees it. */
struct dbfile {
	enum { DB_MISSING, DB_DIR, DB_TEXT } kind;
	const char *text;
	size_t len;
};

struct model {
	const char *user;	/* points into the model's passwd copy */
	uint32_t uid, gid;
	const char *home;
	struct gidlist gl;
	struct userdb_reader pw;	/* keeps user and home alive */
};

static int pw_fd = -1, gr_fd = -1;
static char pw_path[64], gr_path[64];

static const char *put(int *fd, char *path, const char *name,
		       const struct dbfile *f)
{
	if (f->kind == DB_MISSING)
		return MISSING;
	if (f->kind == DB_DIR)
		return "/";
	if (*fd < 0) {
		*fd = memfd_create(name, MFD_CLOEXEC);
		CHECK(*fd >= 0);
		snprintf(path, 64, "/proc/self/fd/%d", *fd);
	}
	CHECK(ftruncate(*fd, 0) == 0);
	CHECK(f->len == 0 ||
	      pwrite(*fd, f->text, f->len, 0) == (ssize_t)f->len);
	return path;
}

/* Start of the next "\0\0" at or after from, or size. */
static size_t find_sep(const uint8_t *data, size_t size, size_t from)
{
	for (size_t i = from; i + 1 < size; i++)
		if (data[i] == 0 && data[i + 1] == 0)
			return i;
	return size;
}

static void split(const uint8_t *data, size_t size, size_t from,
		  size_t end, struct dbfile *f)
{
	f->kind = DB_MISSING;
	if (from > size)
		return;
	f->text = (const char *)data + from;
	f->len = end - from;
	f->kind = f->len == 1 && f->text[0] == '/' ? DB_DIR : DB_TEXT;
}

/* The user half of the table. Returns 0, or -1 where resolve() fails. */
static int model_user(const struct spec_part *u, const struct dbfile *pw,
		      struct model *m)
{
	struct userdb_pwent e;
	int r = 0;

	if (pw->kind == DB_DIR)
		return -1;
	if (pw->kind == DB_TEXT) {
		CHECK(userdb_reader_init_mem(&m->pw, pw->text, pw->len) == 0);
		r = u->is_id ? userdb_user_by_id(&m->pw, u->id, &e)
			     : userdb_user_by_name(&m->pw, u->name, &e);
		CHECK(r >= 0);
	}
	if (r > 0) {
		m->user = e.name;
		m->uid = e.uid;
		m->gid = e.gid;
		m->home = e.dir[0] != '\0' ? e.dir : "/";
		return 0;
	}
	if (!u->is_id)
		return -1;	/* a name needs an entry */
	m->user = "";
	m->uid = m->gid = u->id;
	m->home = "/";
	return 0;
}

static int model(const struct spec *sp, const struct dbfile *pw,
		 const struct dbfile *gr, struct model *m)
{
	struct userdb_reader lr;
	int r;

	memset(m, 0, sizeof(*m));
	m->pw.fd = -1;
	if (model_user(&sp->user, pw, m) < 0)
		return -1;
	if (sp->group.present && sp->group.is_id) {
		m->gid = sp->group.id;
	} else if (sp->group.present) {
		if (gr->kind != DB_TEXT)
			return -1;
		CHECK(userdb_reader_init_mem(&lr, gr->text, gr->len) == 0);
		r = userdb_group_by_name(&lr, sp->group.name, &m->gid);
		userdb_reader_free(&lr);
		if (r <= 0)
			return -1;
	}
	CHECK(gidlist_add(&m->gl, m->gid) == 0);
	if (!sp->group.present && m->user[0] != '\0') {
		if (gr->kind == DB_DIR)
			return -1;
		if (gr->kind == DB_TEXT) {
			CHECK(userdb_reader_init_mem(&lr, gr->text, gr->len) == 0);
			r = userdb_memberships(&lr, m->user, &m->gl);
			userdb_reader_free(&lr);
			if (r < 0)
				return -1;	/* E2BIG */
		}
	}
	gidlist_normalize(&m->gl);
	return m->gl.n > GIDLIST_MAX ? -1 : 0;
}

static void check_success(const struct spec *sp, const struct identity *id,
			  const struct model *m)
{
	CHECK(id->uid <= IDNUM_MAX && id->gid <= IDNUM_MAX);
	CHECK(id->ngroups >= 1 && id->ngroups <= GIDLIST_MAX);
	CHECK(id->groups != NULL && id->groups[0] == id->gid);
	for (size_t i = 2; i < id->ngroups; i++)
		CHECK(id->groups[i - 1] < id->groups[i]);
	for (size_t i = 1; i < id->ngroups; i++)
		CHECK(id->groups[i] != id->gid);
	CHECK(id->home != NULL && id->home[0] != '\0');
	CHECK(id->user != NULL);
	if (sp->user.is_id)
		CHECK(id->uid == sp->user.id);
	else
		CHECK(strcmp(id->user, sp->user.name) == 0);
	if (sp->group.present)
		CHECK(id->ngroups == 1);
	if (sp->group.is_id)
		CHECK(id->gid == sp->group.id);

	CHECK(strcmp(id->user, m->user) == 0);
	CHECK(id->uid == m->uid && id->gid == m->gid);
	CHECK(strcmp(id->home, m->home) == 0);
	CHECK(id->ngroups == m->gl.n &&
	      memcmp(id->groups, m->gl.ids, m->gl.n * sizeof(*m->gl.ids)) == 0);
}

static void check_failure(struct sbuf *err, const struct identity *id)
{
	const char *msg = sbuf_cstr(err);

	CHECK(msg[0] != '\0');
	/* hostile names are quoted: no newline or escape can reach a log */
	for (const char *p = msg; *p != '\0'; p++)
		CHECK((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
	CHECK(id->user == NULL && id->groups == NULL && id->home == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t s1 = find_sep(data, size, 0);
	size_t s2 = s1 < size ? find_sep(data, size, s1 + 2) : size;
	struct dbfile pw, gr;
	struct userdb_paths paths;
	char *text = malloc(s1 + 1);
	char errmem[1024];
	struct identity id;
	struct model m;
	struct sbuf err;
	struct spec sp;
	int r, want;

	CHECK(text != NULL);
	memcpy(text, data, s1);
	text[s1] = '\0';
	split(data, size, s1 + 2, s2, &pw);
	split(data, size, s2 + 2, size, &gr);
	if (spec_parse(text, &sp) != SPEC_OK) {
		free(text);
		return 0;
	}
	paths.passwd = put(&pw_fd, pw_path, "fuzz-passwd", &pw);
	paths.group = put(&gr_fd, gr_path, "fuzz-group", &gr);
	sbuf_init(&err, errmem, sizeof(errmem), -1);
	memset(&id, 0xa5, sizeof(id));	/* resolve() must not rely on it */
	r = resolve(&sp, &paths, &id, &err);
	want = model(&sp, &pw, &gr, &m);
	CHECK(r == want);
	if (r == 0)
		check_success(&sp, &id, &m);
	else
		check_failure(&err, &id);
	identity_free(&id);
	identity_free(&id);
	gidlist_free(&m.gl);
	userdb_reader_free(&m.pw);
	free(text);
	return 0;
}
