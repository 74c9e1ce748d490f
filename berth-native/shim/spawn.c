/* Creation by the client. With Berth's own runtime the supervisor runs create and exec through the
 * runtime library in its warm JVM instead of starting a runtime program per container. Only the
 * start of berth-init happens here, so that the shim stays the parent of what berth-init clones:
 *   spawn   — the client sends the instruction stream's read end and the sync socket (SCM_RIGHTS);
 *             the shim starts berth-init with the stdio it keeps the other ends of;
 *   created — the client has talked berth-init through the set-up and names the process's pid;
 *   abandon — the set-up failed; the shim drops what it prepared.
 * One spawn is pending at a time: the client serialises them per container. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

/* The process a spawn is for: the container's init, once, or an exec process of a running init. */
static struct proc *target(struct shim *s, const struct request *req, char *err, size_t errlen) {
  struct proc *init = &s->procs[0];
  if (!req->exec_id[0]) {
    if (!s->opt.create_by_client || init->status != PROC_CREATING) {
      snprintf(err, errlen, "container %s is already created", s->opt.id);
      return NULL;
    }
    return init;
  }
  if (init->status != PROC_RUNNING || init->reaped) {
    snprintf(err, errlen, "container %s is not running", s->opt.id);
    return NULL;
  }
  struct proc *old = proc_find(s, req->exec_id);
  if (old && !old->exit_recorded) {
    snprintf(err, errlen, "exec %s is already running", req->exec_id);
    return NULL;
  }
  struct proc *p = old ? old : free_exec_slot(s);
  if (!p) snprintf(err, errlen, "too many exec processes (at most %d at once)", MAX_EXECS);
  return p;
}

int spawn_begin(struct shim *s, const struct request *req, const int fds[2], pid_t *init_pid, char *err,
                size_t errlen) {
  if (s->spawn.proc) {
    snprintf(err, errlen, "another process of container %s is being created", s->opt.id);
    return -1;
  }
  struct proc *p = target(s, req, err, errlen);
  if (!p) return -1;
  struct stdio_set io;
  if (stdio_prepare(&io, req->terminal, req->open_stdin) < 0) {
    snprintf(err, errlen, "cannot prepare the process's stdio: %s", strerror(errno));
    stdio_close_all(&io);
    if (req->terminal) unlink(CONSOLE_SOCKET);
    return -1;
  }
  const char *argv[] = {"berth-init", NULL};
  pid_t pid = spawn_program(req->process_path, argv, (const int[]){io.run_in, io.run_out, io.run_err, fds[0], fds[1]}, 5);
  if (pid < 0) {
    snprintf(err, errlen, "cannot start %s: %s", req->process_path, strerror(errno));
    stdio_close_all(&io);
    if (req->terminal) unlink(CONSOLE_SOCKET);
    return -1;
  }
  /* berth-init holds the process's ends now; what the runtime's output would be is its business. */
  int *run[] = {&io.run_in, &io.run_out, &io.run_err};
  for (int i = 0; i < 3; i++) {
    if (*run[i] >= 0) close(*run[i]);
    *run[i] = -1;
  }
  if (p != &s->procs[0]) {
    *p = (struct proc){.used = true, .status = PROC_CREATING, .hold_output = true};
    proc_init_fds(p);
    snprintf(p->exec_id, sizeof p->exec_id, "%s", req->exec_id);
  }
  s->spawn = (struct pending_spawn){.proc = p, .io = io, .terminal = req->terminal, .open_stdin = req->open_stdin,
                                    .since_ms = monotonic_ms()};
  *init_pid = pid;
  return 0;
}

static struct proc *pending_for(struct shim *s, const struct request *req) {
  struct proc *p = s->spawn.proc;
  return p && strcmp(p->exec_id, req->exec_id) == 0 ? p : NULL;
}

static void forget_pending(struct shim *s) {
  stdio_close_all(&s->spawn.io);
  if (s->spawn.terminal) unlink(CONSOLE_SOCKET);
  s->spawn = (struct pending_spawn){.proc = NULL};
}

int spawn_finish(struct shim *s, const struct request *req, char *err, size_t errlen) {
  struct proc *p = pending_for(s, req);
  if (!p) {
    snprintf(err, errlen, "no process of container %s is being created as %s", s->opt.id,
             req->exec_id[0] ? req->exec_id : "its init");
    return -1;
  }
  int rc = stdio_adopt(p, &s->spawn.io, s->spawn.terminal, s->spawn.open_stdin, err, errlen);
  bool exec = p != &s->procs[0];
  forget_pending(s);
  if (rc < 0) {
    /* The client kills what it made when this fails. */
    if (exec) p->used = false;
    return -1;
  }
  p->pid = req->pid;
  p->status = exec ? PROC_RUNNING : PROC_CREATED;
  proc_claim_exit(s, p);
  shim_log("%s created as pid %d", exec ? p->exec_id : "init", (int)p->pid);
  return 0;
}

void spawn_abandon(struct shim *s, const struct request *req) {
  struct proc *p = pending_for(s, req);
  if (p) {
    forget_pending(s);
    if (p != &s->procs[0]) p->used = false;
  }
  /* A container that could not be created leaves nothing for this shim to do. */
  if (!req->exec_id[0] && s->procs[0].status == PROC_CREATING) s->shutdown_requested = true;
}

void spawn_expire(struct shim *s, long long now) {
  if (s->spawn.proc && now - s->spawn.since_ms >= SPAWN_DEADLINE_MS) {
    shim_log("no `created` for %s within %d s: giving up", s->spawn.proc->exec_id[0] ? s->spawn.proc->exec_id : "init",
             SPAWN_DEADLINE_MS / 1000);
    struct proc *p = s->spawn.proc;
    forget_pending(s);
    if (p != &s->procs[0]) p->used = false;
  }
}
