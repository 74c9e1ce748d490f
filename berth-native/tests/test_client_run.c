/*
 * The client, berth-runtime (client/), end to end; test_client_proto.c tests its pure parts. It runs
 * from a temporary home (<tmp>/lib/berth-runtime) with fake jars and a fake JVM launcher
 * (<tmp>/bin/berth-runtime-jvm, a script recording how it was run), and this test plays the runtime
 * server on the socket the key of that home and a root names in the server directory, <tmp>/servers
 * (BERTH_RUNTIME_SERVER_DIR, set for every client: the test never touches /run/berth-runtime-server).
 * The binary comes from CLIENT (set by the
 * Makefile) or the build output. The test is a subreaper, so that the server the client starts
 * (double-forked) becomes its child: it can check it and end it by pid. The harness (home, client,
 * fake server, /proc helpers, cleanup) is in client_harness.h; here are the scenarios.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "client/key.h"
#include "client/proto.h"
#include "client_fixture.h"
#include "client_harness.h"

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

/* A spawn of exactly 64 KiB; errors of spawn, wait and fds; fds. */
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
  char work[PATH_MAX], dotted[PATH_MAX];
  path_in(root, tmp, "root");
  path_in(work, tmp, "work");
  REQUIRE(mkdir(root, 0700) == 0 && mkdir(work, 0755) == 0);
  snprintf(command_args, sizeof command_args, "--root\n%s\nkill\nctr-1\n", root);
  server_paths_for(&srv, root);
  server_listen(&srv);

  /* A relative --root is taken against the cwd, as it is spelled ("<work>/../root": its own key, not
   * root's); an empty argument travels as an empty field. */
  struct server relative;
  path_in(dotted, work, "../root");
  server_paths_for(&relative, dotted);
  CHECK(strcmp(relative.paths.sock, srv.paths.sock) != 0);
  server_listen(&relative);
  char *argv[] = {"berth-runtime", "--log", "/dev/null", "--root=../root", "run", "--bundle", ".", "ctr-1", "", NULL};
  pid_t client_pid = start_client(argv, (struct client_opts){.cwd = work, .close_fd = -1});
  int c = server_accept(&relative);
  check_request(c, work, argv, ARGC(argv) - 1);
  CHECK(ASK(c, "ok", "subreaper"));
  spawns(c);
  forwards(c, client_pid);
  other_answers(c);
  SEND(c, "exit", "7");
  CHECK(wait_client(client_pid) == 7);
  CHECK(file_has(err_path, ""));
  close(c);
  CHECK(!poll_in(srv.listener, 0));
  close(relative.listener);
  unlink(relative.paths.sock);

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

