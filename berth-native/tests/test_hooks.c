/* Tests of init/hooks.c, the createContainer/startContainer hooks berth-init runs: the state each
 * hook reads, its args and exact env, its output kept for the error (not passed on), and a timeout
 * that kills the hook's whole process group. Hooks are /bin/sh scripts. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "init/hooks.h"

static char dir[] = "/tmp/berth-test-hooks-XXXXXX";

static void expect(int cond, const char *what, const char *detail) {
  if (!cond) {
    fprintf(stderr, "FAIL: %s (%s)\n", what, detail);
    exit(1);
  }
}

static char *slurp(const char *path) {
  static char buf[4096];
  FILE *f = fopen(path, "r");
  if (!f) return NULL;
  size_t n = fread(buf, 1, sizeof(buf) - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* One hook of `kind`: /bin/sh -c script, with argv[0] "hook-argv0". */
static void one_hook(struct config *cfg, uint64_t kind, const char *script, uint64_t timeout) {
  static char *argv[4], *envp[2];
  memset(cfg, 0, sizeof(*cfg));
  argv[0] = "hook-argv0";
  argv[1] = "-c";
  argv[2] = (char *)script;
  argv[3] = NULL;
  envp[0] = "ONLY=this";
  envp[1] = NULL;
  cfg->hooks[0] = (struct hook_spec){.kind = kind, .timeout = timeout, .path = "/bin/sh", .argv = argv, .envp = envp};
  cfg->n_hooks = 1;
  cfg->state_json = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"bundle\":\"/b\"}";
}

static void test_state_args_and_env(void) {
  char script[512], out[256];
  snprintf(out, sizeof(out), "%s/seen", dir);
  snprintf(script, sizeof(script), "{ cat; echo; echo \"$0\"; env; } > %s", out);
  struct config cfg;
  one_hook(&cfg, HOOK_START_CONTAINER, script, 0);
  char err[512] = "";
  expect(hooks_run(&cfg, HOOK_START_CONTAINER, err, sizeof(err)) == 0, "the hook runs", err);
  char expected[512];
  snprintf(expected, sizeof(expected),
           "{\"pid\":%d,\"status\":\"created\",\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"bundle\":\"/b\"}\nhook-argv0\n",
           getpid());
  char *seen = slurp(out);
  expect(seen && strncmp(seen, expected, strlen(expected)) == 0, "state on stdin, then argv[0]", seen ? seen : "");
  expect(strstr(seen, "ONLY=this\n") != NULL && strstr(seen, "HOME=") == NULL, "exactly the hook's env", seen);
}

static void test_state_of_an_empty_object(void) {
  char *s = hooks_state("{}", 7, HOOK_CREATE_CONTAINER);
  expect(strcmp(s, "{\"pid\":7,\"status\":\"creating\"}") == 0, "pid and status into {}", s);
  free(s);
}

static void test_failure_names_kind_path_status_and_output(void) {
  struct config cfg;
  one_hook(&cfg, HOOK_CREATE_CONTAINER, "echo to stdout; echo to stderr >&2; exit 3", 0);
  char err[512] = "";
  expect(hooks_run(&cfg, HOOK_CREATE_CONTAINER, err, sizeof(err)) == -1, "a failing hook fails", err);
  expect(strcmp(err, "createContainer hook /bin/sh failed with exit status 3: to stdout\nto stderr") == 0,
         "the message", err);
}

static void test_timeout_kills_the_whole_group(void) {
  char script[512], pidfile[256];
  snprintf(pidfile, sizeof(pidfile), "%s/child", dir);
  snprintf(script, sizeof(script), "sleep 30 & echo $! > %s; wait", pidfile);
  struct config cfg;
  one_hook(&cfg, HOOK_CREATE_CONTAINER, script, 1);
  char err[512] = "";
  time_t start = time(NULL);
  expect(hooks_run(&cfg, HOOK_CREATE_CONTAINER, err, sizeof(err)) == -1, "a hook past its timeout fails", err);
  expect(time(NULL) - start < 5, "it is stopped at its timeout", err);
  expect(strcmp(err, "createContainer hook /bin/sh timed out after 1s") == 0, "the message", err);
  char *child = slurp(pidfile);
  expect(child != NULL, "the hook started a child", pidfile);
  pid_t pid = (pid_t)atoi(child);
  for (int i = 0; i < 100 && kill(pid, 0) == 0; i++) usleep(10000);
  expect(kill(pid, 0) != 0, "the hook's child was killed with it, and reaped", child);
}

int main(void) {
  expect(mkdtemp(dir) != NULL, "mkdtemp", dir);
  /* As the container's pid 1 is, this process is the reaper of the hooks' orphans. */
  expect(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "become a subreaper", "");
  test_state_args_and_env();
  test_state_of_an_empty_object();
  test_failure_names_kind_path_status_and_output();
  test_timeout_kills_the_whole_group();
  char cmd[128];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
  if (system(cmd) != 0) return 1;
  printf("test_hooks: 4 tests passed\n");
  return 0;
}
