/*
 * The harness of test_client_run.c, the client (berth-runtime) end to end: a temporary home
 * (<tmp>/lib/berth-runtime, fake jars, and a fake JVM launcher <tmp>/bin/berth-runtime-jvm that
 * records how it was run), the client started and waited for (always with BERTH_RUNTIME_SERVER_DIR
 * set to <tmp>/servers, never the default /run/berth-runtime-server), the fake runtime server on the
 * socket the key of (home, root) names there (listen, accept, recv, send, ask), /proc and directory
 * helpers (fd lists, status fields, links, the subreaper's children, a directory's entries), and the
 * pids to end and the home to remove at exit (cleanup). It sets up and observes: the checks (CHECK)
 * are the test's. Static, for its one program; client_fixture.h has what test_client_proto.c uses too.
 */
#ifndef BERTH_TESTS_CLIENT_HARNESS_H
#define BERTH_TESTS_CLIENT_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client/key.h"
#include "client/proto.h"
#include "client_fixture.h"

/* For what the rest of the test stands on: exits (the atexit cleanup runs). */
#define REQUIRE(c)                                                                           \
  do {                                                                                       \
    if (!(c)) {                                                                              \
      fprintf(stderr, "%s:%d: FATAL %s (errno: %s)\n", __FILE__, __LINE__, #c, strerror(errno)); \
      exit(1);                                                                               \
    }                                                                                        \
  } while (0)

static const char *client;  /* the built binary */
static char tmp[PATH_MAX];  /* the temporary home */
static char bin[PATH_MAX];  /* <tmp>/lib/berth-runtime */
static char lib[PATH_MAX], bindir[PATH_MAX];
static char servers[PATH_MAX]; /* <tmp>/servers: every client's BERTH_RUNTIME_SERVER_DIR but where a test says */
static char out_path[PATH_MAX], err_path[PATH_MAX]; /* the client's stdout and stderr */
static pid_t pids[16];      /* to end at exit: clients and servers that may still run */

static char *read_text(const char *path, char *buf, size_t cap);

static void track(pid_t pid) {
  for (int i = 0; i < 16; i++)
    if (!pids[i]) {
      pids[i] = pid;
      return;
    }
}

static void untrack(pid_t pid) {
  for (int i = 0; i < 16; i++)
    if (pids[i] == pid) pids[i] = 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st, (void)type, (void)ftw;
  remove(path);
  return 0;
}

static void cleanup(void) {
  for (int i = 0; i < 16; i++) {
    if (pids[i] > 0) {
      kill(pids[i], SIGKILL);
      waitpid(pids[i], NULL, 0);
    }
  }
  /* What those started came to this subreaper when they died: all children now are this test's. */
  char path[64], list[4096];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)gettid());
  for (int round = 0; round < 10 && read_text(path, list, sizeof list)[0]; round++) {
    for (char *at = list, *end; *at; at = end) {
      pid_t pid = (pid_t)strtol(at, &end, 10);
      if (end == at) break;
      kill(pid, SIGKILL);
      waitpid(pid, NULL, 0);
    }
  }
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  if (tmp[0]) nftw(tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void path_in(char *out, const char *dir, const char *name) {
  REQUIRE(snprintf(out, PATH_MAX, "%s/%s", dir, name) < PATH_MAX);
}

static void write_file(const char *path, const char *text, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
}

/* The file's text (at most cap-1 bytes), or "" if it cannot be read. */
static char *read_text(const char *path, char *buf, size_t cap) {
  buf[0] = '\0';
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return buf;
  ssize_t n = read(fd, buf, cap - 1);
  buf[n > 0 ? n : 0] = '\0';
  close(fd);
  return buf;
}

static void copy_file(const char *from, const char *to) {
  int in = open(from, O_RDONLY | O_CLOEXEC);
  REQUIRE(in >= 0);
  int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  REQUIRE(out >= 0);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) REQUIRE(write(out, buf, (size_t)n) == n);
  REQUIRE(n == 0);
  close(in);
  close(out);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* The fake launcher: "--serve" records its arguments and pid and stays (holding fd 3) until killed;
 * anything else records its arguments and exits 5. */
static const char launcher_script[] =
    "#!/bin/sh\n"
    "bin=${0%/*}\n"
    "if [ \"$1\" = --serve ]; then\n"
    "  printf '%s\\n' \"$@\" > \"$bin/serve.args\"\n"
    "  echo $$ > \"$bin/serve.pid.new\" && mv \"$bin/serve.pid.new\" \"$bin/serve.pid\"\n"
    "  exec sleep 60\n"
    "fi\n"
    "printf '%s\\n' \"$@\" > \"$bin/jvm.args\"\n"
    "exit 5\n";

static void make_home(void) {
  snprintf(tmp, sizeof tmp, "/tmp/berth-client-XXXXXX");
  REQUIRE(mkdtemp(tmp));
  char real[PATH_MAX];
  REQUIRE(realpath(tmp, real));
  snprintf(tmp, sizeof tmp, "%s", real);
  path_in(lib, tmp, "lib");
  REQUIRE(mkdir(lib, 0755) == 0);
  path_in(bin, lib, "berth-runtime");
  copy_file(client, bin);
  char path[PATH_MAX];
  path_in(path, lib, "berth-runtime.jar");
  write_file(path, "fake runtime jar", 0644);
  path_in(path, lib, "berth-common.jar");
  write_file(path, "fake common jar", 0644);
  path_in(bindir, tmp, "bin");
  REQUIRE(mkdir(bindir, 0755) == 0);
  path_in(path, bindir, "berth-runtime-jvm");
  write_file(path, launcher_script, 0755);
  path_in(servers, tmp, "servers");
  REQUIRE(mkdir(servers, 0700) == 0);
  path_in(out_path, tmp, "client.out");
  path_in(err_path, tmp, "client.err");
}

struct client_opts {
  const char *cwd;
  const char *server_mode; /* BERTH_RUNTIME_SERVER, or NULL for unset */
  int close_fd;            /* a stdio fd to close, or -1 */
  bool inherit_fd3;        /* gets an fd 3 (without close-on-exec), as a caller may leave one */
  const char *record;      /* TEST_CLIENT_RECORD, for this test's binary as the launcher */
  const char *server_dir;  /* BERTH_RUNTIME_SERVER_DIR, or NULL for <tmp>/servers; never unset or empty */
};

/* Starts the client with the given stdio (/dev/null, client.out, client.err), a blocked SIGUSR2 and
 * ignored SIGUSR1 and SIGCHLD: what it starts must not inherit these. */
static pid_t start_client(char *const argv[], struct client_opts o) {
  /* Unset or empty, the client would use (and create) /run/berth-runtime-server: not this test's. */
  REQUIRE(!o.server_dir || o.server_dir[0]);
  write_file(out_path, "", 0644);
  write_file(err_path, "", 0644);
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int in = open("/dev/null", O_RDONLY);
    int out = open(out_path, O_WRONLY | O_APPEND);
    int err = open(err_path, O_WRONLY | O_APPEND);
    if (in < 0 || out < 0 || err < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(126);
    close_range(3, ~0U, 0);
    if (o.close_fd >= 0) close(o.close_fd);
    if (o.inherit_fd3 && open("/dev/zero", O_RDONLY) != 3) _exit(126);
    if (o.cwd && chdir(o.cwd) < 0) _exit(126);
    if (o.record) setenv("TEST_CLIENT_RECORD", o.record, 1);
    if (setenv("BERTH_RUNTIME_SERVER_DIR", o.server_dir ? o.server_dir : servers, 1) < 0) _exit(126);
    if (o.server_mode)
      setenv("BERTH_RUNTIME_SERVER", o.server_mode, 1);
    else
      unsetenv("BERTH_RUNTIME_SERVER");
    sigset_t usr2;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    sigprocmask(SIG_BLOCK, &usr2, NULL);
    signal(SIGUSR1, SIG_IGN);
    signal(SIGCHLD, SIG_IGN);
    /* And one of libc's own, which libc's signal() refuses and its posix_spawn would leave ignored. */
    struct {
      void *handler;
      unsigned long flags;
      void *restorer;
      unsigned long long mask;
    } ign = {.handler = SIG_IGN};
    syscall(SYS_rt_sigaction, 32, &ign, NULL, sizeof ign.mask);
    execv(bin, argv);
    _exit(127);
  }
  track(pid);
  return pid;
}

/* The client's exit code (128+n for a signal), or -1 if it did not end within 10 s (cleanup ends it). */
static int wait_client(pid_t pid) {
  int status;
  for (int i = 0; i < 1000; i++) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) {
      untrack(pid);
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    REQUIRE(r == 0);
    sleep_ms(10);
  }
  fprintf(stderr, "client %d did not end\n", (int)pid);
  return -1;
}