static bool lock_free(const char *lock) {
  int fd = open(lock, O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  bool ok = fcntl(fd, F_OFD_SETLK, &fl) == 0;
  if (!ok) CHECK(errno == EAGAIN || errno == EACCES);
  close(fd);
  return ok;
}

/* The server the client started: its arguments (--serve, the socket in the server directory, the
 * lock's fd, the absolute root), fds (the lock on 3), cwd, session, parent, signals. */
static void check_server(pid_t server, const struct server_paths *paths, const char *root_given) {
  char want[2 * PATH_MAX + 64], path[PATH_MAX], buf[64];
  path_in(path, bindir, "serve.args");
  snprintf(want, sizeof want, "--serve\n%s\n3\n%s\n", paths->sock, root_given);
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

/* Two names as dir_list lists them: sorted, separated by ' '. */
static char *two_names(char *buf, size_t cap, const char *x, const char *y) {
  snprintf(buf, cap, "%s %s", strcmp(x, y) < 0 ? x : y, strcmp(x, y) < 0 ? y : x);
  return buf;
}

/* The file name (not the path) of a server's lock or socket. */
static const char *base(const char *path) {
  return strrchr(path, '/') + 1;
}

static void test_server_start(void) {
  struct server root2, root3, slash;
  char dir[PATH_MAX], dir3[PATH_MAX], want[64], list[256];
  struct stat st;
  path_in(dir, tmp, "root2");
  path_in(dir3, tmp, "root3");
  REQUIRE(mkdir(dir, 0700) == 0 && mkdir(dir3, 0700) == 0);
  server_paths_for(&root2, dir);
  server_paths_for(&root3, dir3);
  server_paths_for(&slash, "");
  /* The server directory is missing (the earlier tests left it empty): the client makes it. */
  REQUIRE(rmdir(servers) == 0);
  /* Relative, with a trailing slash: the server is still given the absolute socket path and root. */
  char *deleting[] = {"berth-runtime", "--root", "root2/", "delete", "-f", "x", NULL};
  const char *deleting_args = "--root\nroot2/\ndelete\n-f\nx\n";

  /* No socket: the client starts the server and runs this command with the JVM launcher. */
  CHECK(ran_jvm(run_client(deleting, (struct client_opts){.cwd = tmp, .close_fd = -1}), deleting_args));
  CHECK(stat(servers, &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700);
  pid_t server = wait_server();
  CHECK(server > 0);
  if (server > 0) {
    check_server(server, &root2.paths, dir);
    /* Its lock is in the server directory, nothing in the root. */
    CHECK(dir_is(servers, base(root2.paths.lock)));
    CHECK(dir_is(dir, ""));
    /* The lock is held: a server is starting, so the next command starts none. */
    CHECK(ran_jvm(run_client(deleting, (struct client_opts){.cwd = tmp, .close_fd = -1}), deleting_args));
    snprintf(want, sizeof want, "%d ", (int)server);
    CHECK(children_are(want));

    /* Another root has a server of its own (its key, its lock), started beside the first. */
    char *other[] = {"berth-runtime", "--root", dir3, "kill", "x", NULL};
    char other_args[PATH_MAX + 64];
    snprintf(other_args, sizeof other_args, "--root\n%s\nkill\nx\n", dir3);
    CHECK(strcmp(root3.paths.sock, root2.paths.sock) != 0 && strcmp(root3.paths.lock, root2.paths.lock) != 0);
    CHECK(ran_jvm(run_client(other, (struct client_opts){.cwd = tmp, .close_fd = -1}), other_args));
    pid_t server3 = wait_server();
    CHECK(server3 > 0 && server3 != server);
    if (server3 > 0) {
      check_server(server3, &root3.paths, dir3);
      CHECK(dir_is(servers, two_names(list, sizeof list, base(root2.paths.lock), base(root3.paths.lock))));
      CHECK(dir_is(dir3, ""));
      end_server(server3);
    }
    end_server(server);
    CHECK(lock_free(root2.paths.lock));
    CHECK(lock_free(root3.paths.lock));
  }

  /* A socket nobody listens on (a server that died): refused, so a new server starts, the server
   * directory being there already. With the caller's own fd 3, the lock comes on another fd: the
   * server still gets it on 3, alone. */
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  snprintf(addr.sun_path, sizeof addr.sun_path, "%s", root2.paths.sock);
  REQUIRE(s >= 0 && bind(s, (struct sockaddr *)&addr, sizeof addr) == 0);
  close(s);
  CHECK(ran_jvm(run_client(deleting, (struct client_opts){.cwd = tmp, .close_fd = -1, .inherit_fd3 = true}), deleting_args));
  server = wait_server();
  CHECK(server > 0);
  if (server > 0) {
    check_server(server, &root2.paths, dir);
    CHECK(dir_is(dir, ""));
    end_server(server);
  }
  unlink(root2.paths.sock);

  /* The root directory itself: its key ends with "root=", and the server is given "/". */
  char *at_slash[] = {"berth-runtime", "--root=/", "kill", "x", NULL};
  CHECK(ran_jvm(run_client(at_slash, (struct client_opts){.cwd = tmp, .close_fd = -1}), "--root=/\nkill\nx\n"));
  server = wait_server();
  CHECK(server > 0);
  if (server > 0) {
    check_server(server, &slash.paths, "/");
    end_server(server);
  }
  unlink(root2.paths.lock), unlink(root3.paths.lock), unlink(slash.paths.lock);
  CHECK(dir_is(servers, ""));
}

/* A listener on the socket of root's key, and the check that the client ran the launcher for
 * "--root <root> kill x" without connecting, creating anything in the server directory (or making
 * it), or starting a server. */
static void check_not_started(const char *root_path, const char *key_root, struct client_opts o) {
  struct server listening;
  char want[PATH_MAX + 64], before[4096], after[4096];
  server_paths_for(&listening, key_root);
  server_listen(&listening);
  dir_list(servers, before, sizeof before);
  char *argv[] = {"berth-runtime", "--root", (char *)root_path, "kill", "x", NULL};
  snprintf(want, sizeof want, "--root\n%s\nkill\nx\n", root_path);
  CHECK(ran_jvm(run_client(argv, o), want));
  CHECK(!poll_in(listening.listener, 0));
  CHECK(strcmp(dir_list(servers, after, sizeof after), before) == 0);
  if (o.server_dir) CHECK(access(o.server_dir, F_OK) < 0 && errno == ENOENT);
  CHECK(children_are(""));
  close(listening.listener);
  unlink(listening.paths.sock);
}

/* The JVM launcher, no connection and nothing created: a root that does not exist (the launcher's to
 * make), a root that is a file, a server directory that would not fit the socket in sun_path, one
 * that cannot be made. */
static void test_server_not_started(void) {
  char dir[PATH_MAX], file[PATH_MAX];
  path_in(dir, tmp, "missing");
  check_not_started(dir, dir, (struct client_opts){.cwd = tmp, .close_fd = -1});
  CHECK(access(dir, F_OK) < 0 && errno == ENOENT);

  path_in(file, tmp, "a-file");
  write_file(file, "not a directory", 0644);
  check_not_started(file, file, (struct client_opts){.cwd = tmp, .close_fd = -1});
  CHECK(file_has(file, "not a directory"));

  /* "<dir>/<key>.sock" one byte over sun_path's 107 (and a NUL). */
  char name[PATH_MAX], too_long[PATH_MAX];
  memset(name, 'l', sizeof name);
  name[SOCK_PATH_MAX - strlen(tmp) - 1 - 22] = '\0';
  path_in(too_long, tmp, name);
  REQUIRE(strlen(too_long) + 22 == SOCK_PATH_MAX);
  check_not_started(root, root, (struct client_opts){.cwd = tmp, .close_fd = -1, .server_dir = too_long});

  /* Its parent missing: the connect finds no socket, and the directory cannot be made. */
  char no_parent[PATH_MAX];
  path_in(no_parent, tmp, "no/servers");
  check_not_started(root, root, (struct client_opts){.cwd = tmp, .close_fd = -1, .server_dir = no_parent});
  CHECK(dir_is(root, ""));
  CHECK(dir_is(servers, ""));
}

/* A root whose own path would not fit sun_path: its socket is in the server directory, short, so
 * the client connects to its server, and starts one when there is none. */
static void test_long_root(void) {
  char name[256], dir[PATH_MAX], want[PATH_MAX + 64];
  memset(name, 'l', sizeof name);
  name[200] = '\0';
  path_in(dir, tmp, name);
  REQUIRE(mkdir(dir, 0700) == 0);
  CHECK(strlen(dir) >= SOCK_PATH_MAX);
  struct server longer;
  server_paths_for(&longer, dir);
  CHECK(strlen(longer.paths.sock) < SOCK_PATH_MAX);
  server_listen(&longer);
  char *argv[] = {"berth-runtime", "--root", dir, "kill", "x", NULL};
  pid_t client_pid = start_client(argv, (struct client_opts){.cwd = tmp, .close_fd = -1});
  int c = server_accept(&longer);
  check_request(c, tmp, argv, 5);
  SEND(c, "exit", "0");
  CHECK(wait_client(client_pid) == 0);
  close(c);
  close(longer.listener);
  unlink(longer.paths.sock);

  snprintf(want, sizeof want, "--root\n%s\nkill\nx\n", dir);
  CHECK(ran_jvm(run_client(argv, (struct client_opts){.cwd = tmp, .close_fd = -1}), want));
  pid_t server = wait_server();
  CHECK(server > 0);
  if (server > 0) {
    check_server(server, &longer.paths, dir);
    end_server(server);
  }
  CHECK(dir_is(dir, ""));
  unlink(longer.paths.lock);
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
  char other[KEY_LEN + 1];
  const char *a_root = "/run/berth-test-root";
  REQUIRE(server_key(tmp, geteuid(), a_root, key) == 0);
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
  int len = key_text(text, sizeof text, geteuid(), ns, jars, a_root);
  REQUIRE(len > 0);
  snprintf(want, sizeof want, "%016llx", (unsigned long long)fnv1a64(text, (size_t)len));
  CHECK(strcmp(key, want) == 0);
  /* Another root, another key; "/" ("" from absolute_root) too. */
  REQUIRE(server_key(tmp, geteuid(), "/run/berth-test-root2", other) == 0);
  CHECK(strcmp(other, key) != 0);
  REQUIRE(server_key(tmp, geteuid(), "", other) == 0);
  CHECK(strcmp(other, key) != 0);
  errno = 0;
  CHECK(server_key("/no/such/home", geteuid(), a_root, key) < 0 && errno == ENOENT);
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
  test_long_root();
  return finish("test_client_run");
}
