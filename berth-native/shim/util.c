#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void shim_log(const char *fmt, ...) {
  char ts[TIMESTAMP_LEN];
  char line[1024];
  now_timestamp(ts);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  dprintf(STDERR_FILENO, "%s berth-shim[%d]: %s\n", ts, (int)getpid(), line);
}

void format_timestamp(const struct timespec *ts, char out[TIMESTAMP_LEN]) {
  struct tm tm;
  time_t secs = ts->tv_sec;
  gmtime_r(&secs, &tm);
  char date[24];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out, TIMESTAMP_LEN, "%s.%09ldZ", date, ts->tv_nsec);
}

void now_timestamp(char out[TIMESTAMP_LEN]) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  format_timestamp(&ts, out);
}

long long monotonic_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int set_nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int set_cloexec(int fd) {
  int flags = fcntl(fd, F_GETFD);
  if (flags < 0) return -1;
  return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

int write_file_atomic(const char *dir, const char *name, const char *content, int durable) {
  char tmp[4096], target[4096];
  snprintf(tmp, sizeof tmp, "%s/.tmp-%s", dir, name);
  snprintf(target, sizeof target, "%s/%s", dir, name);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  if (write_all(fd, content, strlen(content)) < 0 || (durable && fsync(fd) < 0)) {
    int saved = errno;
    close(fd);
    unlink(tmp);
    errno = saved;
    return -1;
  }
  if (close(fd) < 0 || rename(tmp, target) < 0) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
    return -1;
  }
  if (!durable) return 0;
  /* The rename is durable only once the directory is synced. */
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return -1;
  int rc = fsync(dfd);
  close(dfd);
  return rc;
}

ssize_t read_small_file(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  size_t off = 0;
  while (off + 1 < len) {
    ssize_t n = read(fd, buf + off, len - 1 - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      close(fd);
      return -1;
    }
    if (n == 0) break;
    off += (size_t)n;
  }
  close(fd);
  buf[off] = '\0';
  return (ssize_t)off;
}
