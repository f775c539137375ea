/* The walk's rooms as the one unit the product is built from (see
 * volume_int.h, VOL): read them one by one, compile them together. */
#define VOL_ONE_UNIT
/* NOLINTBEGIN(bugprone-suspicious-include): one unit on purpose */
#include "walk.c"
#include "links.c"
#include "walkers.c"
#include "paths.c"
/* NOLINTEND(bugprone-suspicious-include) */
