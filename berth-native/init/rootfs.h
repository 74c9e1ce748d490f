#ifndef BERTH_ROOTFS_H
#define BERTH_ROOTFS_H

#include "stream.h"

/* Before pivot_root, in the new mount namespace: propagation, the rootfs bind, mounts, devices,
 * symlinks. Every destination is resolved inside the rootfs; a path that climbs out of it through a
 * symlink or ".." is refused. */
void rootfs_prepare(const struct config *cfg);
/* pivot_root (or MS_MOVE + chroot with no_pivot) into the rootfs. */
void rootfs_enter(const struct config *cfg);
/* After pivot_root: sysctls, readonly and masked paths, read-only root. */
void rootfs_finalize(const struct config *cfg);

/* Lexical check of the symlinks on the way to path inside rootfs; 0 or -1 with a message in err. */
int rootfs_check_escape(const char *rootfs, const char *path, char *err, size_t errlen);

#endif
