#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Set once the sync socket is closed: its number may then be reused (a preserved fd). */
static int sync_closed;

void sync_close(void) {
  if (!sync_closed) close(SYNC_FD);
  sync_closed = 1;
}

int sync_send(const char *fmt, ...) {
  if (sync_closed) return -1;
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof(buf), fmt, ap);
  va_end(ap);
  if (n < 0) return -1;
  if ((size_t)n >= sizeof(buf)) n = sizeof(buf) - 1;
  return send(SYNC_FD, buf, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -1;
}

int sync_recv(char *buf, size_t len) {
  if (sync_closed) return -1;
  ssize_t n;
  do {
    n = recv(SYNC_FD, buf, len - 1, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return -1;
  buf[n] = '\0';
  return (int)n;
}

static void vreport(const char *fmt, va_list ap, int err) {
  char msg[3072];
  vsnprintf(msg, sizeof(msg), fmt, ap);
  if (err) {
    if (sync_send("error %s: %s", msg, strerror(err)) != 0) fprintf(stderr, "berth-init: %s: %s\n", msg, strerror(err));
  } else if (sync_send("error %s", msg) != 0) {
    fprintf(stderr, "berth-init: %s\n", msg);
  }
}

void die(const char *fmt, ...) {
  int err = errno;
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap, err);
  va_end(ap);
  _exit(1);
}

void fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vreport(fmt, ap, 0);
  va_end(ap);
  _exit(1);
}

int write_file(const char *path, const char *content) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t len = strlen(content);
  ssize_t n = write(fd, content, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)len ? 0 : -1;
}