static int run_client(char *const argv[], struct client_opts o) {
  return wait_client(start_client(argv, o));
}

static bool poll_in(int fd, int ms) {
  struct pollfd p = {.fd = fd, .events = POLLIN};
  return poll(&p, 1, ms) == 1;
}

static bool file_has(const char *path, const char *want) {
  static char buf[256 * 1024];
  return strcmp(read_text(path, buf, sizeof buf), want) == 0;
}

static bool stderr_says(const char *want) {
  char buf[4096];
  return strstr(read_text(err_path, buf, sizeof buf), want) != NULL;
}

/* The fake launcher ran the command (not the server) with these arguments: exit 5, jvm.args. */
static bool ran_jvm(int code, const char *args) {
  char path[PATH_MAX];
  path_in(path, bindir, "jvm.args");
  bool ok = code == 5 && file_has(path, args);
  unlink(path);
  if (!ok) fprintf(stderr, "expected the JVM launcher with:\n%s(exit %d)\n", args, code);
  return ok;
}

/* ---- the fake server ---- */

struct server {
  struct server_paths paths;
  int listener;
};

/* The socket and lock in <tmp>/servers of the home's server for root (as absolute_root gives it:
 * absolute, no trailing '/', "" for "/"). */
static void server_paths_for(struct server *srv, const char *root) {
  char key[KEY_LEN + 1];
  REQUIRE(server_key(tmp, geteuid(), root, key) == 0);
  REQUIRE(server_paths(servers, key, &srv->paths) == 0);
}

