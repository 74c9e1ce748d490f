/* The container's processes: their output (to the log and attach clients), their exit, start and
 * exec through the runtime. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

struct proc *proc_find(struct shim *s, const char *exec_id) {
  for (int i = 0; i < 1 + MAX_EXECS; i++)
    if (s->procs[i].used && strcmp(s->procs[i].exec_id, exec_id) == 0) return &s->procs[i];
  return NULL;
}

void proc_init_fds(struct proc *p) {
  p->out_fd = p->err_fd = p->in_fd = p->master_fd = -1;
}

struct log_target {
  struct shim *shim;
  const char *stream;
};

static void log_line(void *ctx, const unsigned char *line, size_t len) {
  struct log_target *t = ctx;
  char ts[TIMESTAMP_LEN];
  now_timestamp(ts);
  if (logfile_write(&t->shim->log, t->stream, line, len, ts) < 0) {
    /* A full disk must not stop the container: attach still works, the log has a gap. */
    shim_log("cannot write the log: %s", strerror(errno));
  }
}

static void close_output(struct proc *p, int stream) {
  int *fd = stream == 1 ? &p->out_fd : &p->err_fd;
  if (*fd < 0) return;
  close(*fd);
  if (*fd == p->master_fd) p->master_fd = -1;
  *fd = -1;
}

void proc_read_output(struct shim *s, struct proc *p, int stream) {
  int fd = stream == 1 ? p->out_fd : p->err_fd;
  unsigned char buf[CHUNK];
  ssize_t n = read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    /* EOF, or EIO from a pty master once every slave is closed. */
    close_output(p, stream);
    return;
  }
  if (p == &s->procs[0] && s->logging) {
    struct log_target t = {s, stream == 1 ? "stdout" : "stderr"};
    linebuf_feed(&s->lines[stream - 1], buf, (size_t)n, log_line, &t);
  }
  clients_fan_out(s, p, stream, buf, (size_t)n);
}

void proc_close_stdin(struct proc *p) {
  if (p->in_fd >= 0) close(p->in_fd);
  p->in_fd = -1;
  p->close_stdin_pending = false;
}

static void mark_reaped(struct proc *p, int status, long long ms, const char *at) {
  p->reaped = true;
  p->reaped_ms = ms;
  p->exit_code = exit_code_of(status, &p->signal);
  snprintf(p->exited_at, sizeof p->exited_at, "%s", at);
  shim_log("process %d (%s) exited with %d", (int)p->pid, p->exec_id[0] ? p->exec_id : "init", p->exit_code);
}

static void record_wait_status(struct shim *s, pid_t pid, int status) {
  char at[TIMESTAMP_LEN];
  now_timestamp(at);
  long long now = monotonic_ms();
  for (int i = 0; i < 1 + MAX_EXECS; i++) {
    struct proc *p = &s->procs[i];
    if (!p->used || p->reaped || p->pid != pid) continue;
    mark_reaped(p, status, now, at);
    return;
  }
  /* Not known (yet): berth-init's parent half, an orphan, or a process whose `created` is on its way. */
  struct unclaimed_exit *slot = &s->unclaimed[0];
  for (int i = 0; i < MAX_UNCLAIMED; i++) {
    if (s->unclaimed[i].pid == 0) {
      slot = &s->unclaimed[i];
      break;
    }
    if (s->unclaimed[i].reaped_ms < slot->reaped_ms) slot = &s->unclaimed[i];
  }
  *slot = (struct unclaimed_exit){.pid = pid, .status = status, .reaped_ms = now};
  snprintf(slot->at, sizeof slot->at, "%s", at);
}

void proc_claim_exit(struct shim *s, struct proc *p) {
  long long now = monotonic_ms();
  for (int i = 0; i < MAX_UNCLAIMED; i++) {
    struct unclaimed_exit *u = &s->unclaimed[i];
    if (u->pid == 0) continue;
    /* An old entry may name a pid since reused; entries live only as long as a spawn may take. */
    if (now - u->reaped_ms > UNCLAIMED_TTL_MS) {
      u->pid = 0;
      continue;
    }
    if (u->pid != p->pid) continue;
    mark_reaped(p, u->status, u->reaped_ms, u->at);
    u->pid = 0;
  }
}

