/* The state of one berth-shim: the container's processes (its init and any exec processes), the
 * clients connected to shim.sock, and the log. One thread, one poll loop, fixed-size tables. */
#ifndef BERTH_SHIM_SHIM_H
#define BERTH_SHIM_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "jsonlog.h"
#include "proto.h"
#include "runtime.h"
#include "util.h"

#define MAX_CLIENTS 64
#define MAX_EXECS 16
/* Bytes read from the container per read(): also what an attach client may have pending. */
#define CHUNK 8192
#define CLIENT_OUT_CAP (CHUNK + FRAME_HEADER_LEN)
#define CLIENT_IN_CAP 4096
/* After the container's process is reaped, how long its output may take to reach EOF (a process
 * outside its pid namespace may still hold the pipes). */
#define DRAIN_MS 2000

struct options {
  const char *id, *bundle, *state_dir;
  struct runtime runtime;
  bool terminal, open_stdin, no_log;
  long long log_max_size;
  int log_max_files;
  long long exit_grace_ms;
};

enum proc_status { PROC_CREATED, PROC_RUNNING, PROC_STOPPED };

struct proc {
  bool used;
  char exec_id[EXEC_ID_MAX + 1]; /* "" for the container's init */
  pid_t pid;
  enum proc_status status;
  bool terminal;
  bool hold_output;  /* an exec's output waits in the pipe for its first attach */
  int out_fd, err_fd; /* read ends (out_fd is the pty master with a terminal); -1 once at EOF */
  int in_fd;          /* write end of stdin (a dup of the master with a terminal); -1 when closed */
  int master_fd;      /* for resize */
  bool close_stdin_pending;
  bool reaped, exit_recorded;
  long long reaped_ms;
  int exit_code, signal;
  char exited_at[TIMESTAMP_LEN];
};

enum client_kind { CLIENT_FREE, CLIENT_REQUEST, CLIENT_ATTACH, CLIENT_WAIT, CLIENT_CLOSING };

struct client {
  int fd;
  enum client_kind kind;
  struct proc *proc;
  char req[REQUEST_MAX];
  size_t req_len;
  bool in, out, err, stdin_once;
  bool peer_eof; /* the client half-closed its side */
  unsigned char *out_buf, *in_buf; /* allocated on attach */
  size_t out_len, out_off, in_len, in_off;
};

struct shim {
  struct options opt;
  struct logfile log;
  bool logging;
  struct linebuf lines[2]; /* the init's stdout and stderr, split into log records */
  int listen_fd, signal_fd;
  struct proc procs[1 + MAX_EXECS]; /* procs[0] is the container's init */
  struct client clients[MAX_CLIENTS];
  bool shutdown_requested;
  long long idle_since_ms;
};

/* loop.c */
int shim_loop(struct shim *s);
/* clients.c */
void client_accept(struct shim *s);
void client_handle(struct shim *s, struct client *c, short revents);
void client_close(struct client *c);
void client_reply(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool client_has_pending_output(const struct client *c);
void clients_fan_out(struct shim *s, struct proc *p, int stream, const unsigned char *data, size_t len);
void clients_flush_stdin(struct shim *s, struct proc *p);
/* procs.c */
struct proc *proc_find(struct shim *s, const char *exec_id);
void proc_init_fds(struct proc *p);
void proc_read_output(struct shim *s, struct proc *p, int stream);
void proc_reap(struct shim *s);
void proc_finish_if_drained(struct shim *s, struct proc *p, long long now);
void proc_close_stdin(struct proc *p);
/* external: already started by the client through the runtime library; only the status changes. */
int proc_start(struct shim *s, struct proc *p, int external, char *err, size_t errlen);
int proc_exec(struct shim *s, const struct request *req, char *err, size_t errlen);
void proc_state_json(const struct shim *s, const struct proc *p, char *out, size_t len);
/* create.c */
int shim_create(struct shim *s, char *err, size_t errlen);

#endif
