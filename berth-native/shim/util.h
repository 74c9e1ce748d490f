/* Small helpers of berth-shim: its own diagnostics (stderr, which is <state-dir>/shim.log once
 * detached), timestamps in the log's format, and fd plumbing. */
#ifndef BERTH_SHIM_UTIL_H
#define BERTH_SHIM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* Long enough for "2026-11-22T11:00:00.123456789Z" and a NUL. */
#define TIMESTAMP_LEN 32

void shim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* RFC 3339 in UTC with nine fraction digits (fixed width, so it sorts as text). */
void format_timestamp(const struct timespec *ts, char out[TIMESTAMP_LEN]);
void now_timestamp(char out[TIMESTAMP_LEN]);
/* Milliseconds on the monotonic clock, for deadlines. */
long long monotonic_ms(void);

int set_nonblocking(int fd);
int set_cloexec(int fd);
/* Writes everything, retrying on EINTR; blocks if fd does. Returns 0 or -1. */
int write_all(int fd, const void *buf, size_t len);
/*
 * Replaces dir/name atomically with content (tmp file, rename): a reader never sees half of it. With
 * durable, also fsyncs the file and the directory, so it survives a power loss; without, it survives
 * only a crash of processes, which is all a record of live processes (a pid) needs.
 */
int write_file_atomic(const char *dir, const char *name, const char *content, int durable);
/* Reads at most len-1 bytes of a small file into buf, NUL-terminated. Returns bytes or -1. */
ssize_t read_small_file(const char *path, char *buf, size_t len);

#endif
