/* berth-runtime: hands the command to the warm runtime server and does in this process what the server
 * asks to be done here (README.md). Whenever the server cannot be reached, the JVM launcher runs the
 * command instead: slower, but the same runtime. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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
#include <unistd.h>

#include "key.h"
#include "proto.h"

static char launcher[PATH_MAX];
static char **command;

/* Messages in and out; static, as a message may be 64 KiB and have as many fields as bytes. */
static char msg[MSG_MAX];
static char *fields[MSG_MAX];

__attribute__((noreturn, format(printf, 1, 2))) static void die(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("berth-runtime: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  exit(1);
}

__attribute__((noreturn)) static void run_jvm(void) {
  execv(launcher, command);
  die("cannot run %s: %s", launcher, strerror(errno));
}

static void close_all(const int *fds, int nfds) {
  for (int i = 0; i < nfds; i++) close(fds[i]);
}

__attribute__((noreturn)) static void malformed(const int *fds, int nfds, const char *why) {
  close_all(fds, nfds);
  die("malformed message from the runtime server: %s", why);
}

static int send_msg(int s, const char *buf, size_t len, const int *fds, int nfds) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * MSG_FDS_MAX)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  if (nfds > 0) {
    mh.msg_control = control.buf;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
  }
  ssize_t n;
  /* MSG_NOSIGNAL: a server that died is reported, not a SIGPIPE that kills the client silently. */
  while ((n = sendmsg(s, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  return n < 0 ? -1 : 0;
}

/* One message into msg, its fds into fds. Returns its length, 0 at the end of the connection, -1. */
static ssize_t recv_msg(int s, int *fds, int *nfds, int *flags) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * MSG_FDS_MAX)];
    struct cmsghdr align;
  } control;
  struct iovec iov = {.iov_base = msg, .iov_len = sizeof msg};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof control};
  ssize_t n;
  while ((n = recvmsg(s, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  *nfds = 0;
  *flags = mh.msg_flags;
  if (n < 0) return -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < count && *nfds < MSG_FDS_MAX; i++)
      memcpy(&fds[(*nfds)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
  }
  return n;
}

static void answer(int s, const char *const *words, int nwords, const int *fds, int nfds) {
  char buf[1024];
  size_t len = 0;
  for (int i = 0; i < nwords; i++)
    if (msg_add(buf, &len, sizeof buf, words[i]) < 0) die("an answer to the runtime server is too long");
  if (send_msg(s, buf, len, fds, nfds) < 0) {
    if (errno == EPIPE || errno == ECONNRESET) die("the runtime server ended during the command");
    die("cannot answer the runtime server: %s", strerror(errno));
  }
}

static void answer_number(int s, const char *word, long long n) {
  char text[24];
  snprintf(text, sizeof text, "%lld", n);
  answer(s, (const char *[]){word, text}, 2, NULL, 0);
}

__attribute__((format(printf, 3, 4))) static void answer_error(int s, int err, const char *fmt, ...) {
  char number[16], text[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  snprintf(number, sizeof number, "%d", err);
  answer(s, (const char *[]){"error", number, text}, 3, NULL, 0);
}

/* Starts the process a spawn describes; fds are the received ones (replaced if moved). 0 or an errno. */
static int start(const struct spawn_request *sp, int *fds, pid_t *pid) {
  int highest = -1;
  for (int i = 0; i < sp->nfds; i++)
    if (sp->targets[i] > highest) highest = sp->targets[i];
  /* The dup2s run in order: a received fd that is also a target would be clobbered before its turn. */
  for (int i = 0; i < sp->nfds; i++) {
    if (fds[i] > highest) continue;
    int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, highest + 1);
    if (moved < 0) return errno;
    close(fds[i]);
    fds[i] = moved;
  }
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  sigset_t none, all;
  sigemptyset(&none);
  /* Not sigfillset: it leaves out libc's own signals (32, 33), which posix_spawn then leaves ignored. */
  memset(&all, 0xff, sizeof all);
  posix_spawn_file_actions_init(&actions);
  posix_spawnattr_init(&attr);
  int err = 0;
  for (int i = 0; !err && i < sp->nfds; i++) err = posix_spawn_file_actions_adddup2(&actions, fds[i], sp->targets[i]);
  if (!err && sp->cwd[0]) err = posix_spawn_file_actions_addchdir_np(&actions, sp->cwd);
  short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (sp->pgroup ? POSIX_SPAWN_SETPGROUP : 0);
  if (!err) err = posix_spawnattr_setflags(&attr, flags);
  if (!err) err = posix_spawnattr_setsigmask(&attr, &none);
  if (!err) err = posix_spawnattr_setsigdefault(&attr, &all);
  if (!err) err = posix_spawnattr_setpgroup(&attr, 0);
  /* glibc's posix_spawn reports the child's exec (and file action) errors as its result. */
  if (!err) err = posix_spawn(pid, sp->path, &actions, &attr, sp->argv, sp->envp);
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  return err;
}

static void on_spawn(int s, long n, int *fds, int nfds) {
  struct spawn_request sp;
  const char *why;
  if (decode_spawn(fields, (size_t)n, &sp, &why) < 0) malformed(fds, nfds, why);
  if (sp.nfds != nfds) malformed(fds, nfds, "spawn's nfds is not the number of fds it carries");
  pid_t pid;
  int err = start(&sp, fds, &pid);
  close_all(fds, nfds);
  if (err)
    answer_error(s, err, "cannot start %s: %s", sp.path, strerror(err));
  else
    answer_number(s, "pid", pid);
}

/* Waits until the child pid exits, or until the server ends first: then nobody would hear the exit,
 * and a foreground run must not hang on a container that lives on. Without a pidfd (a kernel before
 * 5.3) the waitpid alone waits. */
static void await_exit(pid_t pid, int s) {
  siginfo_t info;
  /* Not a child of ours: waitpid says so at once. */
  if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) < 0) return;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return;
  struct pollfd watch[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = s, .events = POLLIN}};
  while (poll(watch, 2, -1) < 0 && errno == EINTR) {
  }
  close(pidfd);
  /* The server sends nothing while it waits for an answer: input is its end. */
  if (!(watch[0].revents & POLLIN) && watch[1].revents) die("the runtime server ended during the command");
}

