#include "resolve.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gidlist.h"
#include "idnum.h"
#include "userdb.h"

const struct userdb_paths userdb_system_paths = { "/etc/passwd", "/etc/group" };

static void read_error(struct sbuf *err, const char *path, unsigned long line,
		       int e)
{
	sbuf_fmt(err, "cannot read %s", path);
	if (e == EFBIG)
		sbuf_fmt(err, ": line %llu is longer than %u MiB",
			 (unsigned long long)line + 1, USERDB_LINE_MAX >> 20);
	else if (e == EOVERFLOW)
		sbuf_fmt(err, ": larger than %llu MiB", USERDB_FILE_MAX >> 20);
	else if (e == EINVAL)	/* userdb_open's word for "not a regular file" */
		sbuf_str(err, ": not a regular file");
	else
		sbuf_fmt(err, ": %s", strerror(e));
}

/* Open path into lr. Returns 1 opened, 0 missing, -1 error (reported).
 * With deny_is_missing, a file this non-root process may not read counts
 * as missing: started non-root, nrexec can change no id, and a numeric
 * target works without the file (podman --user creates /etc/passwd and
 * /etc/group with mode 0600, root's, in an image that has none). */
static int open_db(const char *path, struct userdb_reader *lr, struct sbuf *err,
		   int deny_is_missing)
{
	int fd, r = userdb_open(path, &fd);

	if (r < 0 && errno == EACCES && deny_is_missing && geteuid() != 0)
		return 0;
	if (r < 0)
		read_error(err, path, 0, errno);
	if (r > 0)
		userdb_reader_init_fd(lr, fd);
	return r;
}

static void close_db(struct userdb_reader *lr)
{
	if (lr->fd >= 0)
		close(lr->fd);
	userdb_reader_free(lr);
}

static void not_found(struct sbuf *err, const char *what, const char *name,
		      const char *path, int missing)
{
	sbuf_fmt(err, "%s '%-s' not found%s%s%s; use a numeric %s such as 10001 "
		 "to run without a %s entry", what, name, missing ? ": " : " in ",
		 path, missing ? " does not exist" : "", what[0] == 'u' ? "uid" : "gid",
		 what[0] == 'u' ? "passwd" : "group");
}

/* Copies: e points into the reader's buffer. The name is kept whole, as
 * long as it is, since memberships are looked up by it. */
static void take_entry(struct identity *id, const struct userdb_pwent *e)
{
	id->user = strdup(e->name);
	id->uid = e->uid;
	id->gid = e->gid;
	id->home = strdup(e->dir[0] != '\0' ? e->dir : "/");
}

/* Look the user up in passwd; fills id->user, uid, gid, home. */
static int find_user(const struct spec_part *u, const char *path,
		     struct identity *id, struct sbuf *err)
{
	struct userdb_reader lr;
	struct userdb_pwent e;
	/* a name must be read; a numeric id works without the file */
	int r = open_db(path, &lr, err, u->is_id);
	int missing = r == 0;

	if (r < 0)
		return -1;
	if (r > 0) {
		r = u->is_id ? userdb_user_by_id(&lr, u->id, &e)
			     : userdb_user_by_name(&lr, u->name, &e);
		if (r > 0)
			take_entry(id, &e);	/* e points into lr's buffer */
		if (r < 0)
			read_error(err, path, lr.lineno, errno);
		close_db(&lr);
		if (r < 0)
			return -1;
	}
	if (r == 0 && !u->is_id) {
		not_found(err, "user", u->name, path, missing);
		return -1;
	}
	if (r == 0) {
		/* no entry: root's group is never kept implicitly */
		id->user = strdup("");
		id->uid = u->id;
		id->gid = u->id;
		id->home = strdup("/");
	}
	if (!id->home || !id->user) {
		sbuf_str(err, "out of memory");
		return -1;
	}
	return 0;
}

static int find_group(const struct spec_part *g, const char *path,
		      uint32_t *gid, struct sbuf *err)
{
	struct userdb_reader lr;
	int r = open_db(path, &lr, err, 0);
	int missing = r == 0;

	if (r < 0)
		return -1;
	if (r > 0) {
		r = userdb_group_by_name(&lr, g->name, gid);
		if (r < 0)
			read_error(err, path, lr.lineno, errno);
		close_db(&lr);
	}
	if (r == 0)
		not_found(err, "group", g->name, path, missing);
	return r > 0 ? 0 : -1;
}

static int find_memberships(const char *user, const char *path,
			    struct gidlist *gl, struct sbuf *err)
{
	struct userdb_reader lr;
	int r = open_db(path, &lr, err, 0);

