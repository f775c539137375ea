#include "cpubudget.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <unistd.h>

/* The decimal number at s, saturating at UINT64_MAX; returns the text
 * after it, or NULL when s does not start with a digit. */
static const char *take_num(const char *s, uint64_t *v)
{
	if (*s < '0' || *s > '9')
		return NULL;
	for (*v = 0; *s >= '0' && *s <= '9'; s++)
		*v = *v > (UINT64_MAX - 9) / 10 ? UINT64_MAX : *v * 10 + (uint64_t)(*s - '0');
	return s;
}

static int at_end(const char *s)
{
	return s != NULL && (s[0] == '\0' || (s[0] == '\n' && s[1] == '\0'));
}

static unsigned whole_cpus(uint64_t quota, uint64_t period)
{
	uint64_t n;

	if (quota == 0 || period == 0)
		return 0;
	n = quota / period + (quota % period != 0); /* rounded up, no overflow */
	return n < UINT_MAX ? (unsigned)n : UINT_MAX;
}

unsigned cpubudget_v2(const char *cpu_max)
{
	uint64_t quota, period;
	const char *p = take_num(cpu_max, &quota);

	if (p == NULL || *p != ' ')
		return 0; /* "max PERIOD" and garbage alike */
	p = take_num(p + 1, &period);
	return at_end(p) ? whole_cpus(quota, period) : 0;
}

unsigned cpubudget_v1(const char *quota, const char *period)
{
	uint64_t q, per;

	if (!at_end(take_num(quota, &q)) || !at_end(take_num(period, &per)))
		return 0; /* "-1" (no quota) and garbage alike */
	return whole_cpus(q, per);
}

/* A small file's first bytes, NUL-terminated in buf; "" if unreadable. */
static const char *read_small(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

unsigned cpubudget_cpus(unsigned most)
{
	char b1[64], b2[32];
	unsigned n = most, quota;
	cpu_set_t set;

	if (*read_small("/sys/fs/cgroup/cpu.max", b1, sizeof(b1)) != '\0')
		quota = cpubudget_v2(b1);
	else
		quota = cpubudget_v1(read_small("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", b1, sizeof(b1)),
				     read_small("/sys/fs/cgroup/cpu/cpu.cfs_period_us", b2, sizeof(b2)));
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && (unsigned)CPU_COUNT(&set) < n)
		n = (unsigned)CPU_COUNT(&set);
	if (quota > 0 && quota < n)
		n = quota;
	return n > 0 ? n : 1;
}
