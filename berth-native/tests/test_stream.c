/* Unit tests of the instruction stream decoder (init/stream.c): valid streams decode every field,
 * malformed ones are refused with a message. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init/stream.h"

struct buf {
  unsigned char data[8192];
  size_t len;
};

static void header(struct buf *b, uint16_t tag, uint32_t len) {
  b->data[b->len++] = (unsigned char)(tag & 0xff);
  b->data[b->len++] = (unsigned char)(tag >> 8);
  for (int i = 0; i < 4; i++) b->data[b->len++] = (unsigned char)(len >> (8 * i));
}

static void u64s(struct buf *b, uint16_t tag, const uint64_t *v, size_t n) {
  header(b, tag, (uint32_t)(8 * n));
  for (size_t k = 0; k < n; k++)
    for (int i = 0; i < 8; i++) b->data[b->len++] = (unsigned char)(v[k] >> (8 * i));
}

static void str(struct buf *b, uint16_t tag, const char *s) {
  header(b, tag, (uint32_t)strlen(s));
  memcpy(b->data + b->len, s, strlen(s));
  b->len += strlen(s);
}

/* A compound record: integers, then NUL-terminated strings. */
static void compound(struct buf *b, uint16_t tag, const uint64_t *v, size_t n, const char **s, size_t ns) {
  size_t len = 8 * n;
  for (size_t i = 0; i < ns; i++) len += strlen(s[i]) + 1;
  header(b, tag, (uint32_t)len);
  for (size_t k = 0; k < n; k++)
    for (int i = 0; i < 8; i++) b->data[b->len++] = (unsigned char)(v[k] >> (8 * i));
  for (size_t i = 0; i < ns; i++) {
    memcpy(b->data + b->len, s[i], strlen(s[i]) + 1);
    b->len += strlen(s[i]) + 1;
  }
}

static int decode(struct buf *b, struct config *cfg, char *err) {
  return stream_decode(b->data, b->len, cfg, err, 256);
}

static struct buf *minimal(void) {
  static struct buf b;
  memset(&b, 0, sizeof(b));
  uint64_t mode = MODE_CREATE;
  u64s(&b, TAG_MODE, &mode, 1);
  str(&b, TAG_ARG, "/bin/sh");
  return &b;
}

static void test_valid_stream_decodes_every_field(void) {
  struct buf *b = minimal();
  uint64_t flags = 0x20000000 | 0x00020000, caps[5] = {1, 2, 3, 4, 5}, uid = 1000, rl[3] = {7, 512, 1024};
  u64s(b, TAG_CLONE_FLAGS, &flags, 1);
  str(b, TAG_ARG, "-c");
  str(b, TAG_ARG, "");
  str(b, TAG_ENV, "PATH=/bin");
  str(b, TAG_HOSTNAME, "box");
  str(b, TAG_ROOTFS, "/r");
  u64s(b, TAG_UID, &uid, 1);
  u64s(b, TAG_CAPS, caps, 5);
  u64s(b, TAG_RLIMIT, rl, 3);
  uint64_t m[3] = {6, 0, MOUNT_NORMAL};
  const char *ms[4] = {"proc", "/proc", "proc", ""};
  compound(b, TAG_MOUNT, m, 3, ms, 4);
  const char *kv[2] = {"net.ipv4.ip_forward", "1"};
  compound(b, TAG_SYSCTL, NULL, 0, kv, 2);
  header(b, TAG_END, 0);
  struct config cfg;
  char err[256] = "";
  assert(decode(b, &cfg, err) == 0);
  assert(cfg.mode == MODE_CREATE && cfg.clone_flags == flags);
  assert(cfg.n_args == 3 && strcmp(cfg.argv[0], "/bin/sh") == 0 && strcmp(cfg.argv[1], "-c") == 0);
  assert(strcmp(cfg.argv[2], "") == 0);
  assert(cfg.n_env == 1 && strcmp(cfg.envp[0], "PATH=/bin") == 0);
  assert(strcmp(cfg.hostname, "box") == 0 && strcmp(cfg.rootfs, "/r") == 0);
  assert(cfg.uid == 1000 && cfg.has_caps && cfg.caps[4] == 5);
  assert(cfg.n_rlimits == 1 && cfg.rlimits[0].soft == 512 && cfg.rlimits[0].hard == 1024);
  assert(cfg.n_mounts == 1 && cfg.mounts[0].flags == 6 && strcmp(cfg.mounts[0].dest, "/proc") == 0);
  assert(strcmp(cfg.mounts[0].data, "") == 0);
  assert(cfg.n_sysctls == 1 && strcmp(cfg.sysctls[0].b, "1") == 0);
}

