/* The container's time namespace: made by berth-init itself, its offsets set before anyone enters it. */
#ifndef BERTH_TIMENS_H
#define BERTH_TIMENS_H

#include <stddef.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/*
 * unshare(CLONE_NEWTIME) and, when offsets is not NULL, writes it ("monotonic <s> <ns>\nboottime <s>
 * <ns>\n") to /proc/self/timens_offsets. The caller stays in its time namespace: the children it makes
 * from then on are the first to enter the new one, which is what lets the offsets still be written.
 * Returns 0, or -1 with a message in err.
 */
int timens_unshare(const char *offsets, char *err, size_t errlen);

#endif
