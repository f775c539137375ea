/* The privilege drop. Security contract — this file MUST:
 *  - refuse to run when installed setuid/setgid (AT_SECURE, ruid != euid);
 *  - change ids in the fixed order setgroups → setresgid → setresuid, with
 *    real = effective = saved, and check every call;
 *  - leave exactly the kept capabilities in the effective, permitted,
 *    inheritable and ambient sets, and set no_new_privs unless the plan
 *    says otherwise;
 *  - clear the bounding set but for the kept capabilities (a binary whose
 *    file capabilities are exactly those must still execute), dropping
 *    only the bits that are set; without CAP_SETPCAP leave it and say so
 *    with -v (no_new_privs and a non-root uid make it unusable: an exec
 *    can then gain no capability) unless clearing it was asked for;
 *  - on a non-root start, change no id, run without a kept capability
 *    that is not held (main says so), and check every set all the same;
 *  - read every result back from the kernel before main() may exec, and
 *    fail on any difference, including a successful setuid(0);
 *  - never touch NSS (no initgroups/getpw*, no capng_change_id).
 *
 * Ids are changed with raw syscalls (sys.c says why). Like capset and
 * prctl, they act on the calling thread only, hence privdrop_apply's
 * single-thread precondition.
 *
 * Capability sets are applied with capset/prctl directly, not capng_apply:
 * Debian's libcap-ng 0.8.3 capng_apply only logs a failed bounding-set drop
 * to syslog (patch 04-log-error) and links stdio, scanf and syslog into the
 * binary (~45 KiB of a 64 KiB budget). Verification re-reads the kernel's
 * view in any case, so the library's cached state is never trusted.
 */
#include "privdrop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "caps.h"
#include "sort.h"
#include "sys.h"

/* glibc and musl export these without declaring them */
int capget(cap_user_header_t hdr, cap_user_data_t data);
int capset(cap_user_header_t hdr, const cap_user_data_t data);

_Static_assert(sizeof(gid_t) == sizeof(uint32_t), "gid_t is 32 bits");

struct caps3 {
	uint64_t eff, prm, inh;
};

static int kernel_caps_read(struct caps3 *c)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (capget(&h, d) < 0)
		return -1;
	c->eff = d[0].effective | (uint64_t)d[1].effective << 32;
	c->prm = d[0].permitted | (uint64_t)d[1].permitted << 32;
	c->inh = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
	return 0;
}

