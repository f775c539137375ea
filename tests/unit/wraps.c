#include "wraps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

struct sim sim;

static const char *const names[F_COUNT] = {
	"setgroups", "setresgid", "setresuid", "getresuid", "getresgid",
	"getgroups", "setuid", "setgid", "capget", "capset",
	"prctl(KEEPCAPS)", "prctl(CAPBSET_READ)", "prctl(CAPBSET_DROP)",
	"prctl(AMBIENT_CLEAR_ALL)", "prctl(AMBIENT_RAISE)",
	"prctl(AMBIENT_IS_SET)", "prctl(SET_NO_NEW_PRIVS)",
	"prctl(GET_NO_NEW_PRIVS)", "execve",
};

const char *sim_fn_name(enum sim_fn fn)
{
	return names[fn];
}

void sim_start_root(void)
{
	memset(&sim, 0, sizeof(sim));
	sim.on = 1;
	sim.eff = sim.prm = sim.bnd = SIM_ALL_CAPS;
	sim.groups[0] = 0;
	sim.ngroups = 1;
}

void sim_start_user(uid_t uid, gid_t gid)
{
	memset(&sim, 0, sizeof(sim));
	sim.on = 1;
	sim.r = sim.e = sim.s = uid;
	sim.rg = sim.eg = sim.sg = gid;
	sim.bnd = SIM_ALL_CAPS;
	sim.groups[0] = gid;
	sim.ngroups = 1;
}

void sim_fail(enum sim_fn fn, int nth, int err)
{
	sim.fail_at[fn] = nth;
	sim.fail_errno[fn] = err;
}

/* Count the call; 1 if it must fail now (errno set). */
static int injected(enum sim_fn fn)
{
	if (++sim.calls[fn] == sim.fail_at[fn]) {
		errno = sim.fail_errno[fn];
		return 1;
	}
	return 0;
}

static int has(unsigned cap)
{
	return (sim.eff >> cap) & 1;
}

static int eperm(void)
{
	errno = EPERM;
	return -1;
}

int __real_nr_setgroups(size_t n, const gid_t *list);
int __wrap_nr_setgroups(size_t n, const gid_t *list)
{
	if (!sim.on)
		return __real_nr_setgroups(n, list);
	if (injected(F_SETGROUPS))
		return -1;
	if (!has(CAP_SETGID))
		return eperm();
	if (n > sizeof(sim.groups) / sizeof(sim.groups[0])) {
		errno = EINVAL;
		return -1;
	}
	if (!sim.lie[F_SETGROUPS]) {
		memcpy(sim.groups, list, n * sizeof(*list));
		sim.ngroups = n;
	}
	return 0;
}

int __real_nr_setresgid(gid_t r, gid_t e, gid_t s);
int __wrap_nr_setresgid(gid_t r, gid_t e, gid_t s)
{
	if (!sim.on)
		return __real_nr_setresgid(r, e, s);
	if (injected(F_SETRESGID))
		return -1;
	if (!has(CAP_SETGID))
		return eperm();
	if (!sim.lie[F_SETRESGID]) {
		sim.rg = r;
		sim.eg = e;
		sim.sg = s;
	}
	return 0;
}

/* The kernel's cap_emulate_setxuid(): leaving uid 0 clears the effective
 * set, and the permitted set too unless KEEPCAPS is on. */
static void emulate_setxuid(uid_t or, uid_t oe, uid_t os)
{
	int was_root = or == 0 || oe == 0 || os == 0;
	int now_root = sim.r == 0 || sim.e == 0 || sim.s == 0;

	if (was_root && !now_root && !sim.keepcaps) {
		sim.prm = 0;
		sim.amb = 0;
	}
	if (oe == 0 && sim.e != 0)
		sim.eff = 0;
	if (oe != 0 && sim.e == 0)
		sim.eff = sim.prm;
	sim.amb &= sim.prm & sim.inh;
}

int __real_nr_setresuid(uid_t r, uid_t e, uid_t s);
int __wrap_nr_setresuid(uid_t r, uid_t e, uid_t s)
{
	uid_t or = sim.r, oe = sim.e, os = sim.s;

	if (!sim.on)
		return __real_nr_setresuid(r, e, s);
	if (injected(F_SETRESUID))
		return -1;
	if (!has(CAP_SETUID))
		return eperm();
	if (!sim.lie[F_SETRESUID]) {
		sim.r = r;
		sim.e = e;
		sim.s = s;
		emulate_setxuid(or, oe, os);
	}
	return 0;
}

