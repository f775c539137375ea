/* libFuzzer harness: the input is a passwd file.
 *
 * Each run reads it twice in lockstep, once from memory
 * (userdb_reader_init_mem) and once through a memfd (userdb_reader_init_fd:
 * the growing, refilling reader), and checks both yield the lines a plain
 * model cuts from the raw bytes (split on '\n', one trailing '\r'
 * dropped); userdb_pw_parse() runs on each. Then
 * userdb_user_by_name()/userdb_user_by_id() are asked for names and uids
 * taken from the input (and raw first fields of lines that are not
 * entries) and compared with a plain first-match scan of the parsed
 * entries. Invariants: a line is NUL-terminated at its length;
 * userdb_pw_parse() accepts exactly the lines a separate model accepts; an
 * entry's name is non-empty without ':', its uid/gid at most IDNUM_MAX, its
 * fields inside the line; 4294967295 is never found.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* memfd_create */
#endif
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "idnum.h"
#include "userdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c) ((c) ? (void)0 : abort())
#define NPROBE 4

struct entries {
	struct userdb_pwent *e;
	size_t n, cap;
};

static int memfd = -1;

static void put_input(const uint8_t *data, size_t size)
{
	if (memfd < 0)
		memfd = memfd_create("fuzz-passwd", MFD_CLOEXEC);
	CHECK(memfd >= 0);
	CHECK(ftruncate(memfd, 0) == 0);
	CHECK(size == 0 || pwrite(memfd, data, size, 0) == (ssize_t)size);
	CHECK(lseek(memfd, 0, SEEK_SET) == 0);
}

/* Model of userdb_reader_next(): the text up to the next '\n' (or the
 * end), less one trailing '\r'. *off walks the raw input. */
static void check_line(const uint8_t *data, size_t size, size_t *off,
		       const char *line, size_t len)
{
	const uint8_t *nl = memchr(data + *off, '\n', size - *off);
	size_t want = nl ? (size_t)(nl - (data + *off)) : size - *off;

	CHECK(*off < size);
	if (want > 0 && data[*off + want - 1] == '\r')
		want--;
	CHECK(len == want && memcmp(line, data + *off, len) == 0);
	CHECK(line[len] == '\0');
	*off = nl ? (size_t)(nl - data) + 1 : size;
}

/* Model of an entry line: 7 fields, a name not starting with '#' '+' '-',
 * no NUL, uid and gid plain decimal up to IDNUM_MAX. */
static int model_id_ok(const char *s, size_t n)
{
	uint64_t v = 0;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if (v > IDNUM_MAX)
			return 0;
	}
	return 1;
}

static int model_pw_ok(const char *line, size_t len)
{
	size_t start[8], nf = 1;

	if (len == 0 || memchr(line, '\0', len) || strchr("#+-:", line[0]))
		return 0;
	start[0] = 0;
	for (size_t i = 0; i < len; i++) {
		if (line[i] != ':')
			continue;
		if (nf == 7)
			return 0;
		start[nf++] = i + 1;
	}
	if (nf != 7)
		return 0;
	start[7] = len + 1;
	return model_id_ok(line + start[2], start[3] - start[2] - 1) &&
	       model_id_ok(line + start[3], start[4] - start[3] - 1);
}

static void check_entry(const char *line, size_t len,
			const struct userdb_pwent *e)
{
	CHECK(e->name == line);
	CHECK(e->name[0] != '\0' && strchr(e->name, ':') == NULL);
	CHECK(e->uid <= IDNUM_MAX && e->gid <= IDNUM_MAX);
	CHECK(e->dir > line && e->dir <= line + len);
	CHECK(strchr(e->dir, ':') == NULL);
}

static void add_entry(struct entries *es, const struct userdb_pwent *e)
{
	if (es->n == es->cap) {
		size_t ncap = es->cap ? es->cap * 2 : 64;
		struct userdb_pwent *n = realloc(es->e, ncap * sizeof(*n));

		CHECK(n != NULL);
		es->e = n;
		es->cap = ncap;
	}
	es->e[es->n++] = *e;
}

/* Both readers must produce the same lines; entries are kept (they point
 * into mem's buffer, which never moves). */
static void read_both(const uint8_t *data, size_t size,
		      struct userdb_reader *mem, struct userdb_reader *fd,
		      struct entries *es)
{
	char *l1, *l2;
	size_t n1, n2, off = 0;
	int r1, r2;

