/* libFuzzer harness: the input is a group file.
 *
 * userdb_gr_parse() runs on every line and must accept exactly the lines a
 * separate model accepts; userdb_gr_has_member(), userdb_group_by_name()
 * and userdb_memberships() are asked about names taken from the input and
 * compared with plain models over the parsed entries; the membership list
 * then goes through gidlist_normalize(). The raw input is also read as an
 * array of gids and normalized. Invariants: an entry's name is non-empty
 * without ':', its gid at most IDNUM_MAX; a normalized list keeps its
 * first (primary) gid first, the rest strictly ascending with no copy of
 * the primary, and holds exactly the gids it was given.
 *
 * Users are never empty here: resolve() asks for memberships only of a
 * passwd name, and userdb_pw_parse() refuses an empty one.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gidlist.h"
#include "idnum.h"
#include "userdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) ((c) ? (void)0 : abort())
#define NPROBE 4

struct entries {
	struct userdb_grent *e;
	size_t n, cap;
};

static void add_entry(struct entries *es, const struct userdb_grent *e)
{
	if (es->n == es->cap) {
		size_t ncap = es->cap ? es->cap * 2 : 64;
		struct userdb_grent *n = realloc(es->e, ncap * sizeof(*n));

		CHECK(n != NULL);
		es->e = n;
		es->cap = ncap;
	}
	es->e[es->n++] = *e;
}

/* Model of an entry line: 4 fields, a name not starting with '#' '+' '-',
 * no NUL, a gid of plain decimal up to IDNUM_MAX. */
static int model_gr_ok(const char *line, size_t len)
{
	const char *gid, *end;
	uint64_t v = 0;
	size_t colons = 0;

	if (len == 0 || memchr(line, '\0', len) || strchr("#+-:", line[0]))
		return 0;
	for (size_t i = 0; i < len; i++)
		colons += line[i] == ':';
	if (colons != 3)
		return 0;
	gid = strchr(strchr(line, ':') + 1, ':') + 1;
	end = strchr(gid, ':');
	if (gid == end)
		return 0;
	for (const char *p = gid; p < end; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > IDNUM_MAX)
			return 0;
	}
	return 1;
}

static void check_entry(const char *line, size_t len,
			const struct userdb_grent *e)
{
	CHECK(e->name == line);
	CHECK(e->name[0] != '\0' && strchr(e->name, ':') == NULL);
	CHECK(e->gid <= IDNUM_MAX);
	CHECK(e->members > line && e->members <= line + len);
	CHECK(strchr(e->members, ':') == NULL);
}

static void read_entries(struct userdb_reader *lr, struct entries *es)
{
	char *line;
	size_t len;
	int r;

	while ((r = userdb_reader_next(lr, &line, &len)) > 0) {
		struct userdb_grent e;

		int ok = model_gr_ok(line, len);

		CHECK(line[len] == '\0');
		CHECK((userdb_gr_parse(line, len, &e) == 0) == ok);
		if (ok) {
			check_entry(line, len, &e);
			add_entry(es, &e);
		}
	}
	CHECK(r == 0);
}

/* Model: split on every ',' (empty items included), compare exactly. */
static int model_has_member(const char *members, const char *user)
{
	size_t ulen = strlen(user);

	for (const char *p = members;; p++) {
		size_t n = strcspn(p, ",");

		if (n == ulen && strncmp(p, user, n) == 0)
			return 1;
		p += n;
		if (*p == '\0')
			return 0;
	}
}

