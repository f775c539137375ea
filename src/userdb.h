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

#include "gidlist.h"
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
#define USERDB_READER_FIRST_CAP 4096u

struct userdb_reader {
	int fd;			/* -1 when reading from memory */
	char *buf;		/* first, or malloc'd */
	size_t cap;		/* usable bytes of buf (one more is allocated) */
	size_t len;		/* bytes held */
	size_t pos;		/* start of the next line */
	int eof;
	unsigned long lineno;
	unsigned long long total;	/* bytes read from fd so far */
	/* buf points here: never copy a reader */
	char first[USERDB_READER_FIRST_CAP + 1];
};

/* Open a passwd/group file. Returns 1 and the fd, 0 when the file does not
 * exist (normal in scratch images), -1 with errno on any other failure;
 * anything but a regular file (a FIFO, /dev/zero, a directory) is refused
 * with EINVAL before a read can block or run forever. */
int userdb_open(const char *path, int *fd);

void userdb_reader_init_fd(struct userdb_reader *lr, int fd);
/* Test-only (unit tests and the fuzz harnesses; nrexec reads files):
 * reads a private copy of text; returns 0 or -1 (ENOMEM). */
int userdb_reader_init_mem(struct userdb_reader *lr, const char *text,
			   size_t len);
/* Next line without its '\n' (and without a trailing '\r'), NUL-terminated
 * in place. Returns 1, 0 at end of file, -1 with errno (EFBIG: line longer
 * than USERDB_LINE_MAX; EOVERFLOW: file longer than USERDB_FILE_MAX; or the
 * read error). */
int userdb_reader_next(struct userdb_reader *lr, char **line, size_t *len);
void userdb_reader_free(struct userdb_reader *lr);

struct userdb_pwent {
	const char *name;
	uint32_t uid;
	uint32_t gid;
	const char *dir;
};

struct userdb_grent {
	const char *name;
	uint32_t gid;
	const char *members;	/* comma-separated, may be "" */
};

/* Split one line in place. Returns 0, or -1 for a line that is not an
 * entry: blank, '#' comment, NIS '+'/'-' compat line, wrong field count,
 * empty name, a NUL byte, or an id that is not 0 … 4294967294. Such lines
 * are skipped, as glibc skips malformed lines. */
int userdb_pw_parse(char *line, size_t len, struct userdb_pwent *e);
int userdb_gr_parse(char *line, size_t len, struct userdb_grent *e);
/* Whether the comma-separated list names user exactly. */
int userdb_gr_has_member(const char *members, const char *user);

/* Queries. Each returns 1 found, 0 not found, -1 with errno (read error,
 * EFBIG). The first matching entry wins, as with getpwnam. */
int userdb_user_by_name(struct userdb_reader *lr, const char *name,
			struct userdb_pwent *e);
int userdb_user_by_id(struct userdb_reader *lr, uint32_t uid,
		      struct userdb_pwent *e);
int userdb_group_by_name(struct userdb_reader *lr, const char *name,
			 uint32_t *gid);

/* Ids of every group whose member list names user, appended to gl. */
int userdb_memberships(struct userdb_reader *lr, const char *user,
		       struct gidlist *gl);

#endif