static void expect_error(struct buf *b, const char *fragment) {
  struct config cfg;
  char err[256] = "";
  assert(decode(b, &cfg, err) == -1);
  if (!strstr(err, fragment)) {
    fprintf(stderr, "expected \"%s\" in \"%s\"\n", fragment, err);
    abort();
  }
}

static void test_unknown_tag_is_refused(void) {
  struct buf *b = minimal();
  header(b, 999, 0);
  header(b, TAG_END, 0);
  expect_error(b, "unknown record tag 999");
}

static void test_overrunning_length_is_refused(void) {
  struct buf *b = minimal();
  header(b, TAG_HOSTNAME, 4000);
  expect_error(b, "overruns");
}

static void test_missing_end_is_refused(void) {
  expect_error(minimal(), "truncated");
}

static void test_missing_mode_or_args_is_refused(void) {
  struct buf b;
  memset(&b, 0, sizeof(b));
  str(&b, TAG_ARG, "x");
  header(&b, TAG_END, 0);
  expect_error(&b, "no valid mode");
  memset(&b, 0, sizeof(b));
  uint64_t mode = MODE_JOIN;
  u64s(&b, TAG_MODE, &mode, 1);
  header(&b, TAG_END, 0);
  expect_error(&b, "no process arguments");
}

static void test_mount_without_absolute_destination_is_refused(void) {
  struct buf *b = minimal();
  uint64_t m[3] = {0, 0, MOUNT_NORMAL};
  const char *ms[4] = {"tmpfs", "relative", "tmpfs", ""};
  compound(b, TAG_MOUNT, m, 3, ms, 4);
  header(b, TAG_END, 0);
  expect_error(b, "bad mount record");
}

static void test_short_integer_payload_is_refused(void) {
  struct buf *b = minimal();
  header(b, TAG_UID, 3);
  b->data[b->len++] = 1;
  b->data[b->len++] = 2;
  b->data[b->len++] = 3;
  header(b, TAG_END, 0);
  expect_error(b, "bad uid record");
}

static void test_extra_fds_and_time_offsets_decode(void) {
  struct buf *b = minimal();
  uint64_t fds[2] = {5, 2};
  u64s(b, TAG_PRESERVED_FDS, fds, 2);
  str(b, TAG_TIME_OFFSETS, "monotonic 1 0\nboottime 2 0\n");
  uint64_t console = 7;
  u64s(b, TAG_CONSOLE_FD, &console, 1);
  header(b, TAG_END, 0);
  struct config cfg;
  char err[256] = "";
  assert(decode(b, &cfg, err) == 0);
  assert(cfg.preserved_first == 5 && cfg.preserved_count == 2);
  assert(strcmp(cfg.time_offsets, "monotonic 1 0\nboottime 2 0\n") == 0);
  assert(cfg.console_fd == 7);
  /* Moving fds down to 3.. in ascending order is safe only from above 3. */
  b = minimal();
  uint64_t low[2] = {3, 2};
  u64s(b, TAG_PRESERVED_FDS, low, 2);
  header(b, TAG_END, 0);
  expect_error(b, "bad preserved fds record");
}

static void test_cgroup_placement_decodes(void) {
  struct buf *b = minimal();
  str(b, TAG_CGROUP_TASKS, "/sys/fs/cgroup/pids/berth/c1/tasks");
  str(b, TAG_CGROUP_TASKS, "/sys/fs/cgroup/memory/berth/c1/tasks");
  str(b, TAG_CGROUP_UNIFIED, "/sys/fs/cgroup/unified/berth/c1");
  header(b, TAG_END, 0);
  struct config cfg;
  char err[256] = "";
  assert(decode(b, &cfg, err) == 0);
  assert(cfg.n_cgroup_tasks == 2 && strcmp(cfg.cgroup_tasks[1], "/sys/fs/cgroup/memory/berth/c1/tasks") == 0);
  assert(strcmp(cfg.cgroup_unified, "/sys/fs/cgroup/unified/berth/c1") == 0);
  /* Host paths only: berth-init opens them before it joins any namespace. */
  b = minimal();
  str(b, TAG_CGROUP_TASKS, "pids/berth/c1/tasks");
  header(b, TAG_END, 0);
  expect_error(b, "bad cgroup tasks file record");
}

int main(void) {
  test_valid_stream_decodes_every_field();
  test_unknown_tag_is_refused();
  test_overrunning_length_is_refused();
  test_missing_end_is_refused();
  test_missing_mode_or_args_is_refused();
  test_mount_without_absolute_destination_is_refused();
  test_short_integer_payload_is_refused();
  test_extra_fds_and_time_offsets_decode();
  test_cgroup_placement_decodes();
  printf("test_stream: 9 tests passed\n");
  return 0;
}