static void on_wait(int s, long n) {
  long long pid, nohang;
  if (n != 3 || parse_number(fields[1], INT_MIN, INT_MAX, &pid) < 0 || parse_number(fields[2], 0, 1, &nohang) < 0)
    malformed(NULL, 0, "wait wants a pid and nohang 0 or 1");
  if (!nohang) await_exit((pid_t)pid, s);
  int status;
  pid_t r;
  while ((r = waitpid((pid_t)pid, &status, nohang ? WNOHANG : 0)) < 0 && errno == EINTR) {
  }
  if (r < 0)
    answer_error(s, errno, "waitpid %lld: %s", pid, strerror(errno));
  else
    answer_number(s, "status", r == 0 ? -1 : status);
}

static void on_fds(int s, long n) {
  long long count, fd;
  if (n < 2 || parse_number(fields[1], 0, MSG_FDS_MAX, &count) < 0 || count != n - 2)
    malformed(NULL, 0, "fds wants a count and that many fds");
  int fds[MSG_FDS_MAX];
  for (int i = 0; i < count; i++) {
    if (parse_number(fields[2 + i], 0, INT_MAX, &fd) < 0) malformed(NULL, 0, "fds wants fd numbers");
    if (fcntl((int)fd, F_GETFD) < 0) {
      answer_error(s, EBADF, "fd %lld is not open", fd);
      return;
    }
    fds[i] = (int)fd;
  }
  answer(s, (const char *[]){"fds"}, 1, fds, (int)count);
}

static volatile sig_atomic_t forward_pid;

static void forward(int sig) {
  int saved = errno;
  kill((pid_t)forward_pid, sig);
  errno = saved;
}

/* From now on the signals a caller sends a foreground runtime go on to the process, as runc passes
 * them; not SIGCHLD (the client's own), faults, SIGPIPE or SIGWINCH (no terminal here: a foreground
 * command on one is the JVM launcher's). */
