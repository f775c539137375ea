#include "userdb.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "idnum.h"

int userdb_open(const char *path, int *fd)
{
	struct stat st;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer */
	int f = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (f < 0)
		return errno == ENOENT ? 0 : -1;
	st.st_mode = 0;
	errno = 0;
	if (fstat(f, &st) < 0 || !S_ISREG(st.st_mode)) {
		/* fstat's own errno, or why the file is not acceptable */
		int e = st.st_mode == 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : EINVAL;

		close(f);
		errno = e;
		return -1;
	}
	/* refused at once, not after reading 256 MiB (the read loop still
	 * counts, for a file that grows or lies about its size) */
	if ((unsigned long long)st.st_size > USERDB_FILE_MAX) {
		close(f);
		errno = EOVERFLOW;
		return -1;
	}
	*fd = f;
	return 1;
}

void userdb_reader_init_fd(struct userdb_reader *lr, int fd)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = fd;
}

int userdb_reader_init_mem(struct userdb_reader *lr, const char *text,
			   size_t len)
{
	memset(lr, 0, sizeof(*lr));
	lr->fd = -1;
	/* a private copy: lines are split in place */
	lr->buf = malloc(len + 1);
	if (!lr->buf)
		return -1;
	memcpy(lr->buf, text, len);
	lr->len = lr->cap = len;
	lr->eof = 1;
	return 0;
}

void userdb_reader_free(struct userdb_reader *lr)
{
	if (lr->buf != lr->first)
		free(lr->buf);
	lr->buf = NULL;
}

/* A bigger heap buffer holding what buf holds. */
static char *reader_realloc(struct userdb_reader *lr, size_t size)
{
	char *nbuf;

	if (lr->buf != lr->first)
		return realloc(lr->buf, size);
	nbuf = malloc(size);
	if (nbuf)
		memcpy(nbuf, lr->first, lr->len);
	return nbuf;
}

/* Make room for at least one more byte after len. */
static int reader_grow(struct userdb_reader *lr)
{
	size_t ncap;
	char *nbuf;

	if (lr->pos > 0) {
		/* a forward copy (the source is above the destination):
		 * musl's memmove is 0.4 KiB of C on s390x and ppc64le */
		for (size_t i = lr->pos; i < lr->len; i++)
			lr->buf[i - lr->pos] = lr->buf[i];
		lr->len -= lr->pos;
		lr->pos = 0;
		if (lr->len < lr->cap)
			return 0;
	}
	if (lr->cap == 0) {
		lr->buf = lr->first;
		lr->cap = USERDB_READER_FIRST_CAP;
		return 0;
	}
	if (lr->cap > USERDB_LINE_MAX) {
		errno = EFBIG;
		return -1;
	}
	ncap = lr->cap * 2;
	/* room for a line of exactly USERDB_LINE_MAX bytes and its '\n',
	 * as the memory reader allows */
	if (ncap > USERDB_LINE_MAX + 1)
		ncap = USERDB_LINE_MAX + 1;
	nbuf = reader_realloc(lr, ncap + 1);
	if (!nbuf)
		return -1;
	lr->buf = nbuf;
	lr->cap = ncap;
	return 0;
}

