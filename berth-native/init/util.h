/* Error reporting of berth-init: every failure is sent to the Java runtime over the sync socket as
 * "error <message>" and ends the process, so the runtime can name the failed step to the user. */
#ifndef BERTH_UTIL_H
#define BERTH_UTIL_H

#include <stddef.h>

#define SYNC_FD 4
#define STREAM_FD 3

/* Sends a message on the sync socket (one datagram). Returns 0 or -1. */
int sync_send(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Closes the sync socket; later sends fail instead of writing to whatever reuses its number. */
void sync_close(void);
/* Waits for a message from the runtime; returns its length or -1. */
int sync_recv(char *buf, size_t len);

/* Reports "error <message>: <strerror(errno)>" and exits 1. */
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Reports "error <message>" (no errno) and exits 1. */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

int write_file(const char *path, const char *content);

#endif
