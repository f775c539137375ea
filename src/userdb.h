/* /etc/passwd and /etc/group, read by nrexec itself.
 *
 * getpwnam/getgrouplist load NSS modules, which a static binary must never
 * do, and distroless/scratch images often have no such files at all. This
 * module reads the files line by line with a bounded buffer: memory is
 * limited by the longest line, time is one pass per question.
 */
#ifndef NREXEC_USERDB_H
#define NREXEC_USERDB_H

#include <stddef.h>
#include <stdint.h>

#include "sbuf.h"

/* A line longer than this is refused (memory stays bounded whatever the
 * file holds); a group with 100,000 members is about 1 MiB. */
#define USERDB_LINE_MAX (16u << 20)
/* Reading stops with EOVERFLOW past this many bytes, so time is bounded
 * too: a real /etc/group of a million users is under 100 MiB. */
#define USERDB_FILE_MAX (256ull << 20)

/* A file reader starts in a buffer of its own, not malloc's: real lines
 * fit, and musl's malloc would mmap and munmap a 16 KiB chunk for it. A
 * longer line moves the buffer to the heap. */
#define LR_FIRST_CAP 4096u

struct linereader {
	int fd;			/* -1 when reading from memory */
	char *buf;		/* first, or malloc'd */
	size_t cap;		/* usable bytes of buf (one more is allocated) */
	size_t len;		/* bytes held */
	size_t pos;		/* start of the next line */
	int eof;
	unsigned long lineno;
	unsigned long long total;	/* bytes read from fd so far */
	char first[LR_FIRST_CAP + 1];	/* buf points here: never copy a reader */
};

/* Open a passwd/group file. Returns 1 and the fd, 0 when the file does not
 * exist (normal in scratch images), -1 with errno on any other failure;
 * anything but a regular file (a FIFO, /dev/zero, a directory) is refused
 * with EINVAL before a read can block or run forever. */
int userdb_open(const char *path, int *fd);

void lr_init_fd(struct linereader *lr, int fd);
/* Test-only (unit tests and the fuzz harnesses; nrexec reads files):
 * reads a private copy of text; returns 0 or -1 (ENOMEM). */
int lr_init_mem(struct linereader *lr, const char *text, size_t len);
/* Next line without its '\n' (and without a trailing '\r'), NUL-terminated
 * in place. Returns 1, 0 at end of file, -1 with errno (EFBIG: line longer
 * than USERDB_LINE_MAX; EOVERFLOW: file longer than USERDB_FILE_MAX; or the
 * read error). */
int lr_next(struct linereader *lr, char **line, size_t *len);
void lr_free(struct linereader *lr);

struct pwent {
	const char *name;
	uint32_t uid;
	uint32_t gid;
	const char *dir;
};

struct grent {
	const char *name;
	uint32_t gid;
	const char *members;	/* comma-separated, may be "" */
};

/* Split one line in place. Returns 0, or -1 for a line that is not an
 * entry: blank, '#' comment, NIS '+'/'-' compat line, wrong field count,
 * empty name, a NUL byte, or an id that is not 0 … 4294967294. Such lines
 * are skipped, as glibc skips malformed lines. */
int pw_parse(char *line, size_t len, struct pwent *e);
int gr_parse(char *line, size_t len, struct grent *e);
/* Whether the comma-separated list names user exactly. */
int gr_has_member(const char *members, const char *user);

/* Queries. Each returns 1 found, 0 not found, -1 with errno (read error,
 * EFBIG). The first matching entry wins, as with getpwnam. */
int userdb_user_by_name(struct linereader *lr, const char *name,
			struct pwent *e);
int userdb_user_by_id(struct linereader *lr, uint32_t uid, struct pwent *e);
int userdb_group_by_name(struct linereader *lr, const char *name,
			 uint32_t *gid);

/* Ids of every group whose member list names user, appended to list. */
struct gidlist {
	uint32_t *ids;
	size_t n;
	size_t cap;
};
/* The kernel's NGROUPS_MAX. */
#define GIDLIST_MAX 65536u
int gidlist_add(struct gidlist *gl, uint32_t gid);
/* Sort all entries after the first and drop duplicates of any entry. */
void gidlist_normalize(struct gidlist *gl);
void gidlist_free(struct gidlist *gl);
int userdb_memberships(struct linereader *lr, const char *user,
		       struct gidlist *gl);

#endif