static int reader_fill(struct userdb_reader *lr)
{
	ssize_t n;

	if (lr->len == lr->cap && reader_grow(lr) < 0)
		return -1;
	do
		n = read(lr->fd, lr->buf + lr->len, lr->cap - lr->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if (n == 0)
		lr->eof = 1;
	lr->len += (size_t)n;
	lr->total += (unsigned long long)n;
	if (lr->total > USERDB_FILE_MAX) {
		errno = EOVERFLOW;
		return -1;
	}
	return 0;
}

int userdb_reader_next(struct userdb_reader *lr, char **line, size_t *len)
{
	char *nl;
	size_t n;

	for (;;) {
		/* memchr, a word at a time: this search crosses the whole
		 * file, however short its lines (a byte loop, 0.1 to 0.25 KiB
		 * less with musl, made a 10,000-line passwd 0.4 ms slower;
		 * BENCHMARKS.md). A fresh fd reader has no buffer yet:
		 * memchr(NULL, c, 0) is undefined (UBSan reports it). */
		nl = lr->pos < lr->len
			     ? memchr(lr->buf + lr->pos, '\n', lr->len - lr->pos)
			     : NULL;
		if (nl || lr->eof)
			break;
		if (reader_fill(lr) < 0)
			return -1;
	}
	if (!nl && lr->pos == lr->len)
		return 0;
	n = nl ? (size_t)(nl - (lr->buf + lr->pos)) : lr->len - lr->pos;
	if (n > USERDB_LINE_MAX) {
		errno = EFBIG;
		return -1;
	}
	*line = lr->buf + lr->pos;
	lr->pos += n + (nl ? 1 : 0);
	lr->lineno++;
	/* CRLF files (edited on Windows) would otherwise end the last
	 * member name or the shell with '\r' */
	if (n > 0 && (*line)[n - 1] == '\r')
		n--;
	(*line)[n] = '\0';
	*len = n;
	return 1;
}

/* Cut line into exactly nf ':'-separated fields. */
static int split_fields(char *line, char **f, int nf)
{
	int i = 0;

	f[i++] = line;
	for (char *p = line; *p != '\0'; p++) {
		if (*p != ':')
			continue;
		if (i == nf)
			return -1;
		*p = '\0';
		f[i++] = p + 1;
	}
	return i == nf ? 0 : -1;
}

/* Lines that can never be an entry; see userdb_pw_parse() in userdb.h. */
static int not_an_entry(const char *line, size_t len)
{
	return len == 0 || line[0] == '#' || line[0] == '+' || line[0] == '-' ||
	       line[0] == ':' || memchr(line, '\0', len) != NULL;
}

static int parse_id(const char *s, uint32_t *id)
{
	return idnum_parse(s, strlen(s), id);
}

int userdb_pw_parse(char *line, size_t len, struct userdb_pwent *e)
{
	char *f[7];

	if (not_an_entry(line, len) || split_fields(line, f, 7) < 0)
		return -1;
	if (parse_id(f[2], &e->uid) < 0 || parse_id(f[3], &e->gid) < 0)
		return -1;
	e->name = f[0];
	e->dir = f[5];
	return 0;
}

int userdb_gr_parse(char *line, size_t len, struct userdb_grent *e)
{
	char *f[4];

	if (not_an_entry(line, len) || split_fields(line, f, 4) < 0)
		return -1;
	if (parse_id(f[2], &e->gid) < 0)
		return -1;
	e->name = f[0];
	e->members = f[3];
	return 0;
}

int userdb_gr_has_member(const char *members, const char *user)
{
	size_t ulen = strlen(user);
	const char *p = members;

	while (*p != '\0') {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (n == ulen && memcmp(p, user, n) == 0)
			return 1;
		if (!end)
			break;
		p = end + 1;
	}
	return 0;
}

int userdb_user_by_name(struct userdb_reader *lr, const char *name,
			struct userdb_pwent *e)
{
	char *line;
	size_t len;
	int r;

	while ((r = userdb_reader_next(lr, &line, &len)) > 0)
		if (userdb_pw_parse(line, len, e) == 0 && strcmp(e->name, name) == 0)
			return 1;
	return r;
}

int userdb_user_by_id(struct userdb_reader *lr, uint32_t uid,
		      struct userdb_pwent *e)
{
	char *line;
	size_t len;
	int r;

	while ((r = userdb_reader_next(lr, &line, &len)) > 0)
		if (userdb_pw_parse(line, len, e) == 0 && e->uid == uid)
			return 1;
	return r;
}

int userdb_group_by_name(struct userdb_reader *lr, const char *name,
			 uint32_t *gid)
{
	struct userdb_grent g;
	char *line;
	size_t len;
	int r;

	while ((r = userdb_reader_next(lr, &line, &len)) > 0) {
		if (userdb_gr_parse(line, len, &g) == 0 && strcmp(g.name, name) == 0) {
			*gid = g.gid;
			return 1;
		}
	}
	return r;
}

int userdb_memberships(struct userdb_reader *lr, const char *user,
		       struct gidlist *gl)
{
	struct userdb_grent g;
	char *line;
	size_t len;
	int r;

	while ((r = userdb_reader_next(lr, &line, &len)) > 0)
		if (userdb_gr_parse(line, len, &g) == 0 &&
		    userdb_gr_has_member(g.members, user) && gidlist_add(gl, g.gid) < 0)
			return -1;
	return r < 0 ? -1 : 0;
}
