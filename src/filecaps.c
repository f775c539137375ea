#include "filecaps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/xattr.h>

#include "caps.h"

static uint32_t le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int filecaps_decode(const unsigned char *buf, size_t n, uint64_t *permitted,
		    int *effective)
{
	uint32_t magic;

	if (n < 4)
		return -1;
	magic = le32(buf);
	/* the magic word, then {permitted, inheritable} per 32 capabilities;
	 * revision 3 adds the namespace's root uid */
	switch (magic & VFS_CAP_REVISION_MASK) {
	case VFS_CAP_REVISION_1:
		if (n != XATTR_CAPS_SZ_1)
			return -1;
		*permitted = le32(buf + 4);
		break;
	case VFS_CAP_REVISION_2:
	case VFS_CAP_REVISION_3:
		if (n != ((magic & VFS_CAP_REVISION_MASK) == VFS_CAP_REVISION_2
				  ? XATTR_CAPS_SZ_2 : XATTR_CAPS_SZ_3))
			return -1;
		*permitted = le32(buf + 4) | (uint64_t)le32(buf + 12) << 32;
		break;
	default:
		return -1;
	}
	*effective = magic & VFS_CAP_FLAGS_EFFECTIVE;
	return 0;
}

void filecaps_explain(const char *path, struct sbuf *err)
{
	unsigned char buf[XATTR_CAPS_SZ_3];
	ssize_t n = getxattr(path, "security.capability", buf, sizeof(buf));
	uint64_t prm, lacking = 0;
	int eff;

	/* security/commoncap.c: with the effective flag set, a permitted
	 * file capability outside the bounding set fails the exec */
	if (n < 0 || filecaps_decode(buf, (size_t)n, &prm, &eff) < 0 || !eff)
		return;
	for (unsigned c = 0; c < 64; c++)
		if ((prm >> c & 1) &&
		    prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) != 1)
			lacking |= 1ull << c;
	if (lacking == 0)
		return;
	sbuf_str(err, " (it carries the file capabilities ");
	caps_names(err, prm);
	sbuf_str(err, "=ep, which the bounding set lacks: keep them with "
		      "--cap-keep ");
	caps_names(err, lacking);
	sbuf_str(err, ", or run it without them under --keep-bounding-set, or "
		      "remove them with setcap -r)");
}