static int kernel_caps_write(uint64_t eff, uint64_t prm, uint64_t inh)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = {
		{ (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
		{ (uint32_t)(eff >> 32), (uint32_t)(prm >> 32),
		  (uint32_t)(inh >> 32) },
	};

	return capset(&h, d);
}

/* Highest capability the running kernel knows: PR_CAPBSET_READ answers
 * EINVAL past it. Asked of the kernel, not of /proc, which may be absent;
 * a binary search keeps it to six calls, made once per run (privdrop_mode)
 * and checked again by verify_caps. Any other error answers 63, so that
 * the steps using it fail loudly on that capability instead of skipping
 * the rest. */
static unsigned cap_last(void)
{
	unsigned lo = 0, hi = 63;

	while (lo < hi) {
		unsigned mid = (lo + hi + 1) / 2;

		if (prctl(PR_CAPBSET_READ, (unsigned long)mid, 0, 0, 0) >= 0)
			lo = mid;
		else if (errno == EINVAL)
			hi = mid - 1;
		else
			return 63;
	}
	return lo;
}

static void log_line(const struct drop_plan *p, const char *what,
		     const char *detail)
{
	if (!p->log)
		return;
	sbuf_fmt(p->log, "nrexec: %s%s\n", what, detail);
}

static void log_ids(const struct drop_plan *p, const char *what,
		    const uint32_t *ids, size_t n)
{
	if (!p->log)
		return;
	sbuf_fmt(p->log, "nrexec: %s", what);
	sbuf_ids(p->log, ids, n);
	sbuf_chr(p->log, '\n');
}

int privdrop_refuse_setuid(struct sbuf *err)
{
	/* a setuid nrexec would let any user run anything as anyone */
	if (getauxval(AT_SECURE) == 0 && getuid() == geteuid() &&
	    getgid() == getegid())
		return 0;
	sbuf_str(err, "refusing to run setuid/setgid (real and effective ids "
		      "differ); install nrexec with mode 0755");
	return -1;
}

static int not_the_target(const struct drop_plan *p, uid_t r, gid_t rg,
			  struct sbuf *err)
{
	sbuf_fmt(err, "started as uid %u gid %u, not root: cannot switch to uid %u gid %u; "
		 "start as root, or as exactly %u:%u (docker run --user, "
		 "runAsUser/runAsGroup), or pass --as-started to run as the started "
		 "identity", r, rg, p->uid, p->gid, p->uid, p->gid);
	return -1;
}

static int fail_call(struct sbuf *err, const char *what)
{
	sbuf_fmt(err, "%s: %m", what);
	return -1;
}

/* What a start with these capabilities (c) can do of the plan. */
static int plan_caps(const struct drop_plan *p, struct drop_state *st,
		     const struct caps3 *c, struct sbuf *err)
{
	st->keep = p->keep & c->prm;
	st->keep_missing = p->keep & ~c->prm;
	st->clear_bnd = p->bounding != BND_LEAVE &&
			(c->prm >> CAP_SETPCAP & 1);
	if (st->mode == DROP_SWITCH && st->keep_missing) {
		sbuf_str(err, "--cap-keep ");
		caps_names(err, st->keep_missing);
		sbuf_str(err, ": nrexec does not hold it, so it cannot be kept "
			      "(add it to the container: docker run --cap-add, "
			      "securityContext capabilities add)");
		return -1;
	}
	if (p->bounding == BND_MUST && !st->clear_bnd) {
		sbuf_str(err, "--clear-bounding-set: nrexec lacks CAP_SETPCAP "
			      "(container started with --cap-drop?)");
		return -1;
	}
	return 0;
}

int privdrop_mode(const struct drop_plan *p, struct drop_state *st,
		  struct sbuf *err)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	struct caps3 c;
	int one_id;

	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0) {
		sbuf_fmt(err, "cannot read the current ids: %m");
		return -1;
	}
	/* privdrop_refuse_setuid saw real == effective */
	one_id = r == s && rg == sg;
	st->uid = p->uid;
	st->gid = p->gid;
	if (e == 0) {
		st->mode = DROP_SWITCH;
	} else if (one_id && r == p->uid && rg == p->gid) {
		st->mode = DROP_PASSTHROUGH;
	} else if (one_id && p->as_started) {
		st->mode = DROP_AS_STARTED;
		st->uid = r;
		st->gid = rg;
	} else {
		return not_the_target(p, r, rg, err);
	}
	if (kernel_caps_read(&c) < 0)
		return fail_call(err, "capget");
	if (plan_caps(p, st, &c, err) < 0)
		return -1;
	st->last_cap = cap_last();
	return 0;
}

/* /proc/self/setgroups says "deny" inside a user namespace whose gid_map
 * was written without setgroups permission (unshare --map-root-user). */
static int setgroups_denied(void)
{
	char buf[8] = { 0 };
	int fd = open("/proc/self/setgroups", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n >= 4 && memcmp(buf, "deny", 4) == 0;
}

static int gid_mapped(const char *map, uint32_t gid)
{
	/* lines of "inside outside count" */
	for (const char *p = map; *p != '\0';) {
		char *end;
		unsigned long in = strtoul(p, &end, 10);
		unsigned long cnt;

		(void)strtoul(end, &end, 10);	/* the outside id */
		cnt = strtoul(end, &end, 10);
		if (gid >= in && gid - in < cnt)
			return 1;
		p = strchr(end, '\n');
		if (!p)
			break;
		p++;
	}
	return 0;
}

/* setgroups says EINVAL, not which group: find one /proc/self/gid_map
 * lacks, for the message (groups[0] if the map cannot be read). */
static uint32_t first_unmapped(const uint32_t *groups, size_t n)
{
	char map[4096];
	int fd = open("/proc/self/gid_map", O_RDONLY | O_CLOEXEC);
	ssize_t len = fd < 0 ? -1 : read(fd, map, sizeof(map) - 1);

	if (fd >= 0)
		close(fd);
	if (len <= 0)
		return groups[0];
	map[len] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!gid_mapped(map, groups[i]))
			return groups[i];
	return groups[0];
}

