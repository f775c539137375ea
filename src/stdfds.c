#include "stdfds.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Unix98 pseudo-terminal slaves: majors 136-143. Docker, Podman and runc
 * bind-mount the container's terminal (-t) over /dev/console; a terminal
 * that is not the console is someone else's and is never given away. */
static int is_container_tty(const struct stat *st)
{
	struct stat con;

	return S_ISCHR(st->st_mode) && major(st->st_rdev) >= 136 &&
	       major(st->st_rdev) <= 143 && stat("/dev/console", &con) == 0 &&
	       S_ISCHR(con.st_mode) && con.st_rdev == st->st_rdev;
}

/* An anonymous pipe (the runtime's stdio), not a named FIFO: S_ISFIFO
 * is true of both, and a FIFO is an inode in some directory, outside
 * every --chown PATH. */
static int is_pipe(int fd, const struct stat *st)
{
	struct statfs sf;

	return S_ISFIFO(st->st_mode) && fstatfs(fd, &sf) == 0 &&
	       (uint32_t)sf.f_type == 0x50495045u;	/* PIPEFS_MAGIC */
}

void stdfds_give(uint32_t uid, uint32_t gid, struct sbuf *log)
{
	for (int fd = 0; fd < 3; fd++) {
		struct stat st;
		int tty, r;

		if (fstat(fd, &st) < 0)
			continue;
		tty = is_container_tty(&st);
		if (!tty && !is_pipe(fd, &st))
			continue;
		if (st.st_uid == uid && (tty || st.st_gid == gid))
			continue;
		/* fchownat, which the --chown walk links anyway: musl's fchown
		 * adds a /proc/self/fd fallback for O_PATH fds, not needed here */
		r = fchownat(fd, "", uid, tty ? (gid_t)-1 : gid, AT_EMPTY_PATH);
		if (!log)
			continue;
		sbuf_fmt(log, "nrexec: fd %u (%s)", (unsigned)fd,
			 tty ? "the container's terminal" : "a pipe");
		if (r == 0)
			sbuf_fmt(log, " given to uid %u\n", uid);
		else
			sbuf_fmt(log, " left as it is: %m\n");
	}
}
