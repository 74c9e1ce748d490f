/* Connections on shim.sock: a request line, then a reply line; `wait` and `attach` keep the
 * connection, the others close it. Attach carries the container's output out (multiplexed frames, or
 * raw bytes with a terminal) and the client's bytes into the container's stdin. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "shim.h"

static void close_received(struct client *c) {
  for (int i = 0; i < c->nfds; i++) close(c->fds[i]);
  c->nfds = 0;
}

void client_close(struct client *c) {
  close_received(c);
  if (c->fd >= 0) close(c->fd);
  free(c->out_buf);
  free(c->in_buf);
  *c = (struct client){.fd = -1, .kind = CLIENT_FREE};
}

void client_reply(struct client *c, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) n = sizeof line - 1;
  /* Replies are small and come first on a fresh socket: they fit its buffer. */
  if (send(c->fd, line, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
    shim_log("cannot reply to a client: %s", strerror(errno));
}

bool client_has_pending_output(const struct client *c) {
  return c->out_len > c->out_off;
}

void client_accept(struct shim *s) {
  int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0) return;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &s->clients[i];
    if (c->kind != CLIENT_FREE) continue;
    *c = (struct client){.fd = fd, .kind = CLIENT_REQUEST};
    return;
  }
  const char busy[] = "error too many clients\n";
  (void)!send(fd, busy, sizeof busy - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
  close(fd);
}

static void flush_output(struct client *c) {
  while (client_has_pending_output(c)) {
    ssize_t n = send(c->fd, c->out_buf + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      client_close(c);
      return;
    }
    c->out_off += (size_t)n;
  }
  c->out_len = c->out_off = 0;
  if (c->kind == CLIENT_CLOSING) client_close(c);
}

void clients_fan_out(struct shim *s, struct proc *p, int stream, const unsigned char *data, size_t len) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &s->clients[i];
    if (c->kind != CLIENT_ATTACH || c->proc != p) continue;
    bool wanted = p->terminal ? c->out : (stream == 1 ? c->out : c->err);
    if (!wanted) continue;
    /* The loop reads the container only when no attach client has output pending: this fits. */
    if (!p->terminal) {
      encode_frame_header(c->out_buf + c->out_len, stream, (uint32_t)len);
      c->out_len += FRAME_HEADER_LEN;
    }
    memcpy(c->out_buf + c->out_len, data, len);
    c->out_len += len;
    flush_output(c);
  }
}

void clients_flush_stdin(struct shim *s, struct proc *p) {
  bool pending = false;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &s->clients[i];
    if (c->kind != CLIENT_ATTACH || c->proc != p || !c->in_buf) continue;
    while (c->in_len > c->in_off && p->in_fd >= 0) {
      ssize_t n = write(p->in_fd, c->in_buf + c->in_off, c->in_len - c->in_off);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) break;
      if (n < 0) {
        /* The container closed its stdin: what clients type has nowhere to go. */
        proc_close_stdin(p);
        break;
      }
      c->in_off += (size_t)n;
    }
    if (p->in_fd < 0 || c->in_off == c->in_len) c->in_len = c->in_off = 0;
    if (c->in_len > 0) pending = true;
  }
  if (!pending && p->close_stdin_pending) proc_close_stdin(p);
}

static void start_attach(struct shim *s, struct client *c, struct proc *p, const struct request *req) {
  c->in = req->in && p->in_fd >= 0;
  c->out = req->out;
  c->err = req->err;
  c->stdin_once = req->stdin_once;
  c->out_buf = malloc(CLIENT_OUT_CAP);
  c->in_buf = c->in ? malloc(CLIENT_IN_CAP) : NULL;
  if (!c->out_buf || (c->in && !c->in_buf)) {
    client_reply(c, "error out of memory\n");
    client_close(c);
    return;
  }
  client_reply(c, "ok\n");
  c->proc = p;
  c->kind = p->exit_recorded ? CLIENT_CLOSING : CLIENT_ATTACH;
  p->hold_output = false;
  (void)s;
  if (c->kind == CLIENT_CLOSING) client_close(c);
}

static void do_resize(struct client *c, struct proc *p, const struct request *req) {
  struct winsize ws = {.ws_row = req->rows, .ws_col = req->cols};
  if (!p->terminal || p->master_fd < 0)
    client_reply(c, "error %s\n", p->terminal ? "the terminal is closed" : "the process has no terminal");
  else if (ioctl(p->master_fd, TIOCSWINSZ, &ws) < 0)
    client_reply(c, "error resize: %s\n", strerror(errno));
  else
    client_reply(c, "ok\n");
}

static void do_kill(struct client *c, struct proc *p, int signal) {
  /* The shim is the parent: until it reaps the pid, the pid cannot name another process. */
  if (p->reaped || p->pid <= 0)
    client_reply(c, "error the process is not running\n");
  else if (kill(p->pid, signal) < 0)
    client_reply(c, "error kill: %s\n", strerror(errno));
  else
    client_reply(c, "ok\n");
}

