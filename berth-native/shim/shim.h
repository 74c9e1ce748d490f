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
/* How long a client may take between `spawn` and `created` before the shim gives up on it. */
#define SPAWN_DEADLINE_MS 120000
/* The console socket, bound in the state dir (the shim's cwd). Runtimes and berth-init connect to it
 * as /proc/<shim pid>/cwd/console.sock (console_address), which is short whatever the state dir's
 * length: unix socket paths are limited to 107 bytes. */
#define CONSOLE_SOCKET "console.sock"
/* Exits of children the shim did not know yet (a process may exit before its client says `created`). */
#define MAX_UNCLAIMED 16
#define UNCLAIMED_TTL_MS 10000

struct options {
  const char *id, *bundle, *state_dir;
  struct runtime runtime;
  bool terminal, open_stdin, no_log;
  bool create_by_client; /* the client creates the container through the runtime library (`spawn`) */
  long long log_max_size;
  int log_max_files;
  long long exit_grace_ms;
};

/* CREATING: a client-created process between `spawn` and `created` (or the init before its spawn). */
enum proc_status { PROC_CREATED, PROC_RUNNING, PROC_STOPPED, PROC_CREATING };

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
  int fds[2]; /* received with the request (SCM_RIGHTS); only `spawn` takes any */
  int nfds;
};

/* The fds handed to the runtime or berth-init (run_*) and those the shim keeps (keep_*). */
struct stdio_set {
  int run_in, run_out, run_err;
  int keep_in, keep_out, keep_err;
  int console; /* listening console socket, with a terminal */
};

/* A process a client is creating through the runtime library: berth-init runs, `created` is due. */
struct pending_spawn {
  struct proc *proc; /* NULL when none is pending */
  struct stdio_set io;
  bool terminal, open_stdin;
  long long since_ms;
};

struct unclaimed_exit {
  pid_t pid; /* 0: a free entry */
  int status;
  long long reaped_ms;
  char at[TIMESTAMP_LEN];
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
  long long started_ms;
  struct pending_spawn spawn;
  struct unclaimed_exit unclaimed[MAX_UNCLAIMED];
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
/* A process whose pid became known after it may have been reaped: takes its recorded exit. */
void proc_claim_exit(struct shim *s, struct proc *p);
/* launch.c */
int shim_create(struct shim *s, char *err, size_t errlen);
struct proc *free_exec_slot(struct shim *s);
int stdio_prepare(struct stdio_set *io, bool terminal, bool open_stdin);
void console_address(char *out, size_t len);
void stdio_close_all(struct stdio_set *io);
/* Gives p the shim's ends of io (and the pty master from the console socket); closes the rest. */
int stdio_adopt(struct proc *p, struct stdio_set *io, bool terminal, bool open_stdin, char *err, size_t errlen);
/* spawn.c: creation by the client through the runtime library (see README.md) */
int spawn_begin(struct shim *s, const struct request *req, const int fds[2], pid_t *init_pid, char *err,
                size_t errlen);
int spawn_finish(struct shim *s, const struct request *req, char *err, size_t errlen);
void spawn_abandon(struct shim *s, const struct request *req);
/* Gives up a spawn whose client never said `created`. */
void spawn_expire(struct shim *s, long long now);

#endif
