/* berth-shim: the per-container monitor. The process the supervisor starts forks the shim proper
 * and waits on a pipe until it reports the outcome of `runtime create`: "ok <pid>" on stdout and
 * exit 0, or "error <message>" on stderr and exit 1. The shim proper runs in its own session as a
 * child subreaper, detached from whoever started it, until the container has exited. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "shim.h"

static struct shim shim;

static void usage(const char *why) {
  fprintf(stderr,
          "error %s\n"
          "usage: berth-shim --id ID --bundle DIR --runtime PATH [--runtime-root DIR] --state-dir DIR\n"
          "                  [--terminal] [--stdin] [--log-max-size BYTES] [--log-max-files N] [--no-log]\n"
          "                  [--exit-grace-ms MS] [--create-by-client]\n",
          why);
  exit(2);
}

static long long parse_number(const char *text, const char *option, long long min) {
  char *end;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  if (errno || !*text || *end || n < min) {
    char why[128];
    snprintf(why, sizeof why, "%s wants a number >= %lld", option, min);
    usage(why);
  }
  return n;
}

static void parse_options(int argc, char **argv, struct options *o) {
  static const struct option longopts[] = {
      {"id", required_argument, 0, 'i'},           {"bundle", required_argument, 0, 'b'},
      {"runtime", required_argument, 0, 'r'},      {"runtime-root", required_argument, 0, 'R'},
      {"state-dir", required_argument, 0, 's'},    {"terminal", no_argument, 0, 't'},
      {"stdin", no_argument, 0, 'I'},              {"log-max-size", required_argument, 0, 'm'},
      {"log-max-files", required_argument, 0, 'f'}, {"no-log", no_argument, 0, 'n'},
      {"exit-grace-ms", required_argument, 0, 'g'}, {"create-by-client", no_argument, 0, 'C'},
      {0, 0, 0, 0}};
  *o = (struct options){.log_max_size = 10 * 1024 * 1024, .log_max_files = 3, .exit_grace_ms = 3000};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    switch (c) {
      case 'i': o->id = optarg; break;
      case 'b': o->bundle = optarg; break;
      case 'r': o->runtime.path = optarg; break;
      case 'R': o->runtime.root = optarg; break;
      case 's': o->state_dir = optarg; break;
      case 't': o->terminal = true; break;
      case 'I': o->open_stdin = true; break;
      case 'm': o->log_max_size = parse_number(optarg, "--log-max-size", 0); break;
      case 'f': o->log_max_files = (int)parse_number(optarg, "--log-max-files", 1); break;
      case 'n': o->no_log = true; break;
      case 'g': o->exit_grace_ms = parse_number(optarg, "--exit-grace-ms", 0); break;
      case 'C': o->create_by_client = true; break;
      default: usage("unknown option or missing value");
    }
  }
  if (optind != argc) usage("unexpected argument");
  if (!o->id || !o->bundle || !o->runtime.path || !o->state_dir)
    usage("--id, --bundle, --runtime and --state-dir are required");
  if (o->id[0] == '-' || strlen(o->id) > 256 || strpbrk(o->id, "/\n\" \\"))
    usage("--id must be a plain container id");
}

static int listen_control(const char *state_dir) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  /* Bound relative to the state dir (the cwd), so a long state dir path is no problem here. */
  snprintf(addr.sun_path, sizeof addr.sun_path, "shim.sock");
  (void)state_dir;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return -1;
  unlink(addr.sun_path);
  mode_t old = umask(0077);
  int rc = bind(fd, (struct sockaddr *)&addr, sizeof addr);
  umask(old);
  if (rc < 0 || listen(fd, 64) < 0) {
    int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

static int setup_signals(void) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int detach_stdio(void) {
  int null = open("/dev/null", O_RDWR);
  int log = open("shim.log", O_WRONLY | O_CREAT | O_APPEND, 0640);
  if (null < 0 || log < 0) return -1;
  if (dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(log, 2) < 0) return -1;
  close(null);
  close(log);
  return 0;
}

/* Everything up to "the container is created and the shim listens". */
static int setup(struct shim *s, char *err, size_t errlen) {
  for (int i = 0; i < 1 + MAX_EXECS; i++) proc_init_fds(&s->procs[i]);
  for (int i = 0; i < MAX_CLIENTS; i++) s->clients[i] = (struct client){.fd = -1, .kind = CLIENT_FREE};
  s->listen_fd = -1;
  if ((s->signal_fd = setup_signals()) < 0) {
    snprintf(err, errlen, "cannot set up signals: %s", strerror(errno));
    return -1;
  }
  s->logging = !s->opt.no_log;
  if (s->logging && logfile_open(&s->log, s->opt.state_dir, s->opt.log_max_size, s->opt.log_max_files) < 0) {
    snprintf(err, errlen, "cannot open the container log in %s: %s", s->opt.state_dir, strerror(errno));
    return -1;
  }
  s->started_ms = monotonic_ms();
  if (s->opt.create_by_client) {
    /* The client creates the container through `spawn` and `created` once the shim listens. */
    s->procs[0] = (struct proc){.used = true, .status = PROC_CREATING};
    proc_init_fds(&s->procs[0]);
  } else if (shim_create(s, err, errlen) < 0) {
    return -1;
  }
  if ((s->listen_fd = listen_control(s->opt.state_dir)) < 0) {
    snprintf(err, errlen, "cannot listen on %s/shim.sock: %s", s->opt.state_dir, strerror(errno));
    /* Nothing runs without its shim: the supervisor deletes what is left. */
    if (s->procs[0].pid > 0) kill(s->procs[0].pid, SIGKILL);
    return -1;
  }
  char pid[32];
  snprintf(pid, sizeof pid, "%d\n", (int)getpid());
  if (write_file_atomic(s->opt.state_dir, "shim.pid", pid, 0) < 0) shim_log("cannot write shim.pid: %s", strerror(errno));
  return 0;
}

static int run_shim(int report) {
  struct shim *s = &shim;
  char err[1200];
  if (setsid() < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 || chdir(s->opt.state_dir) < 0 || detach_stdio() < 0) {
    dprintf(report, "error cannot detach the shim: %s\n", strerror(errno));
    return 1;
  }
  shim_log("starting for container %s (runtime %s)", s->opt.id, s->opt.runtime.path);
  if (setup(s, err, sizeof err) < 0) {
    shim_log("%s", err);
    dprintf(report, "error %s\n", err);
    unlink("shim.sock");
    return 1;
  }
  dprintf(report, "ok %d %d\n", (int)s->procs[0].pid, (int)getpid());
  close(report);
  int rc = shim_loop(s);
  close(s->listen_fd);
  unlink("shim.sock");
  unlink("shim.pid");
  if (s->logging) logfile_close(&s->log);
  shim_log("exiting: container %s exited with %d", s->opt.id, s->procs[0].exit_code);
  return rc < 0 ? 1 : 0;
}

/* The foreground half: relays the shim's one-line report. */
static int relay_report(int report) {
  char line[1400];
  size_t used = 0;
  ssize_t n;
  while (used + 1 < sizeof line && (n = read(report, line + used, sizeof line - 1 - used)) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    used += (size_t)n;
  }
  line[used] = '\0';
  if (strncmp(line, "ok ", 3) == 0) {
    fputs(line, stdout);
    return 0;
  }
  fputs(used ? line : "error the shim exited before reporting (see shim.log in the state dir)\n", stderr);
  return 1;
}

int main(int argc, char **argv) {
  parse_options(argc, argv, &shim.opt);
  /* Whatever the caller left open must not be inherited by the container. */
  closefrom(3);
  char *state_dir = realpath(shim.opt.state_dir, NULL);
  if (!state_dir) {
    fprintf(stderr, "error state dir %s: %s\n", shim.opt.state_dir, strerror(errno));
    return 1;
  }
  shim.opt.state_dir = state_dir;
  char *bundle = realpath(shim.opt.bundle, NULL);
  if (!bundle) {
    fprintf(stderr, "error bundle %s: %s\n", shim.opt.bundle, strerror(errno));
    return 1;
  }
  shim.opt.bundle = bundle;
  int report[2];
  if (pipe2(report, O_CLOEXEC) < 0) {
    fprintf(stderr, "error pipe: %s\n", strerror(errno));
    return 1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "error fork: %s\n", strerror(errno));
    return 1;
  }
  if (pid == 0) {
    close(report[0]);
    _exit(run_shim(report[1]));
  }
  close(report[1]);
  return relay_report(report[0]);
}
