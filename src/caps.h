/* Capability names for --cap-keep. Pure: nothing here changes the process.
 *
 * libcap-ng supplies the name table (it tracks the kernel's capability list);
 * applying and verifying capability sets is privdrop's job.
 */
#ifndef NREXEC_CAPS_H
#define NREXEC_CAPS_H

#include <stdint.h>

#include "sbuf.h"

#define CAPS_NAMES_MAX 512

struct capkeep {
	uint64_t mask;			/* bit n = capability n */
	char names[CAPS_NAMES_MAX];	/* "net_bind_service,chown" */
	int allow_root_caps;	/* in: accept root-equivalent ones (dac_override...) */
};

/* Add the comma-separated names in list (e.g. "net_bind_service",
 * "CAP_CHOWN") to ck. setuid and setgid are refused, and so are
 * root-equivalent capabilities (chown, dac_override, sys_admin, ...)
 * unless ck->allow_root_caps. Returns 0, or -1 with a message in err. */
int caps_parse_list(const char *list, struct capkeep *ck, struct sbuf *err);
/* Append mask's capability names, comma-separated ("none" when empty). */
void caps_names(struct sbuf *b, uint64_t mask);

#endif
