/* The drop sequence against the simulated kernel of wraps.c: the right
 * end state, every privilege call failing in turn, every call lying. */
#include <errno.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "privdrop.h"
#include "wraps.h"

#define NBS (1ull << CAP_NET_BIND_SERVICE)

static const uint32_t groups_app[] = { 10001, 29, 2000 };
static char errmem[1024];
static struct sbuf err;

static struct drop_plan plan_app(void)
{
	struct drop_plan p = { 10001, 10001, groups_app, 3, 0, 1, NULL, BND_CLEAR, 0 };

	return p;
}

static int setup(void **state)
{
	(void)state;
	sim_start_root();
	sbuf_init(&err, errmem, sizeof(errmem), -1);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim.on = 0;
	return 0;
}

/* refuse_setuid + mode + apply + verify, as main() runs them */
static int drop(const struct drop_plan *p)
{
	struct drop_state st;

	if (privdrop_refuse_setuid(&err) < 0 ||
	    privdrop_mode(p, &st, &err) < 0 ||
	    privdrop_apply(p, &st, &err) < 0)
		return -1;
	return privdrop_verify(p, &st, &err) < 0 ? -2 : 0;
}

static void assert_dropped_to_app(void)
{
	assert_int_equal(sim.r, 10001);
	assert_int_equal(sim.e, 10001);
	assert_int_equal(sim.s, 10001);
	assert_int_equal(sim.rg, 10001);
	assert_int_equal(sim.eg, 10001);
	assert_int_equal(sim.sg, 10001);
	assert_int_equal(sim.ngroups, 3);
	assert_memory_equal(sim.groups, groups_app, sizeof(groups_app));
}

static void test_full_drop(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	assert_int_equal(drop(&p), 0);
	assert_dropped_to_app();
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb | sim.bnd, 0);
	assert_int_equal(sim.nnp, 1);
	assert_int_equal(sim.keepcaps, 0);
	/* the order the contract fixes */
	assert_int_equal(sim.calls[F_SETGROUPS], 1);
	assert_int_equal(sim.calls[F_SETRESGID], 1);
	assert_int_equal(sim.calls[F_SETRESUID], 1);
	/* one count of the capabilities (six reads), one read of each bit
	 * before dropping it, then the verify's read of each and of the one
	 * past the last */
	assert_int_equal(sim.calls[F_PRCTL_BSET_READ], 6 + 2 * (SIM_LAST_CAP + 1) + 1);
	assert_int_equal(sim.calls[F_PRCTL_BSET_DROP], SIM_LAST_CAP + 1);
	/* nothing kept: capset(0, 0, 0) empties ambient, no clear needed */
	assert_int_equal(sim.calls[F_PRCTL_AMB_CLEAR], 0);
}

/* Ambient capabilities the runtime left (with their permitted and
 * inheritable bits) are gone without PR_CAP_AMBIENT_CLEAR_ALL, root or
 * not: the kernel keeps ambient within permitted & inheritable. */
static void test_ambient_leftovers_dropped(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	sim.inh = sim.amb = NBS;
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.amb, 0);
	assert_int_equal(sim.calls[F_PRCTL_AMB_CLEAR], 0);
	sim_start_user(10001, 10001);
	sim.eff = sim.prm = sim.inh = sim.amb = NBS;
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb, 0);
	assert_int_equal(sim.calls[F_PRCTL_AMB_CLEAR], 0);
}

/* The capability count is taken once, before the drop; one that came out
 * too low would leave the capabilities above it in the bounding set, and
 * the verify step must see them. */
static void test_last_cap_too_low_caught(void **state)
{
	struct drop_plan p = plan_app();
	struct drop_state st;

	(void)state;
	assert_int_equal(privdrop_mode(&p, &st, &err), 0);
	st.last_cap = SIM_LAST_CAP - 3;
	assert_int_equal(privdrop_apply(&p, &st, &err), 0);
	assert_int_not_equal(sim.bnd, 0);
	assert_int_equal(privdrop_verify(&p, &st, &err), -1);
	assert_non_null(strstr(errmem, "capabilities past the last one counted"));
}

static void test_cap_keep_ambient(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	p.keep = NBS;
	assert_int_equal(drop(&p), 0);
	assert_dropped_to_app();
	assert_int_equal(sim.eff, NBS);
	assert_int_equal(sim.prm, NBS);
	assert_int_equal(sim.inh, NBS);
	assert_int_equal(sim.amb, NBS);
	/* kept in the bounding set too: a binary carrying exactly this file
	 * capability must still execute */
	assert_int_equal(sim.bnd, NBS);
}

