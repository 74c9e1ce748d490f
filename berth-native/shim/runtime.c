#include "runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define MAX_ARGS 32

/* In the child between fork and exec: undo what the shim set up for itself, put fds[i] on fd i,
 * close everything else, exec. envp NULL keeps the shim's environment. */
static void exec_child(const char *path, const char *const argv[], const int fds[], int nfds, char *const envp[]) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  signal(SIGHUP, SIG_DFL);
  /* Move the fds above the targets first, so that dup2 cannot clobber one with another. */
  int moved[8];
  for (int i = 0; i < nfds; i++)
    if ((moved[i] = fcntl(fds[i], F_DUPFD, 10)) < 0) _exit(126);
  for (int i = 0; i < nfds; i++)
    if (dup2(moved[i], i) < 0) _exit(126);
  closefrom(nfds);
  if (envp)
    execve(path, (char *const *)argv, envp);
  else
    execv(path, (char *const *)argv);
  dprintf(STDERR_FILENO, "cannot execute %s: %s\n", path, strerror(errno));
  _exit(127);
}

pid_t spawn_program(const char *path, const char *const argv[], const int fds[], int nfds) {
  static char *const no_env[] = {NULL};
  if (nfds > 8) {
    errno = EINVAL;
    return -1;
  }
  pid_t pid = fork();
  if (pid == 0) exec_child(path, argv, fds, nfds, no_env);
  return pid;
}

int runtime_run(const struct runtime *rt, const char *const args[], int in, int out, int err) {
  const char *argv[MAX_ARGS];
  int n = 0;
  argv[n++] = rt->path;
  if (rt->root) {
    argv[n++] = "--root";
    argv[n++] = rt->root;
  }
  for (int i = 0; args[i] && n < MAX_ARGS - 1; i++) argv[n++] = args[i];
  argv[n] = NULL;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) exec_child(argv[0], argv, (const int[]){in, out, err}, 3, NULL);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return status;
}

void read_error_text(int fd, char *out, size_t len) {
  size_t used = 0;
  char buf[4096];
  ssize_t n;
  off_t off = 0;
  /* pread for a memfd (offset 0), read for a pipe; a pipe has no offset and fails with ESPIPE. */
  set_nonblocking(fd);
  while (used + 1 < len) {
    n = pread(fd, buf, sizeof buf, off);
    if (n < 0 && errno == ESPIPE) n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    off += n;
    for (ssize_t i = 0; i < n && used + 1 < len; i++) {
      char c = buf[i];
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
      if ((unsigned char)c < 0x20) continue;
      out[used++] = c;
    }
  }
  while (used > 0 && out[used - 1] == ' ') used--;
  out[used] = '\0';
}

int runtime_run_captured(const struct runtime *rt, const char *const args[], char *err, size_t errlen) {
  int capture = memfd_create("runtime-output", MFD_CLOEXEC);
  int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (capture < 0 || null < 0) {
    snprintf(err, errlen, "cannot prepare the runtime's stdio: %s", strerror(errno));
    if (capture >= 0) close(capture);
    if (null >= 0) close(null);
    return -1;
  }
  int status = runtime_run(rt, args, null, capture, capture);
  int rc = 0;
  if (status < 0) {
    snprintf(err, errlen, "cannot run %s: %s", rt->path, strerror(errno));
    rc = -1;
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    char text[900];
    read_error_text(capture, text, sizeof text);
    snprintf(err, errlen, "%s %s failed (status %d): %s", rt->path, args[0], status, text);
    rc = -1;
  }
  close(capture);
  close(null);
  return rc;
}

int console_listen(const char *path) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof addr.sun_path) {
    errno = ENAMETOOLONG;
    return -1;
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(path);
  mode_t old = umask(0077);
  int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (rc < 0 || listen(fd, 4) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

int console_receive(int listen_fd, int timeout_ms) {
  struct pollfd p = {.fd = listen_fd, .events = POLLIN};
  int ready = poll(&p, 1, timeout_ms);
  if (ready <= 0) {
    if (ready == 0) errno = ETIMEDOUT;
    return -1;
  }
  int conn = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return -1;
  char data[256];
  struct iovec iov = {.iov_base = data, .iov_len = sizeof data};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                       .msg_controllen = sizeof control.buf};
  ssize_t n;
  while ((n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  close(conn);
  if (n < 0) return -1;
  struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
  if (!cmsg || cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS ||
      cmsg->cmsg_len != CMSG_LEN(sizeof(int))) {
    errno = EPROTO;
    return -1;
  }
  int fd;
  memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
  return fd;
}

pid_t read_pid_file(const char *path) {
  char buf[32];
  if (read_small_file(path, buf, sizeof buf) <= 0) return -1;
  char *end;
  long pid = strtol(buf, &end, 10);
  if (pid <= 0 || (*end && *end != '\n')) return -1;
  return (pid_t)pid;
}
