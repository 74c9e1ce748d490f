/*
 * The client, berth-runtime (client/), end to end; test_client_proto.c tests its pure parts. It runs
 * from a temporary home (<tmp>/lib/berth-runtime) with fake jars and a fake JVM launcher
 * (<tmp>/bin/berth-runtime-jvm, a script recording how it was run), and this test plays the runtime
 * server on the socket the key gives for that home. The binary comes from CLIENT (set by the
 * Makefile) or the build output. The test is a subreaper, so that the server the client starts
 * (double-forked) becomes its child: it can check it and end it by pid.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
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
  path_in(out_path, tmp, "client.out");
  path_in(err_path, tmp, "client.err");
}

struct client_opts {
  const char *cwd;
  const char *server_mode; /* BERTH_RUNTIME_SERVER, or NULL for unset */
  int close_fd;            /* a stdio fd to close, or -1 */
  bool inherit_fd3;        /* gets an fd 3 (without close-on-exec), as a caller may leave one */
  const char *record;      /* TEST_CLIENT_RECORD, for this test's binary as the launcher */
};

/* Starts the client with the given stdio (/dev/null, client.out, client.err), a blocked SIGUSR2 and
 * ignored SIGUSR1 and SIGCHLD: what it starts must not inherit these. */
static pid_t start_client(char *const argv[], struct client_opts o) {
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

static void server_paths_for(struct server *srv, const char *root) {
  char key[KEY_LEN + 1];
  REQUIRE(server_key(tmp, geteuid(), key) == 0);
  REQUIRE(server_paths(root, key, &srv->paths) == 0);
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

/* The request: cwd, the arguments after argv[0], the client's fds 0-2. */
static void check_request(int c, const char *cwd, char *const argv[], int argc) {
  int fds[8], nfds;
  long n = server_recv(c, fds, &nfds);
  CHECK(n == argc + 1 && strcmp(in[0], "request") == 0 && strcmp(in[1], cwd) == 0);
  for (int i = 1; i < argc && i + 1 < n; i++) CHECK(strcmp(in[i + 1], argv[i]) == 0);
  CHECK(nfds == 3);
  if (nfds == 3) CHECK(same_file(fds[0], "/dev/null") && same_file(fds[1], out_path) && same_file(fds[2], err_path));
  for (int i = 0; i < nfds; i++) close(fds[i]);
}

/* Answers a spawn message; returns the pid, or -1 (then *error holds the error answer). */
static pid_t spawn_in_client(int c, const char *const *words, int nwords, const int *fds, int nfds, char *error) {
  server_send(c, words, nwords, fds, nfds);
  int got[8], ngot;
  long n = server_recv(c, got, &ngot);
  CHECK(ngot == 0);
  error[0] = '\0';
  if (n == 2 && strcmp(in[0], "pid") == 0) return atoi(in[1]);
  if (n == 3 && strcmp(in[0], "error") == 0) snprintf(error, 512, "%s %s", in[1], in[2]);
  return -1;
}

/* A spawn of /bin/true whose message is exactly 64 KiB (its argv[0] fills it), and extra bytes more. */
static size_t big_spawn(char *buf, size_t extra) {
  static const char head[] = "spawn\0/bin/true\0\0" "0\0" "1\0";
  static const char tail[] = "\0" "0\0" "0\0";
  size_t arg = MSG_MAX - (sizeof head - 1) - (sizeof tail - 1);
  memcpy(buf, head, sizeof head - 1);
  memset(buf + sizeof head - 1, 'a', arg);
  memcpy(buf + sizeof head - 1 + arg, tail, sizeof tail - 1);
  if (extra) memcpy(buf + MSG_MAX, "x\0", extra);
  return MSG_MAX + extra;
}

/* The fake server of the conversation tests, on <tmp>/root, and the arguments of a plain command. */
static struct server srv;
static char root[PATH_MAX];
static char *command[] = {"berth-runtime", "--root", root, "kill", "ctr-1", NULL};
static char command_args[PATH_MAX + 64]; /* what the launcher gets for command[] */

/* Starts the client with command[] and takes its connection and request. */
static int connect_client(pid_t *pid, struct client_opts o) {
  *pid = start_client(command, o);
  int c = server_accept(&srv);
  check_request(c, tmp, command, 5);
  return c;
}

/* Two spawns: fds placed on targets (clobber-free), env, cwd, process group, signals, stdio; raw wait
 * statuses (signal, exit code, nohang); the client as the subreaper of an orphan. */
static void spawns(int c) {
  char error[512], line[256], buf[256];
  /* The received fds land on 4 and 5 in the client (0-2 stdio, 3 the socket); targets 5 and 4 swap
   * them, which works only if they were moved out of the way first. */
  int report[2], other[2];
  REQUIRE(pipe2(report, O_CLOEXEC) == 0 && pipe2(other, O_CLOEXEC) == 0);
  const char *script = "echo \"$FOO|${HOME-unset}|$#|$1\" >&5; exec sleep 30";
  pid_t child = spawn_in_client(c,
                                (const char *[]){"spawn", "/bin/sh", tmp, "1", "5", "sh", "-c", script, "sh", "one",
                                                 "1", "FOO=bar baz", "2", "5", "4"},
                                15, (const int[]){report[1], other[0]}, 2, error);
  close(report[1]);
  close(other[0]);
  CHECK(child > 0);
  if (child > 0) {
    char comm[64];
    snprintf(comm, sizeof comm, "/proc/%d/comm", (int)child);
    CHECK(read_line(report[0], line, sizeof line) > 0 && strcmp(line, "bar baz|unset|1|one\n") == 0);
    for (int i = 0; i < 1000 && strcmp(read_text(comm, buf, sizeof buf), "sleep\n") != 0; i++) sleep_ms(10);
    CHECK(getpgid(child) == child);
    CHECK(link_is(child, "cwd", tmp));
    CHECK(fds_are(child, "0 1 2 4 5"));
    CHECK(same_fd(report[0], child, 5) && same_fd(other[1], child, 4));
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC), out = open(out_path, O_RDONLY | O_CLOEXEC),
        err = open(err_path, O_RDONLY | O_CLOEXEC);
    CHECK(same_fd(null, child, 0) && same_fd(out, child, 1) && same_fd(err, child, 2));
    close(null), close(out), close(err);
    CHECK(strcmp(status_field(child, "SigBlk:", buf, sizeof buf), "0000000000000000") == 0);
    CHECK(strcmp(status_field(child, "SigIgn:", buf, sizeof buf), "0000000000000000") == 0);
    snprintf(line, sizeof line, "%d", (int)child);
    CHECK(ASK(c, "status -1", "wait", line, "1"));
    kill(child, SIGKILL);
    CHECK(ASK(c, "status 9", "wait", line, "0"));
  }
  close(report[0]);
  close(other[1]);

  /* A target replaces the client's stdout; the orphan (sleep) comes to the client, the subreaper. */
  int out_pipe[2];
  REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
  const char *orphaning = "sleep 0.5 & echo $!; exit 3";
  pid_t sh = spawn_in_client(c, (const char *[]){"spawn", "/bin/sh", "", "0", "3", "sh", "-c", orphaning, "0", "1",
                                                 "1"},
                             11, (const int[]){out_pipe[1]}, 1, error);
  close(out_pipe[1]);
  CHECK(sh > 0);
  if (sh > 0) {
    CHECK(read_line(out_pipe[0], line, sizeof line) > 0);
    char orphan[32];
    snprintf(orphan, sizeof orphan, "%d", atoi(line));
    /* Received fds not placed on a target are not inherited (close-on-exec). */
    CHECK(fds_are(atoi(line), "0 1 2"));
    snprintf(line, sizeof line, "%d", (int)sh);
    CHECK(ASK(c, "status 768", "wait", line, "0"));
    CHECK(ASK(c, "status 0", "wait", orphan, "0"));
  }
  close(out_pipe[0]);
}

/* A spawn of exactly 64 KiB; errors of spawn, wait and fds; fds. */
/* forward: the signals the caller sends the client go on to the process, and the client lives on. */
static void forwards(int c, pid_t client_pid) {
  char error[512], line[256];
  int out_pipe[2];
  REQUIRE(pipe2(out_pipe, O_CLOEXEC) == 0);
  const char *trapper = "trap 'echo got TERM; exit 7' TERM; echo ready; while :; do sleep 0.05; done";
  pid_t sh = spawn_in_client(c, (const char *[]){"spawn", "/bin/sh", "", "0", "3", "sh", "-c", trapper, "0", "1", "1"},
                             11, (const int[]){out_pipe[1]}, 1, error);
  close(out_pipe[1]);
  CHECK(sh > 0);
  if (sh > 0) {
    CHECK(read_line(out_pipe[0], line, sizeof line) > 0 && strcmp(line, "ready\n") == 0);
    snprintf(line, sizeof line, "%d", (int)sh);
    CHECK(ASK(c, "ok", "forward", line));
    kill(client_pid, SIGTERM);
    CHECK(read_line(out_pipe[0], line, sizeof line) > 0 && strcmp(line, "got TERM\n") == 0);
    snprintf(line, sizeof line, "%d", (int)sh);
    CHECK(ASK(c, "status 1792", "wait", line, "0"));
  }
  close(out_pipe[0]);
}

static void other_answers(int c) {
  char error[512], line[64];
  static char big[MSG_MAX];
  server_send_raw(c, big, big_spawn(big, 0), NULL, 0);
  int fds[8], nfds;
  long n = server_recv(c, fds, &nfds);
  CHECK(n == 2 && strcmp(in[0], "pid") == 0);
  if (n == 2 && strcmp(in[0], "pid") == 0) {
    snprintf(line, sizeof line, "%s", in[1]);
    CHECK(ASK(c, "status 0", "wait", line, "0"));
  }

  /* Exec and file action failures come back as errors. */
  CHECK(spawn_in_client(c, (const char *[]){"spawn", "/no/such/program", "", "0", "1", "x", "0", "0"}, 8, NULL, 0,
                        error) < 0);
  CHECK(strncmp(error, "2 ", 2) == 0 && strstr(error, "/no/such/program"));
  CHECK(spawn_in_client(c, (const char *[]){"spawn", "/bin/true", "/no/such/dir", "0", "1", "true", "0", "0"}, 8, NULL,
                        0, error) < 0);
  CHECK(strncmp(error, "2 ", 2) == 0);
  CHECK(ASK(c, "error 10 waitpid 1: No child processes", "wait", "1", "0"));

  /* fds: the client's own stdout and stderr, or EBADF naming the fd that is not open. */
  server_send(c, (const char *[]){"fds", "2", "1", "2"}, 4, NULL, 0);
  n = server_recv(c, fds, &nfds);
  CHECK(n == 1 && strcmp(in[0], "fds") == 0 && nfds == 2);
  if (nfds == 2) CHECK(same_file(fds[0], out_path) && same_file(fds[1], err_path));
  for (int i = 0; i < nfds; i++) close(fds[i]);
  CHECK(ASK(c, "error 9 fd 200 is not open", "fds", "1", "200"));
}

static void test_conversation(void) {
  char work[PATH_MAX];
  path_in(root, tmp, "root");
  path_in(work, tmp, "work");
  REQUIRE(mkdir(root, 0700) == 0 && mkdir(work, 0755) == 0);
  snprintf(command_args, sizeof command_args, "--root\n%s\nkill\nctr-1\n", root);
  server_paths_for(&srv, root);
  server_listen(&srv);

  /* A relative --root is taken against the cwd; an empty argument travels as an empty field. */
  char *argv[] = {"berth-runtime", "--log", "/dev/null", "--root=../root", "run", "--bundle", ".", "ctr-1", "", NULL};
  pid_t client_pid = start_client(argv, (struct client_opts){.cwd = work, .close_fd = -1});
  int c = server_accept(&srv);
  check_request(c, work, argv, ARGC(argv) - 1);
  CHECK(ASK(c, "ok", "subreaper"));
  spawns(c);
  forwards(c, client_pid);
  other_answers(c);
  SEND(c, "exit", "7");
  CHECK(wait_client(client_pid) == 7);
  CHECK(file_has(err_path, ""));
  close(c);

  /* Any value of BERTH_RUNTIME_SERVER but "off" leaves the server on; exit codes are cut to 8 bits. */
  c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .server_mode = "on", .close_fd = -1});
  SEND(c, "exit", "263");
  CHECK(wait_client(client_pid) == 7);
  close(c);
}