static int missing_cap(unsigned cap)
{
	struct caps3 c;

	return kernel_caps_read(&c) == 0 && !(c.eff & (1ull << cap));
}

static void id_call_failed(struct sbuf *err, const char *call, int e,
			   const char *kind, uint32_t id, unsigned cap)
{
	if (e == EINVAL) {
		/* setres[ug]id/setgroups to an id the user namespace does
		 * not map */
		sbuf_fmt(err, "%s: %s %u is not mapped in this user namespace "
			 "(see /proc/self/%s_map)", call, kind, id, kind);
		return;
	}
	sbuf_fmt(err, "%s: %s", call, strerror(e));
	if (e != EPERM || !missing_cap(cap))
		return;
	/* root without capabilities because the caller set SECBIT_NOROOT
	 * (setpriv --securebits +noroot, capsh --secbits): exec gave none */
	int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);

	sbuf_fmt(err, " (nrexec lacks CAP_SET%cID: %s)", cap == CAP_SETUID ? 'U' : 'G',
		 bits > 0 && (bits & 1) ? "securebit SECBIT_NOROOT is set"
					: "container started with --cap-drop?");
}

static int set_ids(const struct drop_plan *p, struct sbuf *err)
{
	if (nr_setgroups(p->ngroups, (const gid_t *)p->groups) < 0) {
		int e = errno;

		if (e == EPERM && setgroups_denied()) {
			sbuf_str(err, "setgroups: denied in this user namespace "
				      "(/proc/self/setgroups is 'deny')");
		} else if (e == EINVAL) {
			id_call_failed(err, "setgroups", e, "gid",
				       first_unmapped(p->groups, p->ngroups),
				       CAP_SETGID);
		} else {
			id_call_failed(err, "setgroups", e, "gid", p->groups[0],
				       CAP_SETGID);
		}
		return -1;
	}
	log_ids(p, "groups ", p->groups, p->ngroups);
	if (nr_setresgid(p->gid, p->gid, p->gid) < 0) {
		id_call_failed(err, "setresgid", errno, "gid", p->gid, CAP_SETGID);
		return -1;
	}
	log_ids(p, "gid ", &p->gid, 1);
	if (nr_setresuid(p->uid, p->uid, p->uid) < 0) {
		id_call_failed(err, "setresuid", errno, "uid", p->uid, CAP_SETUID);
		return -1;
	}
	log_ids(p, "uid ", &p->uid, 1);
	return 0;
}

uint32_t *privdrop_groups(size_t *n)
{
	int k = getgroups(0, NULL);
	gid_t *g = k < 0 ? NULL : calloc((size_t)k + 1, sizeof(gid_t));

	if (g && getgroups(k, g) != k) {
		free(g);
		g = NULL;
	}
	*n = g ? (size_t)k : 0;
	return (uint32_t *)g;
}

/* -v on a non-root start: say what stays, including groups the
 * orchestrator added (fsGroup, --group-add) that only root could drop,
 * however many there are. */
static void log_passthrough(const struct drop_plan *p,
			    const struct drop_state *st)
{
	uint32_t *g;
	size_t n;

	if (!p->log)
		return;
	log_line(p, st->mode == DROP_PASSTHROUGH
			 ? "not root but already the target: ids left as they are"
			 : "--as-started: not root, running as the started ids", "");
	g = privdrop_groups(&n);
	if (g)
		log_ids(p, "supplementary groups kept: ", g, n);
	free(g);
}

/* Reading a bit is cheap; each drop commits new credentials, and a
 * Docker container's bounding set holds 14 of 41. */