/* The first non-empty member of a list, copied into out. */
static int first_member(const char *members, char *out, size_t cap)
{
	const char *p = members;
	size_t n;

	while (*p == ',')
		p++;
	n = strcspn(p, ",");
	if (n == 0 || n >= cap)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

static void check_by_name(const uint8_t *data, size_t size,
			  const struct entries *es, const char *name)
{
	const struct userdb_grent *want = NULL;
	struct userdb_reader lr;
	uint32_t gid = 0;
	int r;

	for (size_t i = 0; i < es->n && !want; i++)
		if (strcmp(es->e[i].name, name) == 0)
			want = &es->e[i];
	CHECK(userdb_reader_init_mem(&lr, (const char *)data, size) == 0);
	r = userdb_group_by_name(&lr, name, &gid);
	CHECK(r == (want != NULL));
	if (want)
		CHECK(gid == want->gid);
	userdb_reader_free(&lr);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/* gl was normalized from the n ids in given (given[0] the primary). */
static void check_normalized(const struct gidlist *gl, const uint32_t *given,
			     size_t n)
{
	uint32_t *sorted;

	if (n == 0) {
		CHECK(gl->n == 0);
		return;
	}
	CHECK(gl->n >= 1 && gl->n <= n && gl->ids[0] == given[0]);
	for (size_t i = 1; i < gl->n; i++) {
		CHECK(gl->ids[i] != given[0]);
		if (i > 1)
			CHECK(gl->ids[i - 1] < gl->ids[i]);
	}
	/* nothing lost, nothing invented */
	for (size_t i = 1; i < n; i++)
		CHECK(given[i] == given[0] ||
		      bsearch(&given[i], gl->ids + 1, gl->n - 1,
			      sizeof(*gl->ids), cmp_u32) != NULL);
	sorted = malloc(n * sizeof(*sorted));
	CHECK(sorted != NULL);
	memcpy(sorted, given, n * sizeof(*sorted));
	qsort(sorted + 1, n - 1, sizeof(*sorted), cmp_u32);
	for (size_t i = 1; i < gl->n; i++)
		CHECK(bsearch(&gl->ids[i], sorted + 1, n - 1, sizeof(*sorted),
			      cmp_u32) != NULL);
	free(sorted);
}

static void check_memberships(const uint8_t *data, size_t size,
			      const struct entries *es, const char *user,
			      uint32_t primary)
{
	struct gidlist gl = { 0 }, want = { 0 };
	struct userdb_reader lr;

	CHECK(gidlist_add(&gl, primary) == 0 && gidlist_add(&want, primary) == 0);
	for (size_t i = 0; i < es->n; i++) {
		int has = userdb_gr_has_member(es->e[i].members, user);

		CHECK(has == model_has_member(es->e[i].members, user));
		if (has)
			CHECK(gidlist_add(&want, es->e[i].gid) == 0);
	}
	CHECK(userdb_reader_init_mem(&lr, (const char *)data, size) == 0);
	CHECK(userdb_memberships(&lr, user, &gl) == 0);
	userdb_reader_free(&lr);
	/* file order, before normalizing */
	CHECK(gl.n == want.n &&
	      memcmp(gl.ids, want.ids, gl.n * sizeof(*gl.ids)) == 0);
	gidlist_normalize(&gl);
	check_normalized(&gl, want.ids, want.n);
	gidlist_free(&gl);
	gidlist_free(&want);
}

/* The raw bytes as gids (first one the primary). */
static void check_raw_gidlist(const uint8_t *data, size_t size)
{
	size_t n = size / 4 < 4096 ? size / 4 : 4096;
	struct gidlist gl = { 0 };
	uint32_t *given = malloc((n ? n : 1) * sizeof(*given));

	CHECK(given != NULL);
	for (size_t i = 0; i < n; i++) {
		/* small values too, so duplicates are common */
		memcpy(&given[i], data + 4 * i, 4);
		if (data[4 * i] & 1)
			given[i] &= 15;
		CHECK(gidlist_add(&gl, given[i]) == 0);
	}
	gidlist_normalize(&gl);
	check_normalized(&gl, given, n);
	gidlist_free(&gl);
	free(given);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct entries es = { 0 };
	struct userdb_reader lr;
	char user[256];

	CHECK(userdb_reader_init_mem(&lr, (const char *)data, size) == 0);
	read_entries(&lr, &es);
	for (size_t i = 0; i < es.n && i < NPROBE; i++) {
		uint32_t primary = es.e[i].gid;

		check_by_name(data, size, &es, es.e[i].name);
		/* a group name is often a user name too */
		check_memberships(data, size, &es, es.e[i].name, primary);
		if (first_member(es.e[i].members, user, sizeof(user)))
			check_memberships(data, size, &es, user,
					  es.e[(i + 1) % es.n].gid);
	}
	if (es.n > NPROBE)
		check_by_name(data, size, &es, es.e[es.n - 1].name);
	check_by_name(data, size, &es, "root");
	userdb_reader_free(&lr);
	free(es.e);
	check_raw_gidlist(data, size);
	return 0;
}