/* fallback, and a connection that ends before the server's first message: the JVM launcher runs the
 * command, with the original argv. After the first message, the end is the client's error. */
static void test_fallbacks(void) {
  pid_t client_pid;
  int c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .close_fd = -1});
  SEND(c, "fallback");
  CHECK(ran_jvm(wait_client(client_pid), command_args));
  close(c);

  c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .close_fd = -1});
  close(c);
  CHECK(ran_jvm(wait_client(client_pid), command_args));

  /* argv[0] too, which a script cannot see: this test's own binary stands in as the launcher. */
  char launcher[PATH_MAX], aside[PATH_MAX], record[PATH_MAX], want[PATH_MAX + 64];
  path_in(launcher, bindir, "berth-runtime-jvm");
  path_in(aside, bindir, "berth-runtime-jvm.sh");
  path_in(record, tmp, "argv");
  REQUIRE(rename(launcher, aside) == 0);
  copy_file("/proc/self/exe", launcher);
  command[0] = "runtime-by-another-name";
  c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .close_fd = -1, .record = record});
  SEND(c, "fallback");
  CHECK(wait_client(client_pid) == 6);
  snprintf(want, sizeof want, "runtime-by-another-name\n%s", command_args);
  CHECK(file_has(record, want));
  close(c);
  command[0] = "berth-runtime";
  REQUIRE(rename(aside, launcher) == 0);

  c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .close_fd = -1});
  CHECK(ASK(c, "ok", "subreaper"));
  close(c);
  CHECK(wait_client(client_pid) == 1);
  CHECK(stderr_says("berth-runtime: the runtime server ended during the command\n"));
  /* The server ends while the client waits for a child that lives on: the client does not hang. */
  char error[512], line[64];
  c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .close_fd = -1});
  pid_t sleeper = spawn_in_client(c, (const char *[]){"spawn", "/bin/sleep", "", "0", "2", "sleep", "30", "0", "0"}, 9,
                                  NULL, 0, error);
  CHECK(sleeper > 0);
  snprintf(line, sizeof line, "%d", (int)sleeper);
  SEND(c, "wait", line, "0");
  sleep_ms(100);
  close(c);
  CHECK(wait_client(client_pid) == 1);
  CHECK(stderr_says("berth-runtime: the runtime server ended during the command\n"));
  if (sleeper > 0) {
    kill(sleeper, SIGKILL);
    waitpid(sleeper, NULL, 0);
  }
}