static int clear_bounding(uint64_t keep, unsigned last)
{
	for (unsigned c = 0; c <= last; c++) {
		int set;

		if (keep & (1ull << c))
			continue;
		set = prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0);
		if (set < 0 || (set > 0 &&
				prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0))
			return -1;
	}
	return 0;
}

static int set_ambient(uint64_t keep)
{
	/* The kernel keeps ambient within permitted & inheritable
	 * (capabilities(7)), and capset has just set both to keep: with
	 * nothing kept, ambient is already empty, and verify_caps reads both
	 * sets back as 0. Clearing it anyway would cost one more credential
	 * commit on the default path. */
	if (keep == 0)
		return 0;
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return -1;
	for (unsigned c = 0; c < 64; c++) {
		if (!(keep & (1ull << c)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)c,
			  0, 0) < 0)
			return -1;
	}
	return 0;
}

static int set_caps(const struct drop_plan *p, const struct drop_state *st,
		    struct sbuf *err)
{
	const uint64_t keep = st->keep, setpcap = 1ull << CAP_SETPCAP;

	if (st->clear_bnd) {
		/* PR_CAPBSET_DROP needs CAP_SETPCAP effective (KEEPCAPS
		 * kept it permitted across setresuid). Kept capabilities get
		 * their inheritable bit first, as capset would refuse it for
		 * a capability already gone from the bounding set. */
		if (kernel_caps_write(keep | setpcap, keep | setpcap, keep) < 0)
			return fail_call(err, "capset (before clearing the bounding set)");
		if (clear_bounding(keep, st->last_cap) < 0)
			return fail_call(err, "prctl(PR_CAPBSET_DROP)");
		log_line(p, "bounding set cleared", keep ? " but for --cap-keep" : "");
	} else {
		log_line(p, "bounding set left as it is", p->bounding == BND_LEAVE
			 ? "" : ": no CAP_SETPCAP (no_new_privs keeps it unusable)");
	}
	if (kernel_caps_write(keep, keep, keep) < 0)
		return fail_call(err, "capset");
	if (set_ambient(keep) < 0)
		return fail_call(err, "prctl(PR_CAP_AMBIENT)");
	if (p->log) {
		sbuf_str(p->log, "nrexec: capabilities (ambient too): ");
		caps_names(p->log, keep);
		sbuf_chr(p->log, '\n');
	}
	return 0;
}

int privdrop_apply(const struct drop_plan *p, const struct drop_state *st,
		   struct sbuf *err)
{
	const enum drop_mode mode = st->mode;
	/* permitted capabilities must survive setresuid away from 0: for
	 * the kept ones and for CAP_SETPCAP to clear the bounding set */
	int keepcaps = mode == DROP_SWITCH && (st->keep || st->clear_bnd);

