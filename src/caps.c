#include "caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <stdio.h>
#include <sys/types.h>
#include <linux/capability.h>
#include <string.h>

static void bad_cap(struct sbuf *err, const char *name, size_t n,
		    const char *why)
{
	sbuf_str(err, "--cap-keep: '");
	sbuf_quoted_n(err, name, n);
	sbuf_fmt(err, "' %s", why);
}

/* name: in lower case already */
static void add_name(struct capkeep *ck, const char *name)
{
	size_t have = strlen(ck->names);
	size_t n = strlen(name);

	/* every capability name fits: all 41 with commas are 421 bytes */
	if (have + n + 2 > sizeof(ck->names))
		return;
	if (have > 0)
		ck->names[have++] = ',';
	memcpy(ck->names + have, name, n + 1);
}

/* Capabilities that give back what the drop took: each is a known way to
 * become root again, or to read, write or own any file, process or device
 * as root would (capabilities(7); README "Capabilities" says why each is
 * here). setuid and setgid are refused even with --allow-root-caps. */
#define BIT(c) (1ull << (c))
static const uint64_t root_equivalent =
	BIT(CAP_CHOWN) | BIT(CAP_DAC_OVERRIDE) | BIT(CAP_DAC_READ_SEARCH) |
	BIT(CAP_FOWNER) | BIT(CAP_FSETID) | BIT(CAP_SETFCAP) |
	BIT(CAP_SETPCAP) | BIT(CAP_SYS_ADMIN) | BIT(CAP_SYS_MODULE) |
	BIT(CAP_SYS_RAWIO) | BIT(CAP_SYS_PTRACE) | BIT(CAP_BPF) |
	BIT(CAP_MKNOD) | BIT(CAP_LINUX_IMMUTABLE) | BIT(CAP_SYS_BOOT) |
	BIT(CAP_SYS_CHROOT) | BIT(CAP_MAC_ADMIN) | BIT(CAP_MAC_OVERRIDE);

static int add_one(const char *name, size_t n, struct capkeep *ck,
		   struct sbuf *err)
{
	char tmp[64], *low = tmp;
	int cap;

	if (n == 0) {
		sbuf_str(err, "--cap-keep: empty capability name in the list");
		return -1;
	}
	if (n >= sizeof(tmp)) {
		bad_cap(err, name, n, "is not a capability name");
		return -1;
	}
	/* lower case, as capng's names and --print's list are (ASCII only,
	 * as capng's strcasecmp compares) */
	for (size_t i = 0; i < n; i++)
		tmp[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] + 32) : name[i];
	tmp[n] = '\0';
	/* accept the kernel's spelling too: CAP_NET_BIND_SERVICE */
	if (strncmp(tmp, "cap_", 4) == 0)
		low += 4;
	cap = capng_name_to_capability(low);
	if (cap < 0 || cap > 63) {
		bad_cap(err, name, n, "is not a capability name (see capabilities(7))");
		return -1;
	}
	/* keeping these would let the command become root again, and the
	 * verify step (setuid(0) must fail) would refuse to exec anyway */
	if (cap == CAP_SETUID || cap == CAP_SETGID) {
		bad_cap(err, name, n, "would let the command regain root; refused");
		return -1;
	}
	if (!ck->allow_root_caps && (root_equivalent & BIT(cap))) {
		bad_cap(err, name, n, "is equivalent to root, see capabilities(7); "
				      "pass --allow-root-caps to keep it anyway");
		return -1;
	}
	if (!(ck->mask & (1ull << cap)))
		add_name(ck, low);
	ck->mask |= 1ull << cap;
	return 0;
}

int caps_parse_list(const char *list, struct capkeep *ck, struct sbuf *err)
{
	const char *p = list;

	for (;;) {
		const char *end = strchr(p, ',');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if (add_one(p, n, ck, err) < 0)
			return -1;
		if (!end)
			return 0;
		p = end + 1;
	}
}

/* capng_capability_to_name formats a capability it has no name for as
 * "cap_N" with asprintf, which would link all of printf (~10 KiB of the
 * 64 KiB budget); the product's link wraps it to this (Makefile), and
 * caps_names prints the number itself. */
int __wrap_asprintf(char **s, const char *fmt, ...);
int __wrap_asprintf(char **s, const char *fmt, ...)
{
	(void)fmt;
	*s = NULL;
	return -1;
}

/* cap-ng.o also holds the functions that print, apply from or read files,
 * log to syslog and change ids through NSS (capng_print_caps_*,
 * capng_apply's bounding-set report, capng_change_id, ...). nrexec calls
 * none of them, and --gc-sections drops them, but the archive members of
 * what they call are linked before that: all of musl's stdio, syslog and
 * getpw*, and with them an exit-time stdout flush that stays (~1.5 KiB).
 * The musl link wraps those names to these stand-ins (MUSL_LDFLAGS), which
 * fail if ever called and are dropped like their callers. */
int __wrap_printf(const char *fmt, ...);
int __wrap_printf(const char *fmt, ...)
{
	(void)fmt;
	return -1;
}

int __wrap_snprintf(char *s, size_t n, const char *fmt, ...);
int __wrap_snprintf(char *s, size_t n, const char *fmt, ...)
{
	(void)fmt;
	if (n > 0)
		s[0] = '\0';
	return -1;
}

int __wrap_sprintf(char *s, const char *fmt, ...);
int __wrap_sprintf(char *s, const char *fmt, ...)
{
	(void)fmt;
	s[0] = '\0';
	return -1;
}

int __wrap_sscanf(const char *s, const char *fmt, ...);
int __wrap_sscanf(const char *s, const char *fmt, ...)
{
	(void)s;
	(void)fmt;
	return EOF;
}

void __wrap_syslog(int prio, const char *fmt, ...);
void __wrap_syslog(int prio, const char *fmt, ...)
{
	(void)prio;
	(void)fmt;
}

FILE *__wrap_fopen(const char *path, const char *mode);
FILE *__wrap_fopen(const char *path, const char *mode)
{
	(void)path;
	(void)mode;
	errno = ENOSYS;
	return NULL;
}

char *__wrap_fgets(char *s, int n, FILE *f);
char *__wrap_fgets(char *s, int n, FILE *f)
{
	(void)s;
	(void)n;
	(void)f;
	return NULL;
}

int __wrap_fclose(FILE *f);
int __wrap_fclose(FILE *f)
{
	(void)f;
	return EOF;
}

int __wrap___fsetlocking(FILE *f, int type);
int __wrap___fsetlocking(FILE *f, int type)
{
	(void)f;
	(void)type;
	return 0;
}

struct passwd *__wrap_getpwuid(uid_t uid);
struct passwd *__wrap_getpwuid(uid_t uid)
{
	(void)uid;
	errno = ENOSYS;
	return NULL;
}

int __wrap_initgroups(const char *user, gid_t gid);
int __wrap_initgroups(const char *user, gid_t gid)
{
	(void)user;
	(void)gid;
	errno = ENOSYS;
	return -1;
}

void caps_names(struct sbuf *b, uint64_t mask)
{
	const char *sep = "";

	if (mask == 0)
		sbuf_str(b, "none");
	for (unsigned c = 0; c < 64; c++) {
		const char *name;

		if (!(mask >> c & 1))
			continue;
		sbuf_str(b, sep);
		sep = ",";
		name = capng_capability_to_name(c);
		if (name)
			sbuf_str(b, name);
		else
			sbuf_u64(b, c);
	}
}