/* Malformed messages are the client's error, not a crash. */
static void test_malformed(void) {
  static char big[MSG_MAX + 2];
  static const struct {
    const char *bytes;
    size_t len;
    int nfds;
  } bad[] = {
#define LITERAL(text) text, sizeof(text) - 1
      {LITERAL("exit\0" "7"), 0},                                    /* the last field without its NUL */
      {LITERAL("exit\0" "3x\0"), 0},                                 /* not a number */
      {LITERAL("dance\0"), 0},                                       /* not a message */
      {LITERAL("spawn\0/bin/true\0\0" "0\0" "0\0" "0\0" "1\0" "3\0"), 0}, /* nfds 1 without an fd */
      {LITERAL("wait\0" "1\0"), 0},                                  /* a field short */
      {LITERAL("forward\0" "0\0"), 0},                              /* no process to forward to */
      {LITERAL("subreaper\0"), 1},                                   /* an fd with a message that takes none */
      {big, 0, 0},                                                  /* 2 bytes over 64 KiB */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    pid_t client_pid;
    int c = connect_client(&client_pid, (struct client_opts){.cwd = tmp, .close_fd = -1});
    int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    server_send_raw(c, bad[i].bytes, bad[i].len ? bad[i].len : big_spawn(big, 2), &null, bad[i].nfds);
    close(null);
    int code = wait_client(client_pid);
    if (code != 1 || !stderr_says("berth-runtime: malformed message from the runtime server")) {
      fprintf(stderr, "FAIL malformed message %zu: exit %d\n", i, code);
      failures++;
    }
    close(c);
  }
}