static void server_listen(struct server *srv) {
  srv->listener = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  REQUIRE(srv->listener >= 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", srv->paths.sock);
  REQUIRE(bind(srv->listener, (struct sockaddr *)&addr, sizeof addr) == 0);
  REQUIRE(listen(srv->listener, 8) == 0);
}

static int server_accept(struct server *srv) {
  REQUIRE(poll_in(srv->listener, 10000));
  int c = accept4(srv->listener, NULL, NULL, SOCK_CLOEXEC);
  REQUIRE(c >= 0);
  return c;
}

static char in_buf[MSG_MAX];
static char *in[MSG_MAX];

/* One message from the client into in[]: its field count (-1 at the end of the connection). */
static long server_recv(int c, int *fds, int *nfds) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = in_buf, .iov_len = sizeof in_buf};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control};
  REQUIRE(poll_in(c, 10000));
  ssize_t n = recvmsg(c, &mh, MSG_CMSG_CLOEXEC);
  REQUIRE(n >= 0);
  *nfds = 0;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
    int count = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count && *nfds < 8; i++) memcpy(&fds[(*nfds)++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
  }
  if (n == 0) return -1;
  long nf = msg_split(in_buf, (size_t)n, in, MSG_MAX);
  REQUIRE(nf > 0);
  return nf;
}

static void server_send_raw(int c, const char *buf, size_t len, const int *fds, int nfds) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * 8)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    mh.msg_control = control.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
  }
  REQUIRE(sendmsg(c, &mh, MSG_NOSIGNAL) == (ssize_t)len);
}

static void server_send(int c, const char *const *words, int nwords, const int *fds, int nfds) {
  static char buf[MSG_MAX];
  size_t len = 0;
  for (int i = 0; i < nwords; i++) REQUIRE(msg_add(buf, &len, sizeof buf, words[i]) == 0);
  server_send_raw(c, buf, len, fds, nfds);
}

#define SEND(c, ...) server_send(c, (const char *[]){__VA_ARGS__}, ARGC(((const char *[]){__VA_ARGS__})), NULL, 0)

/* Sends words and expects the answer want (fields separated by ' '). */
static bool ask(int c, const char *const *words, int nwords, const char *want) {
  server_send(c, words, nwords, NULL, 0);
  int fds[8], nfds;
  long n = server_recv(c, fds, &nfds);
  char got[1024] = "";
  for (long i = 0; i < n; i++)
    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", in[i]);
  for (int i = 0; i < nfds; i++) close(fds[i]);
  if (strcmp(got, want) == 0 && nfds == 0) return true;
  fprintf(stderr, "asked %s: got \"%s\" (%d fds), want \"%s\"\n", words[0], got, nfds, want);
  return false;
}

#define ASK(c, want, ...) ask(c, (const char *[]){__VA_ARGS__}, ARGC(((const char *[]){__VA_ARGS__})), want)

