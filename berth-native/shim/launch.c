/* Creating the container (`runtime create`) and exec processes (`runtime exec --detach`) with the
 * stdio the shim holds: pipes, or a pty whose master the runtime sends over a console socket. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shim.h"

#define CONSOLE_TIMEOUT_MS 10000

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

void stdio_close_all(struct stdio_set *io) {
  close_fd(&io->run_in);
  close_fd(&io->run_out);
  close_fd(&io->run_err);
  close_fd(&io->keep_in);
  close_fd(&io->keep_out);
  close_fd(&io->keep_err);
  close_fd(&io->console);
}

void console_address(char *out, size_t len) {
  snprintf(out, len, "/proc/%d/cwd/" CONSOLE_SOCKET, (int)getpid());
}

int stdio_prepare(struct stdio_set *io, bool terminal, bool open_stdin) {
  *io = (struct stdio_set){-1, -1, -1, -1, -1, -1, -1};
  int p[2];
  if (terminal) {
    /* The container gets the pty slave; the runtime's own output is only its error text. */
    io->console = console_listen(CONSOLE_SOCKET);
    io->run_in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    io->run_out = memfd_create("runtime-output", MFD_CLOEXEC);
    io->run_err = io->run_out >= 0 ? dup(io->run_out) : -1;
    return io->console >= 0 && io->run_in >= 0 && io->run_err >= 0 ? 0 : -1;
  }
  if (open_stdin) {
    if (pipe2(p, O_CLOEXEC) < 0) return -1;
    io->run_in = p[0];
    io->keep_in = p[1];
  } else if ((io->run_in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
    return -1;
  }
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  io->keep_out = p[0];
  io->run_out = p[1];
  if (pipe2(p, O_CLOEXEC) < 0) return -1;
  io->keep_err = p[0];
  io->run_err = p[1];
  return 0;
}

/* What the runtime said before failing: with pipes, it wrote to the container's stderr. */
static void runtime_failure(struct stdio_set *io, int status, const char *what, char *err, size_t errlen) {
  char text[900] = "";
  if (io->console >= 0) {
    read_error_text(io->run_out, text, sizeof text);
  } else {
    read_error_text(io->keep_err, text, sizeof text);
    if (!text[0]) read_error_text(io->keep_out, text, sizeof text);
  }
  if (status < 0)
    snprintf(err, errlen, "cannot run the runtime: %s", strerror(errno));
  else if (WIFSIGNALED(status))
    snprintf(err, errlen, "runtime %s killed by signal %d%s%s", what, WTERMSIG(status), text[0] ? ": " : "", text);
  else
    snprintf(err, errlen, "runtime %s failed: %s", what, text[0] ? text : "(no message)");
}

/* Runs the runtime and, on success, gives p the shim's ends of its stdio. */
static int launch(struct shim *s, struct proc *p, const char *const args[], bool terminal, bool open_stdin,
                  const char *pid_path, char *err, size_t errlen) {
  struct stdio_set io;
  if (stdio_prepare(&io, terminal, open_stdin) < 0) {
    snprintf(err, errlen, "cannot prepare the container's stdio: %s", strerror(errno));
    stdio_close_all(&io);
    if (terminal) unlink(CONSOLE_SOCKET);
    return -1;
  }
  int status = runtime_run(&s->opt.runtime, args, io.run_in, io.run_out, io.run_err);
  close_fd(&io.run_in);
  if (status != 0) {
    runtime_failure(&io, status, args[0], err, errlen);
    stdio_close_all(&io);
    if (terminal) unlink(CONSOLE_SOCKET);
    return -1;
  }
  p->pid = read_pid_file(pid_path);
  if (p->pid <= 0) {
    snprintf(err, errlen, "the runtime wrote no pid to %s", pid_path);
    stdio_close_all(&io);
    if (terminal) unlink(CONSOLE_SOCKET);
    return -1;
  }
  int rc = stdio_adopt(p, &io, terminal, open_stdin, err, errlen);
  if (terminal) unlink(CONSOLE_SOCKET);
  return rc;
}