static void on_forward(int s, long n) {
  long long pid;
  if (n != 2 || parse_number(fields[1], 1, INT_MAX, &pid) < 0) malformed(NULL, 0, "forward wants a pid");
  forward_pid = (sig_atomic_t)pid;
  static const int forwarded[] = {SIGHUP,  SIGINT,  SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,   SIGALRM, SIGCONT,
                                  SIGTSTP, SIGTTIN, SIGTTOU, SIGPWR,  SIGPROF, SIGVTALRM, SIGXCPU, SIGXFSZ};
  struct sigaction sa = {.sa_handler = forward, .sa_flags = SA_RESTART};
  sigemptyset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
    if (sigaction(forwarded[i], &sa, NULL) < 0) {
      answer_error(s, errno, "cannot forward signal %d: %s", forwarded[i], strerror(errno));
      return;
    }
  }
  answer(s, (const char *[]){"ok"}, 1, NULL, 0);
}

/* The request into msg: its length, or 0 if it does not fit one message. */
static size_t encode_request(int argc, char *argv[], const char *cwd) {
  size_t len = 0;
  if (msg_add(msg, &len, sizeof msg, "request") < 0 || msg_add(msg, &len, sizeof msg, cwd) < 0) return 0;
  for (int i = 1; i < argc; i++)
    if (msg_add(msg, &len, sizeof msg, argv[i]) < 0) return 0;
  return len;
}

/* Sends the request (len bytes in msg) and does what the server asks; returns only when the JVM
 * launcher should run the command. */
static void converse(int s, size_t len) {
  if (send_msg(s, msg, len, (const int[]){0, 1, 2}, 3) < 0) return;
  for (bool first = true;; first = false) {
    int fds[MSG_FDS_MAX], nfds, flags;
    ssize_t n = recv_msg(s, fds, &nfds, &flags);
    if (n < 0 && errno != ECONNRESET) die("cannot read from the runtime server: %s", strerror(errno));
    if (n <= 0) {
      if (first) return;
      die("the runtime server ended during the command");
    }
    if (flags & (MSG_TRUNC | MSG_CTRUNC)) malformed(fds, nfds, "more than 64 KiB or too many fds");
    long nf = msg_split(msg, (size_t)n, fields, MSG_MAX);
    if (nf < 0) malformed(fds, nfds, "its fields are not each followed by NUL");
    const char *verb = fields[0];
    if (strcmp(verb, "spawn") == 0) {
      on_spawn(s, nf, fds, nfds);
      continue;
    }
    if (nfds > 0) malformed(fds, nfds, "fds with a message other than spawn");
    long long code;
    if (strcmp(verb, "wait") == 0) {
      on_wait(s, nf);
    } else if (strcmp(verb, "subreaper") == 0 && nf == 1) {
      if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        answer_error(s, errno, "cannot become a subreaper: %s", strerror(errno));
      else
        answer(s, (const char *[]){"ok"}, 1, NULL, 0);
    } else if (strcmp(verb, "fds") == 0) {
      on_fds(s, nf);
    } else if (strcmp(verb, "forward") == 0) {
      on_forward(s, nf);
    } else if (strcmp(verb, "exit") == 0 && nf == 2 && parse_number(fields[1], INT_MIN, INT_MAX, &code) == 0) {
      exit((int)code); /* the caller sees its low 8 bits, as when the JVM launcher exits with it */
    } else if (strcmp(verb, "fallback") == 0 && nf == 1) {
      return;
    } else {
      malformed(NULL, 0, "not a message the client knows, or wrong fields");
    }
  }
}

/* In the grandchild: becomes the server, detached from the caller (its session, stdio, cwd, signals)
 * but holding the lock on fd 3 for its whole life. */