	if (keepcaps && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return fail_call(err, "prctl(PR_SET_KEEPCAPS)");
	if (mode == DROP_SWITCH && set_ids(p, err) < 0)
		return -1;
	if (mode != DROP_SWITCH)
		log_passthrough(p, st);
	if (set_caps(p, st, err) < 0)
		return -1;
	if (keepcaps && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return fail_call(err, "prctl(PR_SET_KEEPCAPS)");
	if (p->no_new_privs) {
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			return fail_call(err, "prctl(PR_SET_NO_NEW_PRIVS)");
		log_line(p, "no_new_privs set", "");
	}
	return 0;
}

static int mismatch(struct sbuf *err, const char *what)
{
	sbuf_fmt(err, "verification failed after the drop: %s; not executing", what);
	return -1;
}

static int mismatch_caps(struct sbuf *err, const char *set, uint64_t want,
			 uint64_t got)
{
	sbuf_fmt(err, "verification failed after the drop: %s capabilities are "
		 "%016llx, expected %016llx; not executing", set,
		 (unsigned long long)got, (unsigned long long)want);
	return -1;
}

/* The kernel's group list as a set equals the plan's. */
static int groups_match(const struct drop_plan *p)
{
	int n = getgroups(0, NULL);
	gid_t *have, *want;
	int ok = 0;

	if (n < 0 || (size_t)n != p->ngroups)
		return 0;
	have = calloc(p->ngroups + 1, sizeof(gid_t));
	want = calloc(p->ngroups + 1, sizeof(gid_t));
	if (have && want && getgroups(n, have) == n) {
		memcpy(want, p->groups, p->ngroups * sizeof(gid_t));
		sort_u32((uint32_t *)have, p->ngroups);
		sort_u32((uint32_t *)want, p->ngroups);
		ok = memcmp(have, want, p->ngroups * sizeof(gid_t)) == 0;
	}
	free(have);
	free(want);
	return ok;
}

static int verify_ids(const struct drop_plan *p, const struct drop_state *st,
		      struct sbuf *err)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	if (getresuid(&r, &e, &s) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return mismatch(err, "cannot read the ids back");
	if (r != st->uid || e != st->uid || s != st->uid)
		return mismatch(err, "real/effective/saved uid differ from the target");
	if (rg != st->gid || eg != st->gid || sg != st->gid)
		return mismatch(err, "real/effective/saved gid differ from the target");
	/* a non-root start keeps what the orchestrator set (fsGroup,
	 * --group-add) */
	if (st->mode == DROP_SWITCH && !groups_match(p))
		return mismatch(err, "supplementary groups differ from the target");
	return 0;
}

static int verify_caps(const struct drop_state *st, struct sbuf *err)
{
	const uint64_t keep = st->keep;
	const unsigned last = st->last_cap;
	uint64_t amb = 0, bnd = 0;
	struct caps3 c;

	if (kernel_caps_read(&c) < 0)
		return mismatch(err, "cannot read the capability sets back");
	if (c.eff != keep)
		return mismatch_caps(err, "effective", keep, c.eff);
	if (c.prm != keep)
		return mismatch_caps(err, "permitted", keep, c.prm);
	if (c.inh != keep)
		return mismatch_caps(err, "inheritable", keep, c.inh);
	/* the bounding set is checked only where it was cleared; otherwise
	 * it is left as found, and 41 reads of it would cost ~10 us for
	 * nothing */
	int check_bnd = st->clear_bnd;

	for (unsigned i = 0; i <= last; i++) {
		/* the kernel keeps ambient within permitted & inheritable,
		 * both just checked to be exactly keep: only keep's bits can
		 * be set, so only those are asked */
		int a = (keep >> i & 1) ? prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET,
						   (unsigned long)i, 0, 0) : 0;
		int b = check_bnd ? prctl(PR_CAPBSET_READ, (unsigned long)i, 0, 0, 0) : 0;

		if (a < 0 || b < 0)
			return mismatch(err, "cannot read the ambient or bounding set back");
		amb |= (uint64_t)(a != 0) << i;
		bnd |= (uint64_t)(b != 0) << i;
	}
	/* last was asked once, before the drop, and the drop used it too: a
	 * capability past it would have been neither dropped nor read */
	if (check_bnd && prctl(PR_CAPBSET_READ, (unsigned long)last + 1, 0, 0, 0) >= 0)
		return mismatch(err, "the kernel has capabilities past the last one counted");
	if (check_bnd && errno != EINVAL)
		return mismatch(err, "cannot read the ambient or bounding set back");
	if (amb != keep)
		return mismatch_caps(err, "ambient", keep, amb);
	if (check_bnd && bnd != keep)
		return mismatch_caps(err, "bounding", keep, bnd);
	return 0;
}

int privdrop_verify(const struct drop_plan *p, const struct drop_state *st,
		    struct sbuf *err)
{
	if (verify_ids(p, st, err) < 0 || verify_caps(st, err) < 0)
		return -1;
	if (p->no_new_privs && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return mismatch(err, "no_new_privs is not set");
	/* the drop must be one-way */
	if (st->uid != 0 && nr_setuid(0) == 0)
		return mismatch(err, "setuid(0) succeeded");
	if (st->gid != 0 && nr_setgid(0) == 0)
		return mismatch(err, "setgid(0) succeeded");
	log_line(p, "verified", "");
	return 0;
}