static void dispatch(struct shim *s, struct client *c, const char *line) {
  struct request req;
  char err[1024];
  if (parse_request(line, &req, err, sizeof err) < 0) {
    client_reply(c, "error %s\n", err);
    client_close(c);
    return;
  }
  if (req.verb == VERB_SPAWN) {
    pid_t pid;
    if (c->nfds != 2)
      client_reply(c, "error spawn wants two fds (the instruction stream and the sync socket), got %d\n", c->nfds);
    else if (spawn_begin(s, &req, c->fds, &pid, err, sizeof err) < 0)
      client_reply(c, "error %s\n", err);
    else
      client_reply(c, "ok %d\n", (int)pid);
    client_close(c);
    return;
  }
  if (req.verb == VERB_CREATED) {
    if (spawn_finish(s, &req, err, sizeof err) < 0) client_reply(c, "error %s\n", err);
    else client_reply(c, "ok\n");
    client_close(c);
    return;
  }
  if (req.verb == VERB_ABANDON) {
    spawn_abandon(s, &req);
    client_reply(c, "ok\n");
    client_close(c);
    return;
  }
  if (req.verb == VERB_EXEC) {
    if (proc_exec(s, &req, err, sizeof err) < 0)
      client_reply(c, "error %s\n", err);
    else
      client_reply(c, "ok %d\n", (int)proc_find(s, req.exec_id)->pid);
    client_close(c);
    return;
  }
  struct proc *p = proc_find(s, req.exec_id);
  if (!p) {
    client_reply(c, "error no such exec %s\n", req.exec_id);
    client_close(c);
    return;
  }
  char state[512];
  switch (req.verb) {
    case VERB_START:
    case VERB_STARTED:
      if (proc_start(s, p, req.verb == VERB_STARTED, err, sizeof err) < 0) client_reply(c, "error %s\n", err);
      else client_reply(c, "ok\n");
      break;
    case VERB_STATE:
      proc_state_json(s, p, state, sizeof state);
      client_reply(c, "%s\n", state);
      break;
    case VERB_WAIT:
      if (p->exit_recorded) {
        client_reply(c, "exit %d %s\n", p->exit_code, p->exited_at);
        break;
      }
      c->kind = CLIENT_WAIT;
      c->proc = p;
      return;
    case VERB_ATTACH:
      start_attach(s, c, p, &req);
      return;
    case VERB_RESIZE:
      do_resize(c, p, &req);
      break;
    case VERB_CLOSE_STDIN:
      p->close_stdin_pending = true;
      clients_flush_stdin(s, p);
      client_reply(c, "ok\n");
      break;
    case VERB_KILL:
      do_kill(c, p, req.signal);
      break;
    case VERB_SHUTDOWN:
      s->shutdown_requested = true;
      client_reply(c, "ok\n");
      break;
    case VERB_EXEC:
    case VERB_SPAWN:
    case VERB_CREATED:
    case VERB_ABANDON:
      break;
  }
  client_close(c);
}

/* Reads request bytes and any fds sent with them (only `spawn` sends fds; extra ones are closed). */
static ssize_t receive(struct client *c) {
  struct iovec iov = {.iov_base = c->req + c->req_len, .iov_len = sizeof c->req - 1 - c->req_len};
  union {
    char buf[CMSG_SPACE(4 * sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  ssize_t n = recvmsg(c->fd, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return n;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      if (c->nfds < 2) c->fds[c->nfds++] = fd;
      else close(fd);
    }
  }
  return n;
}

static void read_request(struct shim *s, struct client *c) {
  ssize_t n = receive(c);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    client_close(c);
    return;
  }
  c->req_len += (size_t)n;
  c->req[c->req_len] = '\0';
  char *nl = strchr(c->req, '\n');
  if (!nl) {
    if (c->req_len == sizeof c->req - 1) {
      client_reply(c, "error request too long\n");
      client_close(c);
    }
    return;
  }
  *nl = '\0';
  /* Nothing may follow the request line except an attach's stdin, which is not read until attached. */
  char line[REQUEST_MAX];
  snprintf(line, sizeof line, "%s", c->req);
  size_t rest = c->req_len - (size_t)(nl + 1 - c->req);
  char extra[REQUEST_MAX];
  memcpy(extra, nl + 1, rest);
  dispatch(s, c, line);
  if (rest > 0 && c->kind == CLIENT_ATTACH && c->in_buf) {
    memcpy(c->in_buf, extra, rest);
    c->in_len = rest;
    clients_flush_stdin(s, c->proc);
  }
}

static void read_attached(struct shim *s, struct client *c) {
  unsigned char discard[512];
  bool to_stdin = c->kind == CLIENT_ATTACH && c->in_buf && c->proc->in_fd >= 0;
  unsigned char *buf = to_stdin ? c->in_buf : discard;
  ssize_t n = read(c->fd, buf, to_stdin ? CLIENT_IN_CAP : sizeof discard);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) {
    c->peer_eof = true;
    if (to_stdin && c->stdin_once) c->proc->close_stdin_pending = true;
    if (c->kind == CLIENT_ATTACH) clients_flush_stdin(s, c->proc);
    return;
  }
  if (to_stdin) {
    c->in_len = (size_t)n;
    c->in_off = 0;
    clients_flush_stdin(s, c->proc);
  }
}

void client_handle(struct shim *s, struct client *c, short revents) {
  if (revents & (POLLERR | POLLNVAL)) {
    client_close(c);
    return;
  }
  if (revents & POLLOUT) flush_output(c);
  if (c->kind == CLIENT_FREE) return;
  if (revents & POLLIN) {
    if (c->kind == CLIENT_REQUEST)
      read_request(s, c);
    else
      read_attached(s, c);
  }
  /* Both directions are shut: nobody reads what the shim would send. */
  if (c->kind != CLIENT_FREE && (revents & POLLHUP)) client_close(c);
}
