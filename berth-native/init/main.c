/*
 * berth-init: the part of berth-runtime that a JVM cannot do. The Java runtime starts it with fd 3
 * carrying the instruction stream (stream.h) and fd 4 a SOCK_SEQPACKET sync socket, on which it
 * reports, one datagram each:
 *   "pid <n>"   the container process's pid in the runtime's pid namespace;
 *   "hooks"     (create, when asked) paused before pivot_root for the runtime's hooks; waits "resume";
 *   "ready"     (create) the process is set up and blocks on the exec fifo until `start`;
 *   "error <m>" a step failed; m names the step and the object.
 * In join mode (exec) success is the sync socket closing at execve.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "hooks.h"
#include "process.h"
#include "rootfs.h"
#include "stream.h"
#include "timens.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static const unsigned int SEALS = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

/*
 * CVE-2019-5736: a process in the container could open /proc/<pid>/exe of this binary and overwrite
 * it. Run from a sealed in-memory copy instead, so there is nothing on disk to reach.
 */
static void ensure_sealed_copy(char **argv) {
  int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0) die("open /proc/self/exe");
  int seals = fcntl(self, F_GET_SEALS);
  if (seals >= 0 && (seals & (int)SEALS) == (int)SEALS) {
    close(self);
    return;
  }
  int mem = memfd_create("berth-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mem < 0) die("memfd_create");
  for (;;) {
    ssize_t n = sendfile(mem, self, NULL, 1 << 20);
    if (n == 0) break;
    if (n < 0) die("copy berth-init into a memfd");
  }
  close(self);
  if (fcntl(mem, F_ADD_SEALS, SEALS) != 0) die("seal the berth-init memfd");
  char *envp[] = {NULL};
  fexecve(mem, argv, envp);
  die("re-exec berth-init from its sealed copy");
}

static unsigned char *read_stream(size_t *len) {
  size_t cap = 1 << 16, used = 0;
  unsigned char *buf = malloc(cap);
  if (!buf) die("allocate the instruction stream");
  for (;;) {
    if (used == cap) {
      cap *= 2;
      if (cap > (64u << 20)) fail("instruction stream too large");
      buf = realloc(buf, cap);
      if (!buf) die("allocate the instruction stream");
    }
    ssize_t n = read(STREAM_FD, buf + used, cap - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) die("read the instruction stream");
    if (n == 0) break;
    used += (size_t)n;
  }
  close(STREAM_FD);
  *len = used;
  return buf;
}

/*
 * setns into every namespace with a path, mnt last. Time comes first: a time namespace berth-init made
 * is owned by the runtime's user namespace (see create_main), which a process that joined the
 * container's user namespace has no rights over. Then user, so the others are reached through it.
 */
static void join_namespaces(const struct config *cfg) {
  static const int order[] = {CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWNET,
                              CLONE_NEWPID, CLONE_NEWCGROUP, CLONE_NEWNS};
  int fds[16];
  for (size_t i = 0; i < cfg->n_ns; i++) {
    fds[i] = open(cfg->ns[i].path, O_RDONLY | O_CLOEXEC);
    if (fds[i] < 0) die("open namespace %s", cfg->ns[i].path);
  }
  for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
    for (size_t i = 0; i < cfg->n_ns; i++) {
      if (cfg->ns[i].flag != (uint64_t)order[o]) continue;
      if (setns(fds[i], order[o]) != 0) die("join namespace %s", cfg->ns[i].path);
    }
  }
  for (size_t i = 0; i < cfg->n_ns; i++) close(fds[i]);
}

static void write_id_maps(pid_t pid, const struct config *cfg) {
  char path[64];
  if (cfg->uid_map) {
    snprintf(path, sizeof(path), "/proc/%d/uid_map", pid);
    if (write_file(path, cfg->uid_map) != 0) die("write %s", path);
  }
  if (cfg->gid_map) {
    snprintf(path, sizeof(path), "/proc/%d/gid_map", pid);
    if (write_file(path, cfg->gid_map) != 0) die("write %s", path);
  }
}

/*
 * The caller's preserved fds (--preserve-fds) become the process's 3, 4, …, without close-on-exec; every
 * other fd above 2 was marked close-on-exec. They arrive above 3 (3 and 4 were the stream and the sync
 * socket, both closed by now), so moving them down in ascending order never overwrites one not yet moved.
 */
static void pass_preserved_fds(const struct config *cfg) {
  for (uint64_t i = 0; i < cfg->preserved_count; i++) {
    int from = (int)(cfg->preserved_first + i), to = (int)(3 + i);
    if (dup2(from, to) != to) die("pass preserved fd %d as fd %d", from, to);
  }
}

static void exec_process(const struct config *cfg, const char *path) {
  pass_preserved_fds(cfg);
  struct config *c = (struct config *)cfg; /* the arrays have room for the terminating NULL */
  c->envp[c->n_env] = NULL;
  c->argv[c->n_args] = NULL;
  execve(path, c->argv, c->envp);
  die("exec %s", path);
}

/*
 * Blocks until `start` opens the exec fifo, runs the startContainer hooks, and tells `start` how they
 * went on the fifo: "0" (started, as runc writes), or "E" and the failure, which `start` reports.
 */
static void wait_for_start(const struct config *cfg, int fifo_fd) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fifo_fd);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    fprintf(stderr, "berth-init: open the exec fifo: %s\n", strerror(errno));
    _exit(1);
  }
  close(fifo_fd);
  char err[4096];
  if (hooks_run(cfg, HOOK_START_CONTAINER, err, sizeof(err)) != 0) {
    ssize_t ignored = write(fd, "E", 1);
    ignored = write(fd, err, strlen(err));
    (void)ignored;
    _exit(1);
  }
  if (write(fd, "0", 1) != 1) _exit(1);
  close(fd);
}

