#include "timens.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int timens_unshare(const char *offsets, char *err, size_t errlen) {
  if (unshare(CLONE_NEWTIME) != 0) {
    snprintf(err, errlen, "unshare the time namespace: %s", strerror(errno));
    return -1;
  }
  if (!offsets) return 0;
  int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(err, errlen, "open /proc/self/timens_offsets: %s", strerror(errno));
    return -1;
  }
  /* One write: the kernel takes every clock's line at once, and only at offset 0. */
  size_t len = strlen(offsets);
  ssize_t n = write(fd, offsets, len);
  int saved = errno;
  close(fd);
  if (n != (ssize_t)len) {
    char shown[128];
    snprintf(shown, sizeof(shown), "%s", offsets);
    for (char *c = shown; *c; c++)
      if (*c == '\n') *c = ';';
    snprintf(err, errlen, "set the time namespace offsets (%s): %s", shown, n < 0 ? strerror(saved) : "short write");
    return -1;
  }
  return 0;
}
