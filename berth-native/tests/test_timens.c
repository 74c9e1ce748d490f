/* Tests of init/timens.c against the kernel (needs root, as every Berth test): a time namespace made by
 * timens_unshare shifts the clocks of the processes made after it by exactly the offsets written, and
 * offsets the kernel refuses come back as a message. Each case runs in a child, so this process keeps
 * its own time namespace. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "init/timens.h"

static double now(clockid_t clock) {
  struct timespec ts;
  assert(clock_gettime(clock, &ts) == 0);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int run_in_child(int (*body)(void)) {
  fflush(stdout);
  pid_t pid = fork();
  assert(pid >= 0);
  if (pid == 0) _exit(body());
  int status;
  assert(waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* In the new namespace: boottime and monotonic ahead of the maker's by the offsets. */
static int shifted_clocks(void) {
  char err[512] = "";
  if (timens_unshare("monotonic 3600 0\nboottime 86400 500000000\n", err, sizeof(err)) != 0) {
    fprintf(stderr, "timens_unshare: %s\n", err);
    return 1;
  }
  double boot = now(CLOCK_BOOTTIME), mono = now(CLOCK_MONOTONIC);
  int pipefd[2];
  assert(pipe(pipefd) == 0);
  pid_t pid = fork();
  assert(pid >= 0);
  if (pid == 0) {
    double seen[2] = {now(CLOCK_BOOTTIME), now(CLOCK_MONOTONIC)};
    assert(write(pipefd[1], seen, sizeof(seen)) == sizeof(seen));
    _exit(0);
  }
  double seen[2];
  assert(read(pipefd[0], seen, sizeof(seen)) == sizeof(seen));
  waitpid(pid, NULL, 0);
  double boot_shift = seen[0] - boot, mono_shift = seen[1] - mono;
  if (boot_shift < 86400.5 || boot_shift > 86402 || mono_shift < 3600 || mono_shift > 3602) {
    fprintf(stderr, "clocks shifted by boottime %.3f, monotonic %.3f\n", boot_shift, mono_shift);
    return 1;
  }
  return 0;
}

/* The maker itself stays where it was: its own clocks are not shifted. */
static int maker_keeps_its_clocks(void) {
  char err[512] = "";
  double before = now(CLOCK_BOOTTIME);
  if (timens_unshare("boottime 86400 0\n", err, sizeof(err)) != 0) return 1;
  return now(CLOCK_BOOTTIME) - before < 10 ? 0 : 1;
}

static int refused_offsets_are_named(void) {
  char err[512] = "";
  if (timens_unshare("realtime 5 0\n", err, sizeof(err)) == 0) return 1;
  if (!strstr(err, "set the time namespace offsets (realtime 5 0;)")) {
    fprintf(stderr, "unexpected message: %s\n", err);
    return 1;
  }
  return 0;
}

int main(void) {
  assert(run_in_child(shifted_clocks) == 0);
  assert(run_in_child(maker_keeps_its_clocks) == 0);
  assert(run_in_child(refused_offsets_are_named) == 0);
  printf("test_timens: 3 tests passed\n");
  return 0;
}