/* The JVM launcher without asking the server: BERTH_RUNTIME_SERVER=off, a closed fd 0-2, a request
 * that does not fit one message. */
static void test_server_not_asked(void) {
  CHECK(ran_jvm(run_client(command, (struct client_opts){.cwd = tmp, .server_mode = "off", .close_fd = -1}),
                command_args));
  CHECK(ran_jvm(run_client(command, (struct client_opts){.cwd = tmp, .close_fd = 2}), command_args));
  CHECK(ran_jvm(run_client(command, (struct client_opts){.cwd = tmp, .close_fd = 0}), command_args));
  static char huge[MSG_MAX + 16], want[sizeof huge + PATH_MAX + 64];
  memset(huge, 'a', sizeof huge - 1);
  char *long_args[] = {"berth-runtime", "--root", root, "run", huge, NULL};
  snprintf(want, sizeof want, "--root\n%s\nrun\n%s\n", root, huge);
  CHECK(ran_jvm(run_client(long_args, (struct client_opts){.cwd = tmp, .close_fd = -1}), want));
  /* Commands the server does not run (state, spec, list, --version...) go straight to the launcher. */
  char *listing[] = {"berth-runtime", "--root", root, "--log=/dev/null", "list", "-q", NULL};
  snprintf(want, sizeof want, "--root\n%s\n--log=/dev/null\nlist\n-q\n", root);
  CHECK(ran_jvm(run_client(listing, (struct client_opts){.cwd = tmp, .close_fd = -1}), want));
  char *version[] = {"berth-runtime", "--version", NULL};
  CHECK(ran_jvm(run_client(version, (struct client_opts){.cwd = tmp, .close_fd = -1}), "--version\n"));
  CHECK(!poll_in(srv.listener, 0));
  close(srv.listener);
  unlink(srv.paths.sock);
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

static bool lock_free(const char *lock) {
  int fd = open(lock, O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  bool ok = fcntl(fd, F_OFD_SETLK, &fl) == 0;
  if (!ok) CHECK(errno == EAGAIN || errno == EACCES);
  close(fd);
  return ok;
}

/* The server the client started: its arguments, fds (the lock on 3), cwd, session, parent, signals. */
static void check_server(pid_t server, const struct server_paths *paths) {
  char want[PATH_MAX + 64], path[PATH_MAX], buf[64];
  path_in(path, bindir, "serve.args");
  snprintf(want, sizeof want, "--serve\n%s\n3\n", paths->sock);
  CHECK(file_has(path, want));
  CHECK(link_is(server, "fd/3", paths->lock));
  CHECK(link_is(server, "fd/0", "/dev/null") && link_is(server, "fd/1", "/dev/null") &&
        link_is(server, "fd/2", "/dev/null"));
  CHECK(fds_are(server, "0 1 2 3"));
  CHECK(link_is(server, "cwd", "/"));
  CHECK(getsid(server) != getsid(0) && getsid(server) > 0);
  /* Double-forked: its parent, the middle child, is gone and the subreaper (this test) adopted it. */
  CHECK(atoi(status_field(server, "PPid:", buf, sizeof buf)) == getpid());
  CHECK(strcmp(status_field(server, "SigBlk:", buf, sizeof buf), "0000000000000000") == 0);
  CHECK(strcmp(status_field(server, "SigIgn:", buf, sizeof buf), "0000000000000000") == 0);
  CHECK(!lock_free(paths->lock));
}

/* This test's children: "" once every client ended and no server was started. */
static bool children_are(const char *want) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)gettid());
  return file_has(path, want);
}