static void test_allow_new_privs(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	p.no_new_privs = 0;
	p.bounding = BND_LEAVE;	/* as main() plans --allow-new-privs */
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb, 0);
	assert_int_equal(sim.bnd, SIM_ALL_CAPS);
	assert_int_equal(sim.nnp, 0);
	assert_int_equal(sim.calls[F_PRCTL_BSET_DROP], 0);
}

static void test_docker_bounding_set(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	/* Docker's default: 0x00000000a80425fb */
	sim.eff = sim.prm = sim.bnd = 0xa80425fbull;
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.bnd, 0);
	/* only the 14 bits that are set are dropped: each drop commits new
	 * credentials */
	assert_int_equal(sim.calls[F_PRCTL_BSET_DROP], 14);
}

/* --keep-bounding-set: no_new_privs stays, the bounding set is left, the
 * other sets are empty all the same. */
static void test_keep_bounding_set(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	p.bounding = BND_LEAVE;
	assert_int_equal(drop(&p), 0);
	assert_dropped_to_app();
	assert_int_equal(sim.bnd, SIM_ALL_CAPS);
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb, 0);
	assert_int_equal(sim.nnp, 1);
	assert_int_equal(sim.calls[F_PRCTL_BSET_DROP], 0);
}

static void test_root_target(void **state)
{
	static const uint32_t g0[] = { 0 };
	struct drop_plan p = { 0, 0, g0, 1, 0, 1, NULL, BND_CLEAR, 0 };

	(void)state;
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.r | sim.e | sim.s, 0);
	assert_int_equal(sim.eff | sim.prm | sim.bnd, 0);
}

static void test_refuse_setuid_install(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	sim.secure = 1;
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "setuid"));
	sim.secure = 0;
	sim.r = 1000;	/* ruid != euid: a setuid-root binary run by uid 1000 */
	sbuf_reset(&err);
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "setuid"));
	assert_int_equal(sim.calls[F_SETGROUPS], 0);
}

static void test_passthrough(void **state)
{
	struct drop_plan p = plan_app();
	struct drop_state st;

	(void)state;
	sim_start_user(10001, 10001);
	sim.inh = NBS;		/* leftovers the runtime gave us */
	assert_int_equal(privdrop_mode(&p, &st, &err), 0);
	assert_int_equal(st.mode, DROP_PASSTHROUGH);
	assert_int_equal(st.last_cap, SIM_LAST_CAP);
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.calls[F_SETGROUPS], 0);
	assert_int_equal(sim.calls[F_SETRESUID], 0);
	assert_int_equal(sim.inh, 0);
	assert_int_equal(sim.nnp, 1);
	assert_int_equal(sim.bnd, SIM_ALL_CAPS);	/* cannot be cleared */
}

/* A non-root start runs without a kept capability it does not hold;
 * privdrop_mode reports it for main to say. */
static void test_passthrough_keep_not_held(void **state)
{
	struct drop_plan p = plan_app();
	struct drop_state st;

	(void)state;
	sim_start_user(10001, 10001);
	p.keep = NBS;
	assert_int_equal(privdrop_mode(&p, &st, &err), 0);
	assert_int_equal(st.keep_missing, NBS);
	assert_int_equal(st.keep, 0);
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb, 0);
	assert_int_equal(sim.nnp, 1);
	/* held (an orchestrator gave it as ambient): kept */
	sim_start_user(10001, 10001);
	sim.eff = sim.prm = sim.inh = sim.amb = NBS;
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.amb, NBS);
	assert_int_equal(sim.eff, NBS);
}

/* Started as root without a kept capability (docker --cap-drop): an
 * error, and the message must not claim nrexec is not root. */
static void test_root_keep_not_held(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	p.keep = NBS;
	sim.eff = sim.prm = SIM_ALL_CAPS & ~NBS;
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "--cap-keep net_bind_service"));
	assert_null(strstr(errmem, "not root"));
	assert_int_equal(sim.calls[F_SETGROUPS], 0);
}

/* -v on a non-root start names every supplementary group kept, past the
 * 64 that once fitted its buffer. */
static void test_passthrough_logs_many_groups(void **state)
{
	static char logmem[2048];
	struct sbuf log;
	struct drop_plan p = plan_app();

	(void)state;
	sim_start_user(10001, 10001);
	sim.ngroups = 100;
	for (size_t i = 0; i < 100; i++)
		sim.groups[i] = (gid_t)(20000 + i);
	sbuf_init(&log, logmem, sizeof(logmem), -1);
	p.log = &log;
	assert_int_equal(drop(&p), 0);
	assert_non_null(strstr(sbuf_cstr(&log),
			       "supplementary groups kept: 20000,20001,"));
	assert_non_null(strstr(sbuf_cstr(&log), ",20098,20099\n"));
}

