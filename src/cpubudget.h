/* How many CPUs' worth of time this process may use: its affinity mask
 * and its cgroup's CPU quota (docker --cpus, a Kubernetes CPU limit),
 * which sched_getaffinity does not see. main uses it to size the --chown
 * walk (struct vol_request's walkers).
 */
#ifndef NREXEC_CPUBUDGET_H
#define NREXEC_CPUBUDGET_H

/* Pure parsers of the cgroup files' text. Each returns the quota in whole
 * CPUs, rounded up (at most UINT_MAX), or 0 for no quota: "max", "-1", a
 * zero, a number past 2^50, or text that is not what the kernel writes.
 * cgroup v2 cpu.max: "QUOTA PERIOD\n". */
unsigned cpubudget_v2(const char *cpu_max);
/* cgroup v1: cpu.cfs_quota_us and cpu.cfs_period_us, "NUMBER\n" each. */
unsigned cpubudget_v1(const char *quota, const char *period);

/* CPUs this process may use, at least 1 and at most `most`: the affinity
 * mask and the quota of /sys/fs/cgroup (with a cgroup namespace, the
 * container's own: cpu.max, else cpu/cpu.cfs_*). Unreadable: no limit. */
unsigned cpubudget_cpus(unsigned most);

#endif