__attribute__((noreturn)) static void exec_server(int lock, const char *sock, const char *root) {
  /* Already on 3, the lock fd keeps its close-on-exec flag (a dup2 onto itself does nothing). */
  if ((lock == 3 ? fcntl(3, F_SETFD, 0) : dup2(lock, 3)) < 0) _exit(127);
  int null = open("/dev/null", O_RDWR);
  if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0) _exit(127);
  if (close_range(4, ~0U, 0) < 0) {
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = 4; fd < max; fd++) close(fd);
  }
  if (chdir("/") < 0) _exit(127);
  /* The raw call: libc's refuses its own signals (32, 33), and an ignored one stays ignored after exec. */
  struct kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long long mask;
  } dfl = {.handler = SIG_DFL};
  for (int sig = 1; sig < NSIG; sig++) syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof dfl.mask); /* not KILL, STOP */
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execv(launcher, (char *[]){launcher, "--serve", (char *)sock, "3", (char *)(root[0] ? root : "/"), NULL});
  _exit(127);
}

static const char *server_dir(void) {
  /* Absolute only: the server runs in /, and must find the socket the client named. */
  const char *dir = getenv("BERTH_RUNTIME_SERVER_DIR");
  return dir && dir[0] == '/' ? dir : DEFAULT_SERVER_DIR;
}

/* Starts a server unless one is running or starting (it holds the lock). Either way, this command is
 * the JVM launcher's: a server needs longer to start than a JVM that runs one command. */
static void start_server(const struct server_paths *p, const char *root) {
  if (mkdir(server_dir(), 0700) < 0 && errno != EEXIST) return;
  int lock = open(p->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock < 0) return;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
  if (fcntl(lock, F_OFD_SETLK, &fl) == 0) {
    pid_t middle = fork();
    if (middle == 0) {
      if (setsid() >= 0 && fork() == 0) exec_server(lock, p->sock, root);
      _exit(0);
    }
    while (middle > 0 && waitpid(middle, NULL, 0) < 0 && errno == EINTR) {
    }
  }
  close(lock);
}

int main(int argc, char *argv[]) {
  command = argv;
  char exe[PATH_MAX], home[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe);
  if (n < 0 || (size_t)n >= sizeof exe) die("cannot read /proc/self/exe: %s", strerror(n < 0 ? errno : ENAMETOOLONG));
  exe[n] = '\0';
  if (home_of(exe, home, sizeof home) < 0 ||
      snprintf(launcher, sizeof launcher, "%s/bin/berth-runtime-jvm", home) >= (int)sizeof launcher)
    die("cannot find the home of %s", exe);
  const char *mode = getenv("BERTH_RUNTIME_SERVER"), *word;
  const char *root_option = global_options(argc, argv, &word);
  if ((mode && strcmp(mode, "off") == 0) || !served_command(word)) run_jvm();

  char cwd[PATH_MAX], root[PATH_MAX], key[KEY_LEN + 1];
  struct server_paths paths;
  size_t len;
  if (!getcwd(cwd, sizeof cwd) || !(len = encode_request(argc, argv, cwd)) ||
      absolute_root(root_option, cwd, root, sizeof root) < 0 || server_key(home, geteuid(), root, key) < 0 ||
      server_paths(server_dir(), key, &paths) < 0)
    run_jvm();
  /* A root that is not there yet is the JVM launcher's to make; a server would end at once. */
  struct stat st;
  if (stat(root[0] ? root : "/", &st) < 0 || !S_ISDIR(st.st_mode)) run_jvm();
  /* The lowest free fd: below 3 if the caller closed some of fds 0-2, which the server could not be given. */
  int s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (s < 3) run_jvm();
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  memcpy(addr.sun_path, paths.sock, strlen(paths.sock) + 1);
  if (connect(s, (struct sockaddr *)&addr, sizeof addr) < 0) {
    int err = errno;
    close(s);
    /* Anything else (EACCES, ENOTDIR...) is not a missing server: the JVM launcher will say what it is. */
    if (err == ENOENT || err == ECONNREFUSED) start_server(&paths, root);
    run_jvm();
  }
  /* An ignored SIGCHLD (inherited through exec) would make the children vanish before a wait. */
  signal(SIGCHLD, SIG_DFL);
  converse(s, len);
  run_jvm();
}