/* --as-started: not root, not the target: the started ids stay, every
 * capability goes, no_new_privs, verified. */
static void test_as_started(void **state)
{
	struct drop_plan p = plan_app();
	struct drop_state st;

	(void)state;
	sim_start_user(1000650000, 0);
	sim.inh = NBS;
	p.as_started = 1;
	assert_int_equal(privdrop_mode(&p, &st, &err), 0);
	assert_int_equal(st.mode, DROP_AS_STARTED);
	assert_int_equal(st.uid, 1000650000);
	assert_int_equal(st.gid, 0);
	assert_int_equal(drop(&p), 0);
	assert_int_equal(sim.r, 1000650000);
	assert_int_equal(sim.rg, 0);
	assert_int_equal(sim.calls[F_SETRESUID], 0);
	assert_int_equal(sim.calls[F_SETGROUPS], 0);
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb, 0);
	assert_int_equal(sim.nnp, 1);
	/* a saved id that differs is not "the started identity" */
	sim_start_user(1000650000, 0);
	sim.s = 0;
	sbuf_reset(&err);
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "started as uid 1000650000"));
}

static void test_nonroot_other_user(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	sim_start_user(1000, 1000);
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "started as uid 1000 gid 1000"));
	assert_non_null(strstr(errmem, "uid 10001 gid 10001"));
	assert_non_null(strstr(errmem, "--as-started"));
	assert_int_equal(sim.nnp, 0);
}

static void test_cap_drop_all_message(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	sim.eff = sim.prm = 0;	/* docker run --cap-drop ALL */
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "setgroups: Operation not permitted"));
	assert_non_null(strstr(errmem, "CAP_SETGID"));
}

static void test_unmapped_uid_message(void **state)
{
	struct drop_plan p = plan_app();

	(void)state;
	sim_fail(F_SETRESUID, 1, EINVAL);
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "uid 10001 is not mapped in this user namespace"));
}

/* docker run --cap-drop SETPCAP: the bounding set is left (with -v
 * saying so), no_new_privs and empty sets are verified; only
 * --clear-bounding-set makes it an error. */
static void test_no_setpcap(void **state)
{
	static char logmem[1024];
	struct sbuf log;
	struct drop_plan p = plan_app();
	const uint64_t start = SIM_ALL_CAPS & ~(1ull << CAP_SETPCAP);

	(void)state;
	sim.eff = sim.prm = start;
	sbuf_init(&log, logmem, sizeof(logmem), -1);
	p.log = &log;
	assert_int_equal(drop(&p), 0);
	assert_dropped_to_app();
	assert_int_equal(sim.bnd, SIM_ALL_CAPS);
	assert_int_equal(sim.eff | sim.prm | sim.inh | sim.amb, 0);
	assert_int_equal(sim.nnp, 1);
	assert_non_null(strstr(logmem, "bounding set left as it is: no CAP_SETPCAP"));
	setup(NULL);
	sim.eff = sim.prm = start;
	p.log = NULL;
	p.bounding = BND_MUST;
	assert_int_equal(drop(&p), -1);
	assert_non_null(strstr(errmem, "--clear-bounding-set"));
	assert_non_null(strstr(errmem, "CAP_SETPCAP"));
	assert_int_equal(sim.calls[F_SETGROUPS], 0);
}

struct fault {
	enum sim_fn fn;
	int nth;
	int keep;	/* plan keeps net_bind_service */
	const char *msg;	/* expected in the message */
};

/* Every privilege-changing call of the drop, failing in turn. */
static const struct fault apply_faults[] = {
	{ F_SETGROUPS, 1, 0, "setgroups" },
	{ F_SETRESGID, 1, 0, "setresgid" },
	{ F_SETRESUID, 1, 0, "setresuid" },
	{ F_PRCTL_KEEPCAPS, 1, 0, "PR_SET_KEEPCAPS" },
	{ F_PRCTL_KEEPCAPS, 2, 0, "PR_SET_KEEPCAPS" },
	{ F_CAPSET, 1, 0, "capset" },
	{ F_CAPSET, 2, 0, "capset" },
	{ F_CAPSET, 2, 1, "capset" },
	{ F_CAPGET, 1, 1, "capget" },
	{ F_PRCTL_BSET_READ, 1, 0, "PR_CAPBSET_DROP" },
	{ F_PRCTL_BSET_DROP, 1, 0, "PR_CAPBSET_DROP" },
	{ F_PRCTL_BSET_DROP, 41, 0, "PR_CAPBSET_DROP" },
	{ F_PRCTL_AMB_CLEAR, 1, 1, "PR_CAP_AMBIENT" },
	{ F_PRCTL_AMB_RAISE, 1, 1, "PR_CAP_AMBIENT" },
	{ F_PRCTL_SET_NNP, 1, 0, "PR_SET_NO_NEW_PRIVS" },
	{ F_GETRESUID, 1, 0, "current ids" },
	{ F_GETRESGID, 1, 0, "current ids" },
};