static void test_server_start(void) {
  struct server root2;
  char dir[PATH_MAX], want[64];
  path_in(dir, tmp, "root2");
  REQUIRE(mkdir(dir, 0700) == 0);
  server_paths_for(&root2, dir);
  /* Relative, with a trailing slash: the server is still given the absolute socket path. */
  char *deleting[] = {"berth-runtime", "--root", "root2/", "delete", "-f", "x", NULL};
  const char *deleting_args = "--root\nroot2/\ndelete\n-f\nx\n";

  /* No socket: the client starts the server and runs this command with the JVM launcher. */
  CHECK(ran_jvm(run_client(deleting, (struct client_opts){.cwd = tmp, .close_fd = -1}), deleting_args));
  pid_t server = wait_server();
  CHECK(server > 0);
  if (server > 0) {
    check_server(server, &root2.paths);
    /* The lock is held: a server is starting, so the next command starts none. */
    CHECK(ran_jvm(run_client(deleting, (struct client_opts){.cwd = tmp, .close_fd = -1}), deleting_args));
    snprintf(want, sizeof want, "%d ", (int)server);
    CHECK(children_are(want));
    end_server(server);
    CHECK(lock_free(root2.paths.lock));
  }

  /* A socket nobody listens on (a server that died): refused, so a new server starts. With the
   * caller's own fd 3, the lock comes on another fd: the server still gets it on 3, alone. */
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", root2.paths.sock);
  REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&addr, sizeof addr) == 0);
  close(s);
  CHECK(ran_jvm(run_client(deleting, (struct client_opts){.cwd = tmp, .close_fd = -1, .inherit_fd3 = true}), deleting_args));
  server = wait_server();
  CHECK(server > 0);
  if (server > 0) {
    check_server(server, &root2.paths);
    end_server(server);
  }
}