/*
 * The container process waits for its parent to release it: the parent first writes the id
 * mappings (user namespace) and reports "pid N", so the runtime knows the pid before this process
 * sends anything on the shared sync socket (the prestart hooks need it).
 */
static void container_main(const struct config *cfg, int console_fd, int fifo_fd, int release_pipe,
                           int unshare_cgroupns) {
  char c;
  if (read(release_pipe, &c, 1) != 1) fail("the parent did not release the container process");
  close(release_pipe);
  if ((cfg->clone_flags & CLONE_NEWUSER) && (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0))
    die("become root in the user namespace");
  if (unshare_cgroupns && unshare(CLONE_NEWCGROUP) != 0) die("unshare the cgroup namespace");
  rootfs_prepare(cfg);
  if (cfg->pause_for_hooks) {
    char reply[64];
    if (sync_send("hooks") != 0 || sync_recv(reply, sizeof(reply)) <= 0 || strcmp(reply, "resume") != 0)
      fail("the runtime did not resume after the prestart hooks");
  }
  /* createContainer hooks: in the container's namespaces, before pivot_root, from the rootfs as runc. */
  if (chdir(cfg->rootfs) != 0) die("chdir to the rootfs %s", cfg->rootfs);
  char err[4096];
  if (hooks_run(cfg, HOOK_CREATE_CONTAINER, err, sizeof(err)) != 0) fail("%s", err);
  rootfs_enter(cfg);
  rootfs_finalize(cfg);
  /* After the hooks and the rootfs, as runc: createContainer hooks still see the host's names. */
  if (cfg->hostname && sethostname(cfg->hostname, strlen(cfg->hostname)) != 0) die("sethostname %s", cfg->hostname);
  if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) != 0) die("setdomainname %s", cfg->domainname);
  if (cfg->terminal && console_fd >= 0) process_setup_console(cfg, console_fd, 1);
  process_apply(cfg);
  char buf[4096];
  const char *path = process_find_executable(cfg, buf, sizeof(buf));
  syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
  if (sync_send("ready") != 0) _exit(1);
  sync_close();
  if (fifo_fd >= 0) wait_for_start(cfg, fifo_fd);
  exec_process(cfg, path);
}

static int create_main(const struct config *cfg) {
  int console_fd = process_connect_console(cfg);
  int fifo_fd = -1;
  if (cfg->exec_fifo && (fifo_fd = open(cfg->exec_fifo, O_PATH | O_CLOEXEC)) < 0) die("open the exec fifo %s", cfg->exec_fifo);
  struct cgroup_placement cgroup;
  cgroup_join(cfg, &cgroup);
  join_namespaces(cfg);
  unsigned long flags = (unsigned long)cfg->clone_flags;
  /*
   * clone() cannot make a time namespace (0x80 is in its exit-signal bits), and the offsets can only be
   * written before any process is in it: unshare here, set them, and the clone below is its first.
   */
  if (flags & CLONE_NEWTIME) {
    char err[512];
    if (timens_unshare(cfg->time_offsets, err, sizeof(err)) != 0) fail("%s", err);
    flags &= ~(unsigned long)CLONE_NEWTIME;
  }
  int release[2];
  if (pipe2(release, O_CLOEXEC) != 0) die("pipe");
  int unshare_cgroupns;
  pid_t pid = cgroup_clone(flags, &cgroup, &unshare_cgroupns);
  if (pid < 0) die("clone the container process (flags 0x%llx)", (unsigned long long)flags);
  cgroup_close(&cgroup);
  if (pid == 0) {
    close(release[1]);
    container_main(cfg, console_fd, fifo_fd, release[0], unshare_cgroupns);
  }
  close(release[0]);
  if (cfg->clone_flags & CLONE_NEWUSER) write_id_maps(pid, cfg);
  if (sync_send("pid %d", pid) != 0) die("report the container's pid");
  if (write(release[1], "1", 1) != 1) die("release the container process");
  /* Exit so the container process is reparented to the runtime's subreaper, as with runc. */
  return 0;
}

static int join_main(const struct config *cfg) {
  int console_fd = process_connect_console(cfg);
  struct cgroup_placement cgroup;
  cgroup_join(cfg, &cgroup);
  join_namespaces(cfg);
  int unshare_cgroupns;
  pid_t pid = cgroup_clone(0, &cgroup, &unshare_cgroupns);
  if (pid < 0) die("fork into the container's pid namespace");
  cgroup_close(&cgroup);
  if (pid == 0) {
    if (cfg->terminal && console_fd >= 0) process_setup_console(cfg, console_fd, 0);
    process_apply(cfg);
    char buf[4096];
    const char *path = process_find_executable(cfg, buf, sizeof(buf));
    syscall(SYS_close_range, 3, ~0U, CLOSE_RANGE_CLOEXEC);
    if (sync_send("ready") != 0) _exit(1);
    sync_close();
    exec_process(cfg, path);
  }
  sync_send("pid %d", pid);
  return 0;
}

int main(int argc, char **argv) {
  (void)argc;
  ensure_sealed_copy(argv);
  if (fcntl(SYNC_FD, F_SETFD, FD_CLOEXEC) != 0) {
    fprintf(stderr, "berth-init: must be started by berth-runtime (no sync socket on fd %d)\n", SYNC_FD);
    return 2;
  }
  /* Device nodes and mount points get exactly the modes asked for. */
  umask(0);
  size_t len;
  unsigned char *buf = read_stream(&len);
  static struct config cfg;
  char err[512];
  if (stream_decode(buf, len, &cfg, err, sizeof(err)) != 0) fail("%s", err);
  return cfg.mode == MODE_JOIN ? join_main(&cfg) : create_main(&cfg);
}