int __real_getresuid(uid_t *r, uid_t *e, uid_t *s);
int __wrap_getresuid(uid_t *r, uid_t *e, uid_t *s)
{
	if (!sim.on)
		return __real_getresuid(r, e, s);
	if (injected(F_GETRESUID))
		return -1;
	*r = sim.r;
	*e = sim.e;
	*s = sim.s;
	return 0;
}

int __real_getresgid(gid_t *r, gid_t *e, gid_t *s);
int __wrap_getresgid(gid_t *r, gid_t *e, gid_t *s)
{
	if (!sim.on)
		return __real_getresgid(r, e, s);
	if (injected(F_GETRESGID))
		return -1;
	*r = sim.rg;
	*e = sim.eg;
	*s = sim.sg;
	return 0;
}

int __real_getgroups(int n, gid_t *list);
int __wrap_getgroups(int n, gid_t *list)
{
	if (!sim.on)
		return __real_getgroups(n, list);
	if (injected(F_GETGROUPS))
		return -1;
	if (n == 0)
		return (int)sim.ngroups;
	if ((size_t)n < sim.ngroups) {
		errno = EINVAL;
		return -1;
	}
	memcpy(list, sim.groups, sim.ngroups * sizeof(*list));
	return (int)sim.ngroups;
}

uid_t __real_getuid(void);
uid_t __wrap_getuid(void) { return sim.on ? sim.r : __real_getuid(); }
uid_t __real_geteuid(void);
uid_t __wrap_geteuid(void) { return sim.on ? sim.e : __real_geteuid(); }
gid_t __real_getgid(void);
gid_t __wrap_getgid(void) { return sim.on ? sim.rg : __real_getgid(); }
gid_t __real_getegid(void);
gid_t __wrap_getegid(void) { return sim.on ? sim.eg : __real_getegid(); }

unsigned long __real_getauxval(unsigned long type);
unsigned long __wrap_getauxval(unsigned long type)
{
	if (sim.on && type == AT_SECURE)
		return sim.secure;
	return __real_getauxval(type);
}

int __real_nr_setuid(uid_t uid);
int __wrap_nr_setuid(uid_t uid)
{
	if (!sim.on)
		return __real_nr_setuid(uid);
	if (injected(F_SETUID))
		return -1;
	if (sim.lie[F_SETUID])
		return 0;	/* a kernel that lets the drop be undone */
	if (!has(CAP_SETUID) && uid != sim.r && uid != sim.s)
		return eperm();
	sim.r = sim.e = sim.s = uid;
	return 0;
}

int __real_nr_setgid(gid_t gid);
int __wrap_nr_setgid(gid_t gid)
{
	if (!sim.on)
		return __real_nr_setgid(gid);
	if (injected(F_SETGID))
		return -1;
	if (sim.lie[F_SETGID])
		return 0;
	if (!has(CAP_SETGID) && gid != sim.rg && gid != sim.sg)
		return eperm();
	sim.rg = sim.eg = sim.sg = gid;
	return 0;
}

int __real_capget(cap_user_header_t h, cap_user_data_t d);
int __wrap_capget(cap_user_header_t h, cap_user_data_t d)
{
	if (!sim.on)
		return __real_capget(h, d);
	if (injected(F_CAPGET))
		return -1;
	d[0].effective = (uint32_t)sim.eff;
	d[1].effective = (uint32_t)(sim.eff >> 32);
	d[0].permitted = (uint32_t)sim.prm;
	d[1].permitted = (uint32_t)(sim.prm >> 32);
	d[0].inheritable = (uint32_t)sim.inh;
	d[1].inheritable = (uint32_t)(sim.inh >> 32);
	return 0;
}

static uint64_t join(uint32_t lo, uint32_t hi)
{
	return lo | (uint64_t)hi << 32;
}

/* The kernel's cap_capset() rules. */
static int capset_allowed(uint64_t eff, uint64_t prm, uint64_t inh)
{
	if (prm & ~sim.prm)
		return 0;
	if (eff & ~prm)
		return 0;
	if (!has(CAP_SETPCAP) && (inh & ~(sim.inh | sim.prm)))
		return 0;
	return (inh & ~(sim.inh | sim.bnd)) == 0;
}

