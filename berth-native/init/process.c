#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

int process_connect_console(const struct config *cfg) {
  if (cfg->console_fd) {
    /* The runtime relays the pty itself (run without --console-socket): its socket is already here. */
    int fd = (int)cfg->console_fd;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) die("console fd %d", fd);
    return fd;
  }
  if (!cfg->console_socket) return -1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket for the console");
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(cfg->console_socket) >= sizeof(addr.sun_path)) fail("console socket path %s is too long", cfg->console_socket);
  strcpy(addr.sun_path, cfg->console_socket);
  if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) die("connect to the console socket %s", cfg->console_socket);
  return fd;
}

static void send_fd(int sock, int fd, const char *name) {
  char data[PATH_MAX];
  snprintf(data, sizeof(data), "%s", name);
  struct iovec iov = {.iov_base = data, .iov_len = strlen(data)};
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } u;
  memset(&u, 0, sizeof(u));
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof(int));
  if (sendmsg(sock, &msg, MSG_NOSIGNAL) < 0) die("send the pty master to the console socket");
}

void process_setup_console(const struct config *cfg, int console_fd, int bind_dev_console) {
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) die("open /dev/ptmx");
  if (unlockpt(master) != 0) die("unlockpt");
  char name[PATH_MAX];
  if (ptsname_r(master, name, sizeof(name)) != 0) die("ptsname");
  int slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0) die("open %s", name);
  if (cfg->console_fd) {
    /* The runtime relays this pty to its own terminal, which adds the \r: send "\n" as it is, as runc
     * sets its ptys up. Done here, before the process can write anything. */
    struct termios t;
    if (tcgetattr(slave, &t) != 0) die("tcgetattr %s", name);
    t.c_oflag &= ~(tcflag_t)ONLCR;
    if (tcsetattr(slave, TCSANOW, &t) != 0) die("clear onlcr on %s", name);
  }
  if (cfg->console_rows || cfg->console_cols) {
    struct winsize ws = {.ws_row = (unsigned short)cfg->console_rows, .ws_col = (unsigned short)cfg->console_cols};
    if (ioctl(slave, TIOCSWINSZ, &ws) != 0) die("set the console size");
  }
  if (bind_dev_console) {
    /* Programs expect /dev/console to be the container's terminal, as runc arranges. */
    int c = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (c < 0) die("create /dev/console");
    close(c);
    if (mount(name, "/dev/console", NULL, MS_BIND, NULL) != 0) die("bind %s on /dev/console", name);
  }
  send_fd(console_fd, master, name);
  close(master);
  close(console_fd);
  if (setsid() < 0) die("setsid");
  if (ioctl(slave, TIOCSCTTY, 0) != 0) die("make %s the controlling terminal", name);
  for (int i = 0; i < 3; i++)
    if (dup3(slave, i, 0) < 0) die("dup the pty to fd %d", i);
  close(slave);
}

static void apply_rlimits(const struct config *cfg) {
  for (size_t i = 0; i < cfg->n_rlimits; i++) {
    struct rlimit rl = {.rlim_cur = cfg->rlimits[i].soft, .rlim_max = cfg->rlimits[i].hard};
    if (setrlimit((int)cfg->rlimits[i].resource, &rl) != 0) die("setrlimit %llu", (unsigned long long)cfg->rlimits[i].resource);
  }
}

static int last_cap(void) {
  char buf[16] = {0};
  int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return CAP_LAST_CAP;
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  return n > 0 ? atoi(buf) : CAP_LAST_CAP;
}

