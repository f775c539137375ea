#include "cpubudget.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/syscall.h>
#include <stdint.h>
#include <unistd.h>

/* The decimal number at *s, moved past it. Digits past 2^50 are left
 * unread: what follows them is then no separator, and the text counts as
 * no quota (no kernel writes such a number). */
static uint64_t take_num(const char **s)
{
	uint64_t v = 0;

	while (**s >= '0' && **s <= '9' && v < (1ull << 50))
		v = v * 10 + (uint64_t)(*(*s)++ - '0');
	return v;
}

/* "QUOTA<sep>" at quota and "PERIOD" at period (v2: right after sep):
 * whole CPUs, rounded up; 0 for no quota. */
static unsigned ratio(const char *quota, char sep, const char *period)
{
	const char *s = quota;
	uint64_t q = take_num(&s), p;

	if (s == quota || *s != sep)
		return 0;
	if (sep == ' ')
		period = s + 1;
	s = period;
	p = take_num(&s);
	if (s == period || (*s != '\n' && *s != '\0') || q == 0 || p == 0)
		return 0;
	q = (q - 1) / p + 1;
	return q < UINT_MAX ? (unsigned)q : UINT_MAX;
}

unsigned cpubudget_v2(const char *cpu_max)
{
	return ratio(cpu_max, ' ', NULL); /* "max PERIOD": no quota */
}

unsigned cpubudget_v1(const char *quota, const char *period)
{
	return ratio(quota, '\n', period); /* "-1": no quota */
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

/* CPUs in this thread's affinity mask. The raw call and a plain count:
 * musl's sched_getaffinity and CPU_COUNT cost ~200 bytes more. The kernel
 * writes as many bytes of the mask as it has CPUs for and returns that
 * count. */
static unsigned affinity_cpus(void)
{
	unsigned long mask[1024 / (8 * sizeof(unsigned long))] = { 0 };
	long got = syscall(SYS_sched_getaffinity, 0L, (long)sizeof(mask), mask);
	unsigned n = 0;

	for (long i = 0; i < got / (long)sizeof(mask[0]); i++)
		for (unsigned long m = mask[i]; m != 0; m &= m - 1)
			n++;
	return n;
}

unsigned cpubudget_cpus(unsigned most)
{
	char b1[64], b2[32];
	unsigned n = most, quota, cpus = affinity_cpus();

	if (*read_small("/sys/fs/cgroup/cpu.max", b1, sizeof(b1)) != '\0')
		quota = cpubudget_v2(b1);
	else
		quota = cpubudget_v1(read_small("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", b1, sizeof(b1)),
				     read_small("/sys/fs/cgroup/cpu/cpu.cfs_period_us", b2, sizeof(b2)));
	if (cpus > 0 && cpus < n)
		n = cpus;
	if (quota > 0 && quota < n)
		n = quota;
	return n > 0 ? n : 1;
}