static void test_apply_faults(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(apply_faults) / sizeof(*apply_faults); i++) {
		const struct fault *f = &apply_faults[i];
		struct drop_plan p = plan_app();

		setup(NULL);
		if (f->keep) {
			p.keep = NBS;
		}
		sim_fail(f->fn, f->nth, EPERM);
		if (drop(&p) != -1 || !strstr(errmem, f->msg))
			fail_msg("%s call %d: drop went on or said '%s'",
				 sim_fn_name(f->fn), f->nth, errmem);
		if (sim.calls[f->fn] < f->nth)
			fail_msg("%s call %d never reached", sim_fn_name(f->fn), f->nth);
	}
}

/* Each read of the verify step failing after a clean drop. */
static void test_verify_read_faults(void **state)
{
	static const enum sim_fn reads[] = {
		F_GETRESUID, F_GETRESGID, F_GETGROUPS, F_CAPGET,
		F_PRCTL_AMB_IS_SET, F_PRCTL_BSET_READ, F_PRCTL_GET_NNP,
	};

	(void)state;
	for (size_t i = 0; i < sizeof(reads) / sizeof(*reads); i++) {
		struct drop_plan p = plan_app();
		struct drop_state st;

		setup(NULL);
		/* ambient bits are read only for kept capabilities */
		p.keep = NBS;
		assert_int_equal(privdrop_mode(&p, &st, &err), 0);
		assert_int_equal(privdrop_apply(&p, &st, &err), 0);
		sim_fail(reads[i], sim.calls[reads[i]] + 1, EIO);
		if (privdrop_verify(&p, &st, &err) != -1)
			fail_msg("verify passed with %s failing", sim_fn_name(reads[i]));
		assert_non_null(strstr(errmem, "not executing"));
	}
}

/* Calls that report success but change nothing: only verify sees it. */
static void test_lies_caught(void **state)
{
	static const struct fault lies[] = {
		{ F_SETGROUPS, 0, 0, "supplementary groups" },
		{ F_SETRESGID, 0, 0, "gid differ" },
		{ F_PRCTL_BSET_DROP, 0, 0, "bounding" },
		{ F_PRCTL_AMB_RAISE, 0, 1, "ambient" },
		{ F_PRCTL_SET_NNP, 0, 0, "no_new_privs" },
		{ F_SETUID, 0, 0, "setuid(0) succeeded" },
		{ F_SETGID, 0, 0, "setgid(0) succeeded" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(lies) / sizeof(*lies); i++) {
		struct drop_plan p = plan_app();

		setup(NULL);
		if (lies[i].keep) {
			p.keep = NBS;
		}
		sim.lie[lies[i].fn] = 1;
		if (drop(&p) != -2 || !strstr(errmem, lies[i].msg))
			fail_msg("a lying %s was not caught: '%s'",
				 sim_fn_name(lies[i].fn), errmem);
	}
}

/* A lying setresuid or capset leaves root or capabilities behind; the
 * run must stop either in apply or in verify. */
static void test_lies_fail_closed(void **state)
{
	static const enum sim_fn fns[] = { F_SETRESUID, F_CAPSET, F_PRCTL_KEEPCAPS };

	(void)state;
	for (size_t i = 0; i < sizeof(fns) / sizeof(*fns); i++) {
		struct drop_plan p = plan_app();

		setup(NULL);
		sim.lie[fns[i]] = 1;
		if (drop(&p) == 0)
			fail_msg("a lying %s went unnoticed", sim_fn_name(fns[i]));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_drop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ambient_leftovers_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_last_cap_too_low_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_keep_ambient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_allow_new_privs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_docker_bounding_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_target, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_setuid_install, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_keep_not_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nonroot_other_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cap_drop_all_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmapped_uid_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_setpcap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keep_bounding_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_keep_not_held, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passthrough_logs_many_groups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_as_started, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apply_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_read_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lies_caught, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lies_fail_closed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
