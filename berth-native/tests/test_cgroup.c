/* Tests of init/cgroup.c against the kernel (needs root, as every Berth test): the process cgroup_join
 * and cgroup_clone make lands in the container's cgroup in a v1 hierarchy (through tasks) and in the
 * cgroup2 one (CLONE_INTO_CGROUP), a cgroup namespace asked for is rooted at the container's cgroup in
 * both, and with a cgroup namespace to join the init falls back to cgroup.procs. Each case runs in a child, so this process keeps its own cgroups; the test's cgroups are
 * removed at the end. */
#include <assert.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "init/cgroup.h"

static char v1_dir[256], v2_dir[256], v1_tasks[300];

/* The path of this process's cgroup in the hierarchy whose /proc/self/cgroup line starts with prefix. */
static int own_cgroup(const char *prefix, char *out, size_t len) {
  FILE *f = fopen("/proc/self/cgroup", "r");
  assert(f);
  char line[512];
  int found = 0;
  while (fgets(line, sizeof(line), f)) {
    char *colon = strchr(line, ':');
    if (colon && strncmp(colon + 1, prefix, strlen(prefix)) == 0) {
      line[strcspn(line, "\n")] = 0;
      snprintf(out, len, "%s", colon + 1 + strlen(prefix));
      found = 1;
    }
  }
  fclose(f);
  return found;
}

/* Makes the cgroup, runs cgroup_join + cgroup_clone in a single-threaded child; the grandchild reports
 * its pids and cgroup2 paths through a pipe. */
static void place_joining(unsigned long flags, const char *want_v1, const char *want_v2, uint64_t joined);

static void place(unsigned long flags, const char *want_v1, const char *want_v2) {
  place_joining(flags, want_v1, want_v2, 0);
}

/* joined: a namespace type the stream joins by path (only its presence matters to cgroup_join). */
static void place_joining(unsigned long flags, const char *want_v1, const char *want_v2, uint64_t joined) {
  int pipefd[2];
  assert(pipe(pipefd) == 0);
  fflush(stdout);
  pid_t child = fork();
  assert(child >= 0);
  if (child == 0) {
    static struct config cfg;
    cfg.cgroup_tasks[cfg.n_cgroup_tasks++] = v1_tasks;
    cfg.cgroup_unified = v2_dir[0] ? v2_dir : NULL;
    if (joined) cfg.ns[cfg.n_ns++] = (struct ns_join){.flag = joined, .path = "/proc/self/ns/cgroup"};
    struct cgroup_placement p;
    cgroup_join(&cfg, &p);
    int unshare_ns;
    pid_t pid = cgroup_clone(flags, &p, &unshare_ns);
    if (pid < 0) _exit(2);
    cgroup_close(&p);
    if (pid == 0) {
      if (unshare_ns && unshare(CLONE_NEWCGROUP) != 0) _exit(3);
      char a[256] = "", b[256] = "", out[600];
      own_cgroup("pids:", a, sizeof(a));
      own_cgroup(":", b, sizeof(b));
      int n = snprintf(out, sizeof(out), "%s|%s", a, b);
      _exit(write(pipefd[1], out, (size_t)n) == n ? 0 : 4);
    }
    int status;
    _exit(waitpid(pid, &status, 0) == pid && WIFEXITED(status) ? WEXITSTATUS(status) : 5);
  }
  close(pipefd[1]);
  int status;
  assert(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0);
  char got[600] = "";
  assert(read(pipefd[0], got, sizeof(got) - 1) > 0);
  close(pipefd[0]);
  char want[600];
  snprintf(want, sizeof(want), "%s|%s", want_v1, v2_dir[0] ? want_v2 : "");
  if (strcmp(got, want) != 0) {
    fprintf(stderr, "cgroups: got %s, want %s\n", got, want);
    exit(1);
  }
}

static void remove_cgroups(void) {
  rmdir(v1_dir);
  if (v2_dir[0]) rmdir(v2_dir);
}

int main(void) {
  char own[256];
  assert(own_cgroup("pids:", own, sizeof(own)));
  snprintf(v1_dir, sizeof(v1_dir), "/sys/fs/cgroup/pids%s/berth-test-cgroup-%d", strcmp(own, "/") ? own : "",
           getpid());
  snprintf(v1_tasks, sizeof(v1_tasks), "%s/tasks", v1_dir);
  assert(mkdir(v1_dir, 0755) == 0);
  /* The cgroup2 mount beside the v1 hierarchies (hybrid hosts such as these machines), if any. */
  struct stat st;
  if (stat("/sys/fs/cgroup/unified/cgroup.procs", &st) == 0 && own_cgroup(":", own, sizeof(own))) {
    snprintf(v2_dir, sizeof(v2_dir), "/sys/fs/cgroup/unified%s/berth-test-cgroup-%d", strcmp(own, "/") ? own : "",
             getpid());
    assert(mkdir(v2_dir, 0755) == 0);
  }
  atexit(remove_cgroups);
  char leaf[64];
  snprintf(leaf, sizeof(leaf), "/berth-test-cgroup-%d", getpid());
  char want_v1[300], want_v2[300];
  own_cgroup("pids:", own, sizeof(own));
  snprintf(want_v1, sizeof(want_v1), "%s%s", strcmp(own, "/") ? own : "", leaf);
  own_cgroup(":", own, sizeof(own));
  snprintf(want_v2, sizeof(want_v2), "%s%s", strcmp(own, "/") ? own : "", leaf);
  place(0, want_v1, want_v2);
  /* In its own cgroup namespace, each hierarchy's root is the container's cgroup. */
  place(CLONE_NEWCGROUP, "/", "/");
  /* Joining a cgroup namespace: clone3 could not place the process, so the init joins cgroup.procs. */
  place_joining(0, want_v1, want_v2, CLONE_NEWCGROUP);
  printf("test_cgroup: 3 tests passed%s\n", v2_dir[0] ? "" : " (no cgroup2 mount beside v1: v1 only)");
  return 0;
}
