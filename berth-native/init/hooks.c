#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How much of a hook's output goes into the error message. */
#define KEPT_OUTPUT 2048

static const char *kind_name(uint64_t kind) {
  return kind == HOOK_CREATE_CONTAINER ? "createContainer" : kind == HOOK_START_CONTAINER ? "startContainer" : "hook";
}

char *hooks_state(const char *state_json, int pid, uint64_t kind) {
  const char *json = state_json && state_json[0] == '{' ? state_json : "{}";
  const char *rest = json + 1;
  while (*rest == ' ' || *rest == '\n') rest++;
  const char *status = kind == HOOK_START_CONTAINER ? "created" : "creating";
  size_t len = strlen(rest) + 64;
  char *out = malloc(len);
  if (!out) return NULL;
  snprintf(out, len, "{\"pid\":%d,\"status\":\"%s\"%s%s", pid, status, *rest == '}' ? "" : ",", rest);
  return out;
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads what is there of the hook's output, keeping the start of it; 0 at its end. */
static int drain(int fd, char *kept, size_t *used) {
  char buf[4096];
  ssize_t n = read(fd, buf, sizeof(buf));
  if (n <= 0) return n < 0 && (errno == EAGAIN || errno == EINTR) ? 1 : 0;
  size_t take = (size_t)n < KEPT_OUTPUT - *used ? (size_t)n : KEPT_OUTPUT - *used;
  memcpy(kept + *used, buf, take);
  *used += take;
  return 1;
}

static void trim(char *s) {
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' ' || s[n - 1] == '\r')) s[--n] = '\0';
}

static int run_one(const struct hook_spec *h, const char *kind, const char *state, char *err, size_t errlen) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
    snprintf(err, errlen, "%s hook %s: pipe: %s", kind, h->path, strerror(errno));
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(err, errlen, "%s hook %s: fork: %s", kind, h->path, strerror(errno));
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(out[1], 2);
    char *none[] = {(char *)h->path, NULL};
    execve(h->path, h->argv[0] ? h->argv : none, h->envp);
    fprintf(stderr, "exec %s: %s", h->path, strerror(errno));
    _exit(127);
  }
  setpgid(pid, pid); /* also here, so the group exists whichever of us runs first */
  close(in[0]);
  close(out[1]);
  /* A hook need not read its stdin. SIGPIPE is ignored only meanwhile: the container's process
   * would inherit the disposition across execve. */
  void (*previous)(int) = signal(SIGPIPE, SIG_IGN);
  ssize_t ignored = write(in[1], state, strlen(state));
  (void)ignored;
  close(in[1]);
  signal(SIGPIPE, previous);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  char kept[KEPT_OUTPUT + 1];
  size_t used = 0;
  int open_out = 1, status = 0;
  long long deadline = h->timeout ? now_ms() + (long long)h->timeout * 1000 : 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      snprintf(err, errlen, "%s hook %s: waitpid: %s", kind, h->path, strerror(errno));
      close(out[0]);
      return -1;
    }
    if (deadline && now_ms() >= deadline) {
      /* The whole group: a hook's children would otherwise outlive it (and hold its output open). */
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      /* Its children are ours to reap once orphaned when we are their reaper (pid 1 of the container). */
      for (int i = 0; i < 20 && waitpid(-pid, NULL, WNOHANG) >= 0; i++) usleep(5000);
      close(out[0]);
      snprintf(err, errlen, "%s hook %s timed out after %llus", kind, h->path, (unsigned long long)h->timeout);
      return -1;
    }
    struct pollfd p = {.fd = out[0], .events = POLLIN};
    if (open_out && poll(&p, 1, 5) > 0) open_out = drain(out[0], kept, &used);
    else if (!open_out) usleep(5000);
  }
  /* What the hook wrote before it exited; a child it left behind may keep the pipe open, so no waiting. */
  while (open_out && drain(out[0], kept, &used) == 1 && used < KEPT_OUTPUT) {
    struct pollfd p = {.fd = out[0], .events = POLLIN};
    if (poll(&p, 1, 0) <= 0) break;
  }
  close(out[0]);
  kept[used] = '\0';
  trim(kept);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  if (WIFEXITED(status))
    snprintf(err, errlen, "%s hook %s failed with exit status %d%s%s", kind, h->path, WEXITSTATUS(status),
             used ? ": " : "", kept);
  else
    snprintf(err, errlen, "%s hook %s was killed by signal %d%s%s", kind, h->path, WTERMSIG(status), used ? ": " : "",
             kept);
  return -1;
}

int hooks_run(const struct config *cfg, uint64_t kind, char *err, size_t errlen) {
  char *state = NULL;
  int rc = 0;
  for (size_t i = 0; i < cfg->n_hooks && rc == 0; i++) {
    if (cfg->hooks[i].kind != kind) continue;
    if (!state && !(state = hooks_state(cfg->state_json, getpid(), kind))) {
      snprintf(err, errlen, "%s hooks: out of memory", kind_name(kind));
      return -1;
    }
    rc = run_one(&cfg->hooks[i], kind_name(kind), state, err, errlen);
  }
  free(state);
  return rc;
}
