/* A simulated kernel for the credential calls, linked in with --wrap (the
 * id setters under src/sys.c's names, nr_setresuid etc.).
 *
 * Off (sim.on == 0) every wrapper calls the real function, so tests of
 * pure modules are unaffected. On, the wrappers act on the sim state with
 * the kernel's rules for ids and capabilities (setresuid clearing the
 * effective set, KEEPCAPS, capset subset rules, CAP_SETPCAP for the
 * bounding set, ambient needing permitted+inheritable), so the drop
 * sequence runs as if root without touching the test process. Each
 * function can be made to fail on its n-th call, or to "lie": report
 * success without changing anything, which only verification can catch.
 */
#ifndef NREXEC_TEST_WRAPS_H
#define NREXEC_TEST_WRAPS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum sim_fn {
	F_SETGROUPS, F_SETRESGID, F_SETRESUID, F_GETRESUID, F_GETRESGID,
	F_GETGROUPS, F_SETUID, F_SETGID, F_CAPGET, F_CAPSET,
	F_PRCTL_KEEPCAPS, F_PRCTL_BSET_READ, F_PRCTL_BSET_DROP,
	F_PRCTL_AMB_CLEAR, F_PRCTL_AMB_RAISE, F_PRCTL_AMB_IS_SET,
	F_PRCTL_SET_NNP, F_PRCTL_GET_NNP, F_EXECVE,
	F_COUNT
};

#define SIM_LAST_CAP 40u
#define SIM_ALL_CAPS ((1ull << (SIM_LAST_CAP + 1)) - 1)

struct sim {
	int on;
	uid_t r, e, s;
	gid_t rg, eg, sg;
	gid_t groups[128];
	size_t ngroups;
	uint64_t eff, prm, inh, amb, bnd;
	int nnp, keepcaps;
	unsigned long secure;		/* getauxval(AT_SECURE) */
	int calls[F_COUNT];
	int fail_at[F_COUNT];		/* fail the n-th call (1-based) */
	int fail_errno[F_COUNT];
	int lie[F_COUNT];		/* succeed without effect */
	/* execve never replaces the test: it fails with exec_errno(path) if
	 * set, else fail_errno[F_EXECVE] or ENOENT, and records the paths */
	int (*exec_errno)(const char *path);
	char exec_tried[8][256];
};

extern struct sim sim;

/* A root process as Docker starts it would be, with every capability. */
void sim_start_root(void);
/* A process already running as uid:gid, no capabilities. */
void sim_start_user(uid_t uid, gid_t gid);
void sim_fail(enum sim_fn fn, int nth, int err);
const char *sim_fn_name(enum sim_fn fn);

#endif