	for (;;) {
		struct userdb_pwent e;
		int ok;

		r1 = userdb_reader_next(mem, &l1, &n1);
		r2 = userdb_reader_next(fd, &l2, &n2);
		CHECK(r1 == r2 && r1 >= 0);	/* no line reaches 16 MiB */
		if (r1 == 0) {
			CHECK(off == size);
			break;
		}
		CHECK(n1 == n2 && memcmp(l1, l2, n1) == 0);
		CHECK(mem->lineno == fd->lineno);
		check_line(data, size, &off, l1, n1);
		ok = model_pw_ok(l1, n1);
		CHECK((userdb_pw_parse(l1, n1, &e) == 0) == ok);
		if (ok) {
			check_entry(l1, n1, &e);
			add_entry(es, &e);
		}
	}
	CHECK(userdb_reader_next(mem, &l1, &n1) == 0 &&
	      userdb_reader_next(fd, &l2, &n2) == 0);
}

static const struct userdb_pwent *first_by_name(const struct entries *es,
					 const char *name)
{
	for (size_t i = 0; i < es->n; i++)
		if (strcmp(es->e[i].name, name) == 0)
			return &es->e[i];
	return NULL;
}

static const struct userdb_pwent *first_by_id(const struct entries *es,
					      uint32_t uid)
{
	for (size_t i = 0; i < es->n; i++)
		if (es->e[i].uid == uid)
			return &es->e[i];
	return NULL;
}

static void same_entry(const struct userdb_pwent *a,
		       const struct userdb_pwent *b)
{
	CHECK(strcmp(a->name, b->name) == 0);
	CHECK(a->uid == b->uid && a->gid == b->gid);
	CHECK(strcmp(a->dir, b->dir) == 0);
}

static void query_name(const uint8_t *data, size_t size,
		       const struct entries *es, const char *name)
{
	const struct userdb_pwent *want = first_by_name(es, name);
	struct userdb_reader lr;
	struct userdb_pwent e;
	int r;

	CHECK(userdb_reader_init_mem(&lr, (const char *)data, size) == 0);
	r = userdb_user_by_name(&lr, name, &e);
	CHECK(r == (want != NULL));
	if (want)
		same_entry(&e, want);
	userdb_reader_free(&lr);
}

static void query_id(const uint8_t *data, size_t size,
		     const struct entries *es, uint32_t uid)
{
	const struct userdb_pwent *want = first_by_id(es, uid);
	struct userdb_reader lr;
	struct userdb_pwent e;
	int r;

	CHECK(userdb_reader_init_mem(&lr, (const char *)data, size) == 0);
	r = userdb_user_by_id(&lr, uid, &e);
	CHECK(r == (want != NULL));
	if (want)
		same_entry(&e, want);
	userdb_reader_free(&lr);
}

/* Text before the first ':' of the first few raw lines, valid or not:
 * "+nis", "#x", "" and names with NUL bytes cut short. */
static size_t raw_first_fields(const uint8_t *data, size_t size,
			       char out[][64], size_t max)
{
	size_t n = 0, i = 0;

	while (i < size && n < max) {
		size_t k = 0;

		while (i < size && data[i] != ':' && data[i] != '\n' && k < 63)
			out[n][k++] = (char)data[i++];
		out[n][k] = '\0';
		out[n][strcspn(out[n], "\r")] = '\0';
		n++;
		while (i < size && data[i++] != '\n')
			;
	}
	return n;
}

static void queries(const uint8_t *data, size_t size, const struct entries *es)
{
	char raw[NPROBE][64];
	size_t nraw = raw_first_fields(data, size, raw, NPROBE);

	for (size_t i = 0; i < es->n && i < NPROBE; i++) {
		query_name(data, size, es, es->e[i].name);
		query_id(data, size, es, es->e[i].uid);
	}
	/* the last entry: found only if no earlier entry shares it */
	if (es->n > NPROBE) {
		query_name(data, size, es, es->e[es->n - 1].name);
		query_id(data, size, es, es->e[es->n - 1].uid);
	}
	for (size_t i = 0; i < nraw; i++)
		if (raw[i][0] != '\0')
			query_name(data, size, es, raw[i]);
	query_id(data, size, es, 0);
	query_id(data, size, es, IDNUM_MAX);
	query_id(data, size, es, 4294967295u);
	CHECK(first_by_id(es, 4294967295u) == NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct userdb_reader mem, fd;
	struct entries es = { 0 };

	put_input(data, size);
	CHECK(userdb_reader_init_mem(&mem, (const char *)data, size) == 0);
	userdb_reader_init_fd(&fd, memfd);
	read_both(data, size, &mem, &fd, &es);
	userdb_reader_free(&fd);
	queries(data, size, &es);
	userdb_reader_free(&mem);
	free(es.e);
	return 0;
}
