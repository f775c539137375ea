/* For valgrind's full memcheck of nrexec (tests/integration/environments.sh,
 * built with --wrap=capget into build/nrexec-vg): valgrind 3.19 marks only
 * the first of capget's two _LINUX_CAPABILITY_VERSION_3 data structs as
 * written. The kernel's answer goes through a zeroed buffer, which corrects
 * valgrind's model of that one call and nothing else. */
#include <linux/capability.h>
#include <string.h>
int __real_capget(cap_user_header_t h, cap_user_data_t d);
int __wrap_capget(cap_user_header_t h, cap_user_data_t d)
{
	struct __user_cap_data_struct k[2];
	int r;

	memset(k, 0, sizeof(k));
	r = __real_capget(h, d ? k : NULL);
	if (d)
		memcpy(d, k, sizeof(k));
	return r;
}