	if (r <= 0)
		return r;	/* no group file: no memberships */
	r = userdb_memberships(&lr, user, gl);
	if (r < 0 && errno == E2BIG) {
		sbuf_fmt(err, "user '%-s' is listed in too many groups in %s", user, path);
	} else if (r < 0) {
		read_error(err, path, lr.lineno, errno);
	}
	close_db(&lr);
	return r;
}

static int too_many_groups(const struct identity *id, struct sbuf *err)
{
	if (id->ngroups <= GIDLIST_MAX)
		return 0;
	sbuf_fmt(err, "user '%-s' is in more than %u groups (the kernel's limit)",
		 id->user, GIDLIST_MAX);
	return 1;
}

int resolve(const struct spec *sp, const struct userdb_paths *paths,
	    struct identity *id, struct sbuf *err)
{
	struct gidlist gl = { 0 };
	int explicit = sp->group.present;

	memset(id, 0, sizeof(*id));
	if (find_user(&sp->user, paths->passwd, id, err) < 0)
		goto fail;
	if (explicit && sp->group.is_id)
		id->gid = sp->group.id;	/* digits are used as-is */
	else if (explicit &&
		 find_group(&sp->group, paths->group, &id->gid, err) < 0)
		goto fail;
	if (gidlist_add(&gl, id->gid) < 0)
		goto oom;
	/* an explicit group replaces the membership list */
	if (!explicit && id->user[0] != '\0' &&
	    find_memberships(id->user, paths->group, &gl, err) < 0)
		goto fail;
	gidlist_normalize(&gl);
	id->groups = gl.ids;
	id->ngroups = gl.n;
	if (too_many_groups(id, err))
		goto fail_id;
	return 0;
oom:
	sbuf_str(err, "out of memory");
fail:
	gidlist_free(&gl);
fail_id:
	identity_free(id);
	return -1;
}

void identity_free(struct identity *id)
{
	free(id->groups);
	free(id->home);
	free(id->user);
	id->groups = NULL;
	id->home = NULL;
	id->user = NULL;
	id->ngroups = 0;
}

/* Append ids to id's list; primary first, the rest ascending, once. */
static int add_ids(struct identity *id, const uint32_t *ids, size_t n,
		   struct sbuf *err)
{
	struct gidlist gl = { id->groups, id->ngroups, id->ngroups };

	for (size_t i = 0; i < n; i++)
		if (gidlist_add(&gl, ids[i]) < 0) {
			id->groups = gl.ids;
			sbuf_str(err, "out of memory");
			return -1;
		}
	gidlist_normalize(&gl);
	id->groups = gl.ids;
	id->ngroups = gl.n;
	return too_many_groups(id, err) ? -1 : 0;
}

int resolve_group_add(struct identity *id, const char *list,
		      const struct userdb_paths *paths, struct sbuf *err)
{
	for (const char *p = list;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		struct spec_part g = { 0 };
		uint32_t gid;

		if (n > SPEC_NAME_MAX)
			n = SPEC_NAME_MAX + 1;	/* refused below, quoted short */
		memcpy(g.name, p, n < SPEC_NAME_MAX ? n : SPEC_NAME_MAX);
		if (n == 0 || n > SPEC_NAME_MAX ||
		    (idnum_is_digits(p, n) && idnum_parse(p, n, &gid) < 0)) {
			sbuf_fmt(err, "--group-add '%-s': not a group name or a gid (0 to "
				 IDNUM_STR(IDNUM_MAX_DIGITS) ")", g.name);
			return -1;
		}
		if (!idnum_is_digits(p, n) &&
		    find_group(&g, paths->group, &gid, err) < 0)
			return -1;
		if (add_ids(id, &gid, 1, err) < 0)
			return -1;
		if (!end)
			return 0;
		p = end + 1;
	}
}

int resolve_keep_groups(struct identity *id, const uint32_t *inherited,
			size_t n, const struct userdb_paths *paths,
			uint32_t **kept, size_t *nkept, struct sbuf *err)
{
	struct gidlist root = { 0 }, keep = { 0 };
	int r = find_memberships("root", paths->group, &root, err);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		size_t j = 0;

		while (j < root.n && root.ids[j] != inherited[i])
			j++;
		if (inherited[i] != 0 && j == root.n &&
		    gidlist_add(&keep, inherited[i]) < 0) {
			sbuf_str(err, "out of memory");
			r = -1;
		}
	}
	gidlist_free(&root);
	if (r >= 0 && add_ids(id, keep.ids, keep.n, err) < 0)
		r = -1;
	*kept = keep.ids;
	*nkept = keep.n;
	return r < 0 ? -1 : 0;
}
