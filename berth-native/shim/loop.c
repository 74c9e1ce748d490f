/* The one poll loop: signals (children to reap), new clients, the processes' output and stdin,
 * and the clients. Output is read only when no attach client of that process has bytes pending, so
 * a slow client slows the container down (as with Docker) instead of growing the shim's memory. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "shim.h"

#define MAX_POLL (2 + 3 * (1 + MAX_EXECS) + MAX_CLIENTS)
#define TICK_MS 100

enum tag_kind { TAG_SIGNAL, TAG_LISTEN, TAG_OUT, TAG_ERR, TAG_IN, TAG_CLIENT };

struct tag {
  enum tag_kind kind;
  void *ptr;
};

struct pollset {
  struct pollfd fds[MAX_POLL];
  struct tag tags[MAX_POLL];
  int n;
};

static void add(struct pollset *ps, int fd, short events, enum tag_kind kind, void *ptr) {
  ps->fds[ps->n] = (struct pollfd){.fd = fd, .events = events};
  ps->tags[ps->n] = (struct tag){kind, ptr};
  ps->n++;
}

static bool output_backlog(const struct shim *s, const struct proc *p) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    const struct client *c = &s->clients[i];
    if (c->kind != CLIENT_FREE && c->proc == p && client_has_pending_output(c)) return true;
  }
  return false;
}

static bool stdin_backlog(const struct shim *s, const struct proc *p) {
  for (int i = 0; i < MAX_CLIENTS; i++) {
    const struct client *c = &s->clients[i];
    if (c->kind == CLIENT_ATTACH && c->proc == p && c->in_len > c->in_off) return true;
  }
  return false;
}

static bool wants_read(const struct client *c) {
  if (c->kind == CLIENT_REQUEST) return true;
  if (c->peer_eof) return false;
  return !(c->kind == CLIENT_ATTACH && c->in_buf && c->in_len > c->in_off);
}

static void build(struct shim *s, struct pollset *ps) {
  ps->n = 0;
  add(ps, s->signal_fd, POLLIN, TAG_SIGNAL, NULL);
  add(ps, s->listen_fd, POLLIN, TAG_LISTEN, NULL);
  for (int i = 0; i < 1 + MAX_EXECS; i++) {
    struct proc *p = &s->procs[i];
    if (!p->used) continue;
    if (!p->hold_output && !output_backlog(s, p)) {
      if (p->out_fd >= 0) add(ps, p->out_fd, POLLIN, TAG_OUT, p);
      if (p->err_fd >= 0) add(ps, p->err_fd, POLLIN, TAG_ERR, p);
    }
    if (p->in_fd >= 0 && stdin_backlog(s, p)) add(ps, p->in_fd, POLLOUT, TAG_IN, p);
  }
  for (int i = 0; i < MAX_CLIENTS; i++) {
    struct client *c = &s->clients[i];
    if (c->kind == CLIENT_FREE) continue;
    short events = (short)((wants_read(c) ? POLLIN : 0) | (client_has_pending_output(c) ? POLLOUT : 0));
    add(ps, c->fd, events, TAG_CLIENT, c);
  }
}

static bool timers_running(const struct shim *s) {
  if (s->spawn.proc || s->procs[0].status == PROC_CREATING) return true;
  for (int i = 0; i < 1 + MAX_EXECS; i++)
    if (s->procs[i].used && s->procs[i].reaped && !s->procs[i].exit_recorded) return true;
  return s->procs[0].exit_recorded;
}

/* The shim is done once the container's exit is recorded and nobody needs it: after `shutdown`,
 * or when no client has been connected for the grace period. */
static bool should_exit(struct shim *s, long long now) {
  if (s->procs[0].status == PROC_CREATING && !s->spawn.proc) {
    /* A client-created container that was abandoned, or whose client vanished before creating it. */
    return s->shutdown_requested || now - s->started_ms >= SPAWN_DEADLINE_MS;
  }
  if (!s->procs[0].exit_recorded) return false;
  int clients = 0;
  bool pending = false;
  for (int i = 0; i < MAX_CLIENTS; i++) {
    if (s->clients[i].kind == CLIENT_FREE) continue;
    clients++;
    if (client_has_pending_output(&s->clients[i])) pending = true;
  }
  if (s->shutdown_requested) return !pending;
  if (clients > 0) {
    s->idle_since_ms = 0;
    return false;
  }
  if (s->idle_since_ms == 0) s->idle_since_ms = now;
  return now - s->idle_since_ms >= s->opt.exit_grace_ms;
}

static void handle(struct shim *s, const struct pollfd *pfd, const struct tag *tag) {
  struct proc *p = tag->ptr;
  switch (tag->kind) {
    case TAG_SIGNAL:
      proc_reap(s);
      break;
    case TAG_LISTEN:
      client_accept(s);
      break;
    case TAG_OUT:
      if (p->out_fd == pfd->fd && !output_backlog(s, p)) proc_read_output(s, p, 1);
      break;
    case TAG_ERR:
      if (p->err_fd == pfd->fd && !output_backlog(s, p)) proc_read_output(s, p, 2);
      break;
    case TAG_IN:
      if (p->in_fd == pfd->fd) clients_flush_stdin(s, p);
      break;
    case TAG_CLIENT: {
      struct client *c = tag->ptr;
      /* An earlier event in this round may have closed it (and a new client may reuse the slot). */
      if (c->kind != CLIENT_FREE && c->fd == pfd->fd) client_handle(s, c, pfd->revents);
      break;
    }
  }
}

int shim_loop(struct shim *s) {
  static struct pollset ps;
  for (;;) {
    long long now = monotonic_ms();
    for (int i = 0; i < 1 + MAX_EXECS; i++) proc_finish_if_drained(s, &s->procs[i], now);
    spawn_expire(s, now);
    if (should_exit(s, now)) return 0;
    build(s, &ps);
    int ready = poll(ps.fds, (nfds_t)ps.n, timers_running(s) ? TICK_MS : -1);
    if (ready < 0) {
      if (errno == EINTR) continue;
      shim_log("poll: %s", strerror(errno));
      return -1;
    }
    for (int i = 0; i < ps.n && ready > 0; i++) {
      if (ps.fds[i].revents == 0) continue;
      ready--;
      handle(s, &ps.fds[i], &ps.tags[i]);
    }
  }
}
