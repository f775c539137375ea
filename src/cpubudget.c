#include "cpubudget.h"

#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
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

/* The number at s followed by one of the characters in ends ("" counts:
 * the string's NUL ends every list). */
static int num_then(const char *s, const char *ends, uint64_t *v)
{
	s = take_num(s, v);
	return s != NULL && strchr(ends, *s) != NULL && (*s != '\n' || s[1] == '\0');
}

/* quota over period in whole CPUs, rounded up; 0 for no quota */
static unsigned whole_cpus(const char *quota, const char *qends, const char *period)
{
	uint64_t q, p, n;

	if (period == NULL || !num_then(quota, qends, &q) || !num_then(period, "\n", &p) ||
	    q == 0 || p == 0)
		return 0;
	n = (q - 1) / p + 1;
	return n < UINT_MAX ? (unsigned)n : UINT_MAX;
}

unsigned cpubudget_v2(const char *cpu_max)
{
	const char *sp = strchr(cpu_max, ' ');

	return whole_cpus(cpu_max, " ", sp != NULL ? sp + 1 : NULL);
}

unsigned cpubudget_v1(const char *quota, const char *period)
{
	return whole_cpus(quota, "\n", period); /* "-1": no quota */
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
