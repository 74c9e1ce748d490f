/* Unit tests of rootfs_check_escape (init/rootfs.c): paths that stay inside the rootfs pass, paths
 * that climb out through ".." or a relative symlink are refused with a message naming the way out. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "init/rootfs.h"

static char root[] = "/tmp/berth-escape-test.XXXXXX";

static void at(const char *rel, char *out, size_t len) {
  snprintf(out, len, "%s/%s", root, rel);
}

static void mk(const char *rel) {
  char p[4096];
  at(rel, p, sizeof(p));
  assert(mkdir(p, 0755) == 0);
}

static void link_to(const char *target, const char *rel) {
  char p[4096];
  at(rel, p, sizeof(p));
  assert(symlink(target, p) == 0);
}

static int check(const char *path, char *err) {
  return rootfs_check_escape(root, path, err, 512);
}

static void expect_ok(const char *path) {
  char err[512] = "";
  if (check(path, err) != 0) {
    fprintf(stderr, "%s refused: %s\n", path, err);
    abort();
  }
}

static void expect_refused(const char *path, const char *fragment) {
  char err[512] = "";
  assert(check(path, err) == -1);
  if (!strstr(err, fragment)) {
    fprintf(stderr, "expected \"%s\" in \"%s\"\n", fragment, err);
    abort();
  }
}

static void cleanup(void) {
  char cmd[256];
  snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
  if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", root);
}

int main(void) {
  assert(mkdtemp(root) != NULL);
  atexit(cleanup);
  mk("etc");
  mk("usr");
  mk("usr/lib");
  link_to("usr/lib", "lib");                       /* relative, stays inside */
  link_to("/usr/lib", "abs");                      /* absolute: the container's /usr/lib */
  link_to("../../../../tmp", "etc/evil");          /* climbs out */
  link_to("../usr", "etc/up");                     /* climbs, but stays inside */

  expect_ok("/etc/hosts");
  expect_ok("/lib/x");
  expect_ok("/abs/x");
  expect_ok("/etc/up/lib/x");
  expect_ok("/new/dir/that/does/not/exist");
  expect_ok("/usr/../etc/x");
  expect_refused("/../../etc/x", "through \"..\"");
  expect_refused("/etc/evil/x", "through the symlink /etc/evil -> ../../../../tmp");
  printf("test_escape: 8 tests passed\n");
  return 0;
}