static bool same_file(int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static bool same_fd(int fd, pid_t pid, int target) {
  char path[64];
  struct stat a, b;
  snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)pid, target);
  return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The open fds of pid as a list ("0 1 2 4 5"). */
static char *fd_list(pid_t pid, char *buf, size_t cap) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
  buf[0] = '\0';
  DIR *d = opendir(path);
  if (!d) return buf;
  int fds[64], n = 0;
  for (struct dirent *e; (e = readdir(d)) && n < 64;)
    if (e->d_name[0] != '.') fds[n++] = atoi(e->d_name);
  closedir(d);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (fds[j] < fds[i]) {
        int t = fds[i];
        fds[i] = fds[j], fds[j] = t;
      }
  for (int i = 0; i < n; i++) snprintf(buf + strlen(buf), cap - strlen(buf), "%s%d", i ? " " : "", fds[i]);
  return buf;
}

/* The names in dir, sorted, separated by ' ' ("" when empty; "-" when it cannot be read). */
static char *dir_list(const char *dir, char *buf, size_t cap) {
  char names[32][NAME_MAX + 1];
  int n = 0;
  DIR *d = opendir(dir);
  snprintf(buf, cap, "%s", d ? "" : "-");
  if (!d) return buf;
  for (struct dirent *e; (e = readdir(d)) && n < 32;)
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) snprintf(names[n++], NAME_MAX + 1, "%s", e->d_name);
  closedir(d);
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (strcmp(names[j], names[i]) < 0) {
        char t[NAME_MAX + 1];
        memcpy(t, names[i], sizeof t), memcpy(names[i], names[j], sizeof t), memcpy(names[j], t, sizeof t);
      }
  for (int i = 0; i < n; i++) snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? " " : "", names[i]);
  return buf;
}

/* Whether dir's entries are want (as dir_list gives them). */
static bool dir_is(const char *dir, const char *want) {
  char got[4096];
  if (strcmp(dir_list(dir, got, sizeof got), want) == 0) return true;
  fprintf(stderr, "%s holds \"%s\", want \"%s\"\n", dir, got, want);
  return false;
}

/* Whether pid's open fds are want, within a second (a process in exec may hold more for a moment). */
static bool fds_are(pid_t pid, const char *want) {
  char got[256];
  for (int i = 0; i < 100; i++, sleep_ms(10))
    if (strcmp(fd_list(pid, got, sizeof got), want) == 0) return true;
  fprintf(stderr, "fds of %d: %s, want %s\n", (int)pid, got, want);
  return false;
}

/* The value of a line of /proc/<pid>/status ("SigBlk:"), or "". */
static char *status_field(pid_t pid, const char *name, char *buf, size_t cap) {
  char path[64], text[4096];
  snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
  read_text(path, text, sizeof text);
  char *at = strstr(text, name);
  at = at ? at + strlen(name) + strspn(at + strlen(name), " \t") : text + strlen(text);
  snprintf(buf, cap, "%.*s", (int)strcspn(at, "\n"), at);
  return buf;
}

static bool link_is(pid_t pid, const char *what, const char *want) {
  char path[64], got[PATH_MAX];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, what);
  ssize_t n = readlink(path, got, sizeof got - 1);
  got[n > 0 ? n : 0] = '\0';
  if (strcmp(got, want) == 0) return true;
  fprintf(stderr, "%s: %s, want %s\n", path, got, want);
  return false;
}

static long read_line(int fd, char *buf, size_t cap) {
  if (!poll_in(fd, 10000)) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  buf[n > 0 ? n : 0] = '\0';
  return n;
}

/* The server's pid once the fake launcher recorded it (and became sleep), or -1 after 10 s. */
static pid_t wait_server(void) {
  char path[PATH_MAX], text[64], comm[PATH_MAX];
  path_in(path, bindir, "serve.pid");
  for (int i = 0; i < 1000; i++, sleep_ms(10)) {
    if (!read_text(path, text, sizeof text)[0]) continue;
    pid_t pid = atoi(text);
    snprintf(comm, sizeof comm, "/proc/%d/comm", (int)pid);
    if (strcmp(read_text(comm, text, sizeof text), "sleep\n") != 0) continue;
    track(pid);
    unlink(path);
    return pid;
  }
  return -1;
}

static void end_server(pid_t pid) {
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  untrack(pid);
}

/* This test's children: "" once every client ended and no server was started. */
static bool children_are(const char *want) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)gettid());
  return file_has(path, want);
}

#endif