/* A root that does not exist, and one whose socket path would not fit sun_path: the JVM launcher, and
 * nothing created. */
static void test_server_not_started(void) {
  char dir[PATH_MAX], want[PATH_MAX + 64];
  path_in(dir, tmp, "missing");
  char *missing[] = {"berth-runtime", "--root", dir, "kill", "x", NULL};
  snprintf(want, sizeof want, "--root\n%s\nkill\nx\n", dir);
  CHECK(ran_jvm(run_client(missing, (struct client_opts){.cwd = tmp, .close_fd = -1}), want));
  CHECK(access(dir, F_OK) < 0 && errno == ENOENT);

  char name[PATH_MAX];
  memset(name, 'l', sizeof name);
  name[SOCK_PATH_MAX - strlen(tmp) - 1 - 30] = '\0'; /* "<tmp>/<name>/.server-<key>.sock": 108 bytes */
  path_in(dir, tmp, name);
  REQUIRE(mkdir(dir, 0700) == 0);
  char *long_root[] = {"berth-runtime", "--root", dir, "kill", "x", NULL};
  snprintf(want, sizeof want, "--root\n%s\nkill\nx\n", dir);
  CHECK(ran_jvm(run_client(long_root, (struct client_opts){.cwd = tmp, .close_fd = -1}), want));
  DIR *d = opendir(dir);
  int entries = 0;
  for (struct dirent *e; d && (e = readdir(d));) entries += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  if (d) closedir(d);
  CHECK(entries == 0);
  CHECK(children_are(""));
}

/* As the launcher (argv[0] test): records its whole argv. */
static int record_argv(const char *path, int argc, char *argv[]) {
  FILE *f = fopen(path, "w");
  if (!f) return 1;
  for (int i = 0; i < argc; i++) fprintf(f, "%s\n", argv[i]);
  return fclose(f) == 0 ? 6 : 1;
}

/* The key of the temporary home is the one this process computes from its parts: the client runs in
 * the same namespaces. */
static void test_key_of_home(void) {
  char key[KEY_LEN + 1], text[KEY_TEXT_MAX], link[KEY_NAMESPACES][64], path[PATH_MAX], want[KEY_LEN + 1];
  REQUIRE(server_key(tmp, geteuid(), key) == 0);
  CHECK(strlen(key) == KEY_LEN && strspn(key, "0123456789abcdef") == KEY_LEN);
  const char *ns[KEY_NAMESPACES];
  struct stat jars[2];
  for (int i = 0; i < KEY_NAMESPACES; i++) {
    snprintf(path, sizeof path, "/proc/self/ns/%s", key_namespaces[i]);
    ssize_t n = readlink(path, link[i], sizeof link[i] - 1);
    REQUIRE(n > 0);
    link[i][n] = '\0';
    ns[i] = link[i];
  }
  path_in(path, lib, "berth-runtime.jar");
  REQUIRE(stat(path, &jars[0]) == 0);
  path_in(path, lib, "berth-common.jar");
  REQUIRE(stat(path, &jars[1]) == 0);
  int len = key_text(text, sizeof text, geteuid(), ns, jars);
  REQUIRE(len > 0);
  snprintf(want, sizeof want, "%016llx", (unsigned long long)fnv1a64(text, (size_t)len));
  CHECK(strcmp(key, want) == 0);
  errno = 0;
  CHECK(server_key("/no/such/home", geteuid(), key) < 0 && errno == ENOENT);
}

int main(int argc, char *argv[]) {
  if (getenv("TEST_CLIENT_RECORD")) return record_argv(getenv("TEST_CLIENT_RECORD"), argc, argv);
  client = getenv("CLIENT") ? getenv("CLIENT") : "target/native/berth-runtime";
  REQUIRE(access(client, X_OK) == 0);
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  atexit(cleanup);
  make_home();
  test_key_of_home();
  test_conversation();
  test_fallbacks();
  test_malformed();
  test_server_not_asked();
  test_server_start();
  test_server_not_started();
  return finish("test_client_run");
}
