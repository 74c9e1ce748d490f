/* What test_client_proto.c and test_client_run.c share: the failure count, CHECK, ARGC and the
 * closing report. Each test is one program, so a static here is that program's own. */
#ifndef BERTH_TESTS_CLIENT_FIXTURE_H
#define BERTH_TESTS_CLIENT_FIXTURE_H

#include <stdio.h>

static int failures;

#define CHECK(c)                                                          \
  do {                                                                    \
    if (!(c)) {                                                           \
      fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #c);       \
      failures++;                                                         \
    }                                                                     \
  } while (0)

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* The exit code of main: 1 (with the count on stderr) if a CHECK failed. */
static inline int finish(const char *name) {
  if (failures) {
    fprintf(stderr, "%s: %d failures\n", name, failures);
    return 1;
  }
  printf("%s: ok\n", name);
  return 0;
}

#endif