static void drop_bounding(uint64_t bounding) {
  int last = last_cap();
  for (int cap = 0; cap <= last; cap++) {
    if (bounding & (1ULL << cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) die("drop capability %d from the bounding set", cap);
  }
}

static void set_caps(const struct config *cfg) {
  struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof(data));
  uint64_t eff = cfg->caps[1], inh = cfg->caps[2], perm = cfg->caps[3];
  data[0].effective = (uint32_t)eff;
  data[1].effective = (uint32_t)(eff >> 32);
  data[0].inheritable = (uint32_t)inh;
  data[1].inheritable = (uint32_t)(inh >> 32);
  data[0].permitted = (uint32_t)perm;
  data[1].permitted = (uint32_t)(perm >> 32);
  if (syscall(SYS_capset, &hdr, data) != 0) die("capset");
  int last = last_cap();
  for (int cap = 0; cap <= last; cap++) {
    if (!(cfg->caps[4] & (1ULL << cap))) continue;
    /* As runc: a capability outside the inheritable set cannot be ambient; that is not an error. */
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) != 0 && errno != EPERM && errno != EINVAL)
      die("raise ambient capability %d", cap);
  }
}

static void load_seccomp(const struct config *cfg) {
  if (!cfg->seccomp_filter) return;
  /* The filter sits at an arbitrary offset in the stream buffer: copy it to aligned memory. */
  struct sock_filter *filter = calloc(cfg->seccomp_len, sizeof(*filter));
  if (!filter) die("allocate the seccomp filter");
  memcpy(filter, cfg->seccomp_filter, cfg->seccomp_len * sizeof(*filter));
  struct sock_fprog prog = {.len = (unsigned short)cfg->seccomp_len, .filter = filter};
  if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)cfg->seccomp_flags, &prog) != 0) die("load the seccomp filter");
  free(filter);
}

static void set_credentials(const struct config *cfg) {
  gid_t gids[64];
  for (size_t i = 0; i < cfg->n_gids; i++) gids[i] = (gid_t)cfg->gids[i];
  if (setgroups(cfg->n_gids, gids) != 0 && !(errno == EPERM && cfg->n_gids == 0)) die("setgroups");
  if (setresgid((gid_t)cfg->gid, (gid_t)cfg->gid, (gid_t)cfg->gid) != 0) die("setgid %llu", (unsigned long long)cfg->gid);
  if (setresuid((uid_t)cfg->uid, (uid_t)cfg->uid, (uid_t)cfg->uid) != 0) die("setuid %llu", (unsigned long long)cfg->uid);
}

void process_apply(const struct config *cfg) {
  if (cfg->oom_score_adj && write_file("/proc/self/oom_score_adj", cfg->oom_score_adj) != 0) die("set oom_score_adj");
  apply_rlimits(cfg);
  umask(cfg->has_umask ? (mode_t)cfg->umask : 022);
  /* Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it while we still have it. */
  if (!cfg->no_new_privs) load_seccomp(cfg);
  if (cfg->has_caps) drop_bounding(cfg->caps[0]);
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) die("keep capabilities");
  set_credentials(cfg);
  if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) die("reset keepcaps");
  if (cfg->has_caps) set_caps(cfg);
  /* A uid change made us non-dumpable, which would hide /proc/self/fd (needed for the exec fifo). */
  if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0) die("set dumpable");
  const char *cwd = cfg->cwd ? cfg->cwd : "/";
  if (chdir(cwd) != 0) die("chdir to cwd (\"%s\") set in config.json", cwd);
  if (cfg->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) die("set no_new_privs");
  if (cfg->no_new_privs) load_seccomp(cfg);
}

static const char *env_path(const struct config *cfg) {
  for (size_t i = 0; i < cfg->n_env; i++)
    if (strncmp(cfg->envp[i], "PATH=", 5) == 0) return cfg->envp[i] + 5;
  return "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

const char *process_find_executable(const struct config *cfg, char *buf, size_t len) {
  const char *name = cfg->argv[0];
  struct stat st;
  if (strchr(name, '/')) {
    if (stat(name, &st) != 0) die("exec: \"%s\": stat %s", name, name);
    if (S_ISDIR(st.st_mode)) fail("exec: \"%s\": is a directory", name);
    return name;
  }
  const char *p = env_path(cfg);
  while (p) {
    const char *colon = strchr(p, ':');
    size_t n = colon ? (size_t)(colon - p) : strlen(p);
    snprintf(buf, len, "%.*s/%s", (int)n, n ? p : ".", name);
    if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) return buf;
    p = colon ? colon + 1 : NULL;
  }
  fail("exec: \"%s\": executable file not found in $PATH", name);
}