int __real_capset(cap_user_header_t h, const cap_user_data_t d);
int __wrap_capset(cap_user_header_t h, const cap_user_data_t d)
{
	uint64_t eff, prm, inh;

	if (!sim.on)
		return __real_capset(h, d);
	if (injected(F_CAPSET))
		return -1;
	eff = join(d[0].effective, d[1].effective);
	prm = join(d[0].permitted, d[1].permitted);
	inh = join(d[0].inheritable, d[1].inheritable);
	if (!capset_allowed(eff, prm, inh))
		return eperm();
	if (!sim.lie[F_CAPSET]) {
		sim.eff = eff;
		sim.prm = prm;
		sim.inh = inh;
		sim.amb &= prm & inh;
	}
	return 0;
}

static int einval(void)
{
	errno = EINVAL;
	return -1;
}

static int fake_ambient(unsigned long op, unsigned long cap)
{
	enum sim_fn fn = op == PR_CAP_AMBIENT_RAISE ? F_PRCTL_AMB_RAISE
		       : op == PR_CAP_AMBIENT_IS_SET ? F_PRCTL_AMB_IS_SET
						     : F_PRCTL_AMB_CLEAR;

	if (injected(fn))
		return -1;
	if (op != PR_CAP_AMBIENT_CLEAR_ALL && cap > SIM_LAST_CAP)
		return einval();
	if (op == PR_CAP_AMBIENT_IS_SET)
		return (int)((sim.amb >> cap) & 1);
	if (sim.lie[fn])
		return 0;
	if (op == PR_CAP_AMBIENT_CLEAR_ALL) {
		sim.amb = 0;
		return 0;
	}
	if (!((sim.prm & sim.inh) >> cap & 1))
		return eperm();
	sim.amb |= 1ull << cap;
	return 0;
}

static int fake_bset(int option, unsigned long cap)
{
	enum sim_fn fn = option == PR_CAPBSET_READ ? F_PRCTL_BSET_READ
						   : F_PRCTL_BSET_DROP;

	if (injected(fn))
		return -1;
	if (cap > SIM_LAST_CAP)
		return einval();
	if (option == PR_CAPBSET_READ)
		return (int)((sim.bnd >> cap) & 1);
	if (!has(CAP_SETPCAP))
		return eperm();
	if (!sim.lie[fn])
		sim.bnd &= ~(1ull << cap);
	return 0;
}

static int fake_prctl(int option, unsigned long a2, unsigned long a3)
{
	switch (option) {
	case PR_SET_KEEPCAPS:
		if (injected(F_PRCTL_KEEPCAPS))
			return -1;
		if (!sim.lie[F_PRCTL_KEEPCAPS])
			sim.keepcaps = (int)a2;
		return 0;
	case PR_CAPBSET_READ:
	case PR_CAPBSET_DROP:
		return fake_bset(option, a2);
	case PR_CAP_AMBIENT:
		return fake_ambient(a2, a3);
	case PR_SET_NO_NEW_PRIVS:
		if (injected(F_PRCTL_SET_NNP))
			return -1;
		if (a2 != 1)
			return einval();
		if (!sim.lie[F_PRCTL_SET_NNP])
			sim.nnp = 1;
		return 0;
	case PR_GET_NO_NEW_PRIVS:
		return injected(F_PRCTL_GET_NNP) ? -1 : sim.nnp;
	}
	return einval();
}

int __real_prctl(int option, ...);
int __wrap_prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;

	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (!sim.on)
		return __real_prctl(option, a[0], a[1], a[2], a[3]);
	return fake_prctl(option, a[0], a[1]);
}

int __real_execve(const char *file, char *const argv[], char *const envp[]);
int __wrap_execve(const char *file, char *const argv[], char *const envp[])
{
	if (!sim.on)
		return __real_execve(file, argv, envp);
	(void)argv;
	(void)envp;
	if (sim.calls[F_EXECVE] < 8)
		snprintf(sim.exec_tried[sim.calls[F_EXECVE]], sizeof(sim.exec_tried[0]), "%s", file);
	sim.calls[F_EXECVE]++;
	errno = sim.exec_errno ? sim.exec_errno(file) :
		sim.fail_errno[F_EXECVE] ? sim.fail_errno[F_EXECVE] : ENOENT;
	return -1;
}