int stdio_adopt(struct proc *p, struct stdio_set *io, bool terminal, bool open_stdin, char *err, size_t errlen) {
  int master = -1;
  if (terminal) {
    master = console_receive(io->console, CONSOLE_TIMEOUT_MS);
    if (master < 0) {
      snprintf(err, errlen, "no pty master for the process: %s", strerror(errno));
      stdio_close_all(io);
      return -1;
    }
    p->out_fd = p->master_fd = master;
    p->in_fd = open_stdin ? dup(master) : -1;
    set_nonblocking(master);
  } else {
    p->out_fd = io->keep_out;
    p->err_fd = io->keep_err;
    p->in_fd = io->keep_in;
    io->keep_out = io->keep_err = io->keep_in = -1;
    set_nonblocking(p->out_fd);
    set_nonblocking(p->err_fd);
    if (p->in_fd >= 0) set_nonblocking(p->in_fd);
  }
  p->terminal = terminal;
  /* The process holds its ends now; the shim must not, or it would never see EOF. */
  stdio_close_all(io);
  return 0;
}

int shim_create(struct shim *s, char *err, size_t errlen) {
  char console_path[64], pid_path[4200];
  console_address(console_path, sizeof console_path);
  snprintf(pid_path, sizeof pid_path, "%s/init.pid", s->opt.state_dir);
  unlink(pid_path);
  const char *args[12];
  int n = 0;
  args[n++] = "create";
  args[n++] = "--bundle";
  args[n++] = s->opt.bundle;
  args[n++] = "--pid-file";
  args[n++] = pid_path;
  if (s->opt.terminal) {
    args[n++] = "--console-socket";
    args[n++] = console_path;
  }
  args[n++] = s->opt.id;
  args[n] = NULL;
  struct proc *p = &s->procs[0];
  p->used = true;
  p->status = PROC_CREATED;
  return launch(s, p, args, s->opt.terminal, s->opt.open_stdin, pid_path, err, errlen);
}

struct proc *free_exec_slot(struct shim *s) {
  for (int i = 1; i < 1 + MAX_EXECS; i++) {
    struct proc *p = &s->procs[i];
    if (!p->used) return p;
  }
  /* Reuse the slot of an exec whose exit is recorded and that no client follows any more. */
  for (int i = 1; i < 1 + MAX_EXECS; i++) {
    struct proc *p = &s->procs[i];
    bool followed = false;
    for (int c = 0; c < MAX_CLIENTS; c++)
      if (s->clients[c].kind != CLIENT_FREE && s->clients[c].proc == p) followed = true;
    if (p->exit_recorded && !followed) return p;
  }
  return NULL;
}

int proc_exec(struct shim *s, const struct request *req, char *err, size_t errlen) {
  struct proc *init = &s->procs[0];
  if (init->status != PROC_RUNNING || init->reaped) {
    snprintf(err, errlen, "container %s is not running", s->opt.id);
    return -1;
  }
  struct proc *old = proc_find(s, req->exec_id);
  if (old && !old->exit_recorded) {
    snprintf(err, errlen, "exec %s is already running", req->exec_id);
    return -1;
  }
  struct proc *p = old ? old : free_exec_slot(s);
  if (!p) {
    snprintf(err, errlen, "too many exec processes (at most %d at once)", MAX_EXECS);
    return -1;
  }
  char console_path[64], pid_path[4200];
  console_address(console_path, sizeof console_path);
  snprintf(pid_path, sizeof pid_path, "%s/exec-%s.pid", s->opt.state_dir, req->exec_id);
  unlink(pid_path);
  const char *args[14];
  int n = 0;
  args[n++] = "exec";
  args[n++] = "--process";
  args[n++] = req->process_path;
  args[n++] = "--detach";
  args[n++] = "--pid-file";
  args[n++] = pid_path;
  if (req->terminal) {
    args[n++] = "--console-socket";
    args[n++] = console_path;
  }
  args[n++] = s->opt.id;
  args[n] = NULL;
  struct proc fresh = {.used = true, .status = PROC_RUNNING, .hold_output = !req->detach};
  proc_init_fds(&fresh);
  snprintf(fresh.exec_id, sizeof fresh.exec_id, "%s", req->exec_id);
  if (launch(s, &fresh, args, req->terminal, req->open_stdin, pid_path, err, errlen) < 0) return -1;
  *p = fresh;
  return 0;
}
