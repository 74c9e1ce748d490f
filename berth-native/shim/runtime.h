/* Running the OCI runtime (runc-compatible command line) and receiving a pty master from it. */
#ifndef BERTH_SHIM_RUNTIME_H
#define BERTH_SHIM_RUNTIME_H

#include <stddef.h>
#include <sys/types.h>

struct runtime {
  const char *path;
  const char *root; /* --root, or NULL for the runtime's default */
};

/* Runs `path [--root R] args...` with the given fds as its stdin, stdout and stderr, and waits.
 * Returns the wait status, or -1 if it could not be started. */
int runtime_run(const struct runtime *rt, const char *const args[], int in, int out, int err);

/* Starts path with fds[i] as its fd i (at most 8), nothing else open, an empty environment and
 * default signal handling. Returns the pid (the caller reaps it) or -1. */
pid_t spawn_program(const char *path, const char *const argv[], const int fds[], int nfds);

/* Runs the runtime with stdout and stderr captured; on failure (non-zero exit) fills err with its
 * output on one line. Returns 0 on success, -1 otherwise. */
int runtime_run_captured(const struct runtime *rt, const char *const args[], char *err, size_t errlen);

/* Reads what a failed runtime left in fd (a pipe or a memfd) into one line of text. */
void read_error_text(int fd, char *out, size_t len);

/* Listens on a unix socket at path for the runtime's --console-socket. Returns the fd or -1. */
int console_listen(const char *path);
/* Accepts one connection within timeout_ms and receives the fd it carries (SCM_RIGHTS). */
int console_receive(int listen_fd, int timeout_ms);

/* Reads a pid file written by the runtime. Returns the pid or -1. */
pid_t read_pid_file(const char *path);

#endif