void proc_reap(struct shim *s) {
  struct signalfd_siginfo si;
  while (read(s->signal_fd, &si, sizeof si) == (ssize_t)sizeof si) {
    if (si.ssi_signo != SIGCHLD) shim_log("ignoring signal %u: the shim lives as long as its container", si.ssi_signo);
  }
  /* A subreaper inherits every orphan of the container and the runtime: reap them all. */
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) break;
    record_wait_status(s, pid, status);
  }
}

static void write_exit_file(struct shim *s, struct proc *p) {
  char name[EXEC_ID_MAX + 32];
  char json[256];
  if (p->exec_id[0])
    snprintf(name, sizeof name, "exec-%s.exit.json", p->exec_id);
  else
    snprintf(name, sizeof name, "exit.json");
  snprintf(json, sizeof json, "{\"pid\":%d,\"exit_code\":%d,\"signal\":%d,\"exited_at\":\"%s\"}\n", (int)p->pid,
           p->exit_code, p->signal, p->exited_at);
  if (write_file_atomic(s->opt.state_dir, name, json, 1) < 0)
    shim_log("cannot write %s: %s", name, strerror(errno));
}

void proc_finish_if_drained(struct shim *s, struct proc *p, long long now) {
  if (!p->used || !p->reaped || p->exit_recorded) return;
  if ((p->out_fd >= 0 || p->err_fd >= 0) && now - p->reaped_ms < DRAIN_MS) return;
  close_output(p, 1);
  close_output(p, 2);
  proc_close_stdin(p);
  if (p == &s->procs[0] && s->logging) {
    struct log_target out = {s, "stdout"}, err = {s, "stderr"};
    linebuf_flush(&s->lines[0], log_line, &out);
    linebuf_flush(&s->lines[1], log_line, &err);
    if (fsync(s->log.fd) < 0) shim_log("cannot sync the log: %s", strerror(errno));
  }
  /* The exit file is durable before anyone is told: a client that saw the exit can rely on it. */
  write_exit_file(s, p);
  p->exit_recorded = true;
  p->status = PROC_STOPPED;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &s->clients[i];
    if (c->kind == CLIENT_FREE || c->proc != p) continue;
    if (c->kind == CLIENT_WAIT) {
      client_reply(c, "exit %d %s\n", p->exit_code, p->exited_at);
      client_close(c);
    } else if (c->kind == CLIENT_ATTACH) {
      c->kind = CLIENT_CLOSING;
      if (!client_has_pending_output(c)) client_close(c);
    }
  }
}

int proc_start(struct shim *s, struct proc *p, int external, char *err, size_t errlen) {
  if (p != &s->procs[0]) {
    snprintf(err, errlen, "exec processes start when they are created");
    return -1;
  }
  /* Told by a client that started it itself: a process quick enough to have exited already did start. */
  if (external && p->reaped && p->status != PROC_CREATING) return 0;
  if (p->status != PROC_CREATED || p->reaped) {
    snprintf(err, errlen, "container %s is %s", s->opt.id,
             p->reaped ? "stopped" : p->status == PROC_CREATING ? "not created yet" : "already started");
    return -1;
  }
  /* external: the client started it through the runtime's library, and says so. */
  const char *args[] = {"start", s->opt.id, NULL};
  if (!external && runtime_run_captured(&s->opt.runtime, args, err, errlen) < 0) return -1;
  p->status = PROC_RUNNING;
  return 0;
}

void proc_state_json(const struct shim *s, const struct proc *p, char *out, size_t len) {
  static const char *names[] = {"created", "running", "stopped", "creating"};
  int n = snprintf(out, len, "{\"id\":\"%s\",\"pid\":%d,\"status\":\"%s\"", p->exec_id[0] ? p->exec_id : s->opt.id,
                   (int)p->pid, names[p->status]);
  if (p->status == PROC_STOPPED && n > 0 && (size_t)n < len)
    n += snprintf(out + n, len - (size_t)n, ",\"exit_code\":%d,\"signal\":%d,\"exited_at\":\"%s\"", p->exit_code,
                  p->signal, p->exited_at);
  if (n > 0 && (size_t)n < len) snprintf(out + n, len - (size_t)n, "}");
}
