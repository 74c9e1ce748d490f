#include "cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* The kernel's struct clone_args up to the cgroup field (CLONE_ARGS_SIZE_VER2). */
struct clone3_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static int joins_namespace(const struct config *cfg, uint64_t flag) {
  for (size_t i = 0; i < cfg->n_ns; i++)
    if (cfg->ns[i].flag == flag) return 1;
  return 0;
}

static void write_zero(int fd, const char *what) {
  if (write(fd, "0", 1) != 1) die("join the cgroup through %s", what);
}

void cgroup_join(const struct config *cfg, struct cgroup_placement *out) {
  out->unified_fd = out->procs_fd = -1;
  for (size_t i = 0; i < cfg->n_cgroup_tasks; i++)
    if (write_file(cfg->cgroup_tasks[i], "0") != 0) die("join the cgroup through %s", cfg->cgroup_tasks[i]);
  if (!cfg->cgroup_unified) return;
  int dir = open(cfg->cgroup_unified, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) die("open the cgroup2 directory %s", cfg->cgroup_unified);
  int procs = openat(dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
  if (procs < 0) die("open %s/cgroup.procs", cfg->cgroup_unified);
  if (joins_namespace(cfg, CLONE_NEWUSER) || joins_namespace(cfg, CLONE_NEWCGROUP)) {
    write_zero(procs, "cgroup.procs");
    close(procs);
    close(dir);
    return;
  }
  out->unified_fd = dir;
  out->procs_fd = procs;
}

pid_t cgroup_clone(unsigned long flags, const struct cgroup_placement *p, int *unshare_cgroupns) {
  *unshare_cgroupns = 0;
  if (p->unified_fd >= 0) {
    struct clone3_args args;
    memset(&args, 0, sizeof(args));
    args.flags = (flags & ~(unsigned long)CLONE_NEWCGROUP) | CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)p->unified_fd;
    long pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid >= 0) {
      if (pid == 0) *unshare_cgroupns = (flags & CLONE_NEWCGROUP) != 0;
      return (pid_t)pid;
    }
    /* Kernels before 5.7 have neither clone3 with a cgroup nor CLONE_INTO_CGROUP: take the lock. */
    if (errno != ENOSYS && errno != E2BIG && errno != EINVAL) return -1;
    write_zero(p->procs_fd, "cgroup.procs");
  }
  return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);
}

void cgroup_close(struct cgroup_placement *p) {
  if (p->unified_fd >= 0) close(p->unified_fd);
  if (p->procs_fd >= 0) close(p->procs_fd);
  p->unified_fd = p->procs_fd = -1;
}
