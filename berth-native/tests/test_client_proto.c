/*
 * The client's pure parts (client/key.c, client/proto.c): home, global options and --root, key text
 * (with its root) and hashing, paths in the server directory, messages (encoded, split, numbers), spawn decoding. test_client_run.c tests the
 * program end to end.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "client/key.h"
#include "client/proto.h"
#include "client_fixture.h"

static void test_home(void) {
  char home[PATH_MAX];
  CHECK(home_of("/opt/berth/lib/berth-runtime", home, sizeof home) == 0 && strcmp(home, "/opt/berth") == 0);
  CHECK(home_of("/lib/berth-runtime", home, sizeof home) == 0 && strcmp(home, "") == 0);
  CHECK(home_of("/berth-runtime", home, sizeof home) < 0);
  CHECK(home_of("berth-runtime", home, sizeof home) < 0);
  CHECK(home_of("/opt/berth/lib/berth-runtime", home, 10) < 0);
}


static bool root_is(int argc, char *const argv[], const char *want) {
  const char *got = global_root(argc, argv);
  return want ? got && strcmp(got, want) == 0 : got == NULL;
}

static bool command_is(int argc, char *const argv[], const char *want) {
  const char *command;
  global_options(argc, argv, &command);
  return want ? command && strcmp(command, want) == 0 : command == NULL;
}

/* The command word, read past the global options and their values; only the fast path's are served. */
static void test_command(void) {
  char *plain[] = {"berth-runtime", "run", "x"};
  CHECK(command_is(ARGC(plain), plain, "run"));
  char *after_values[] = {"berth-runtime", "--log", "kill", "--root=/r", "--debug", "--log-format", "json", "delete"};
  CHECK(command_is(ARGC(after_values), after_values, "delete"));
  char *only_options[] = {"berth-runtime", "--version"};
  CHECK(command_is(ARGC(only_options), only_options, NULL));
  const char *served[] = {"create", "start", "run", "kill", "delete", "exec"};
  for (size_t i = 0; i < ARGC(served); i++) CHECK(served_command(served[i]));
  const char *not_served[] = {"state", "list", "spec", "ps", "features", "runs", "", NULL};
  for (size_t i = 0; i < ARGC(not_served); i++) CHECK(!served_command(not_served[i]));
}

static void test_root(void) {
  char *none[] = {"berth-runtime", "run", "x"};
  CHECK(root_is(ARGC(none), none, NULL));
  char *separate[] = {"berth-runtime", "--root", "/a", "run"};
  CHECK(root_is(ARGC(separate), separate, "/a"));
  char *joined[] = {"berth-runtime", "--root=/b", "state", "c"};
  CHECK(root_is(ARGC(joined), joined, "/b"));
  char *as_value[] = {"berth-runtime", "--log", "--root", "state", "--root", "/x"};
  CHECK(root_is(ARGC(as_value), as_value, NULL));
  char *values[] = {"berth-runtime", "--debug", "--log-format", "json", "--rootless", "true", "--criu", "/c",
                    "--root", "/r", "--systemd-cgroup", "list", "--root", "/late"};
  CHECK(root_is(ARGC(values), values, "/r"));
  char *last[] = {"berth-runtime", "--root", "/a", "--root=/z", "list"};
  CHECK(root_is(ARGC(last), last, "/z"));
  char *after[] = {"berth-runtime", "list", "--root", "/a"};
  CHECK(root_is(ARGC(after), after, NULL));
  char *missing[] = {"berth-runtime", "--root"};
  CHECK(root_is(ARGC(missing), missing, NULL));
  char *log_joined[] = {"berth-runtime", "--log=/x", "--root", "/y", "ps"};
  CHECK(root_is(ARGC(log_joined), log_joined, "/y"));
  char *empty[] = {"berth-runtime", "--root=", "list"};
  CHECK(root_is(ARGC(empty), empty, ""));

  char out[PATH_MAX];
  CHECK(absolute_root(NULL, "/w", out, sizeof out) == 0 && strcmp(out, "/run/berth-runtime") == 0);
  CHECK(absolute_root("rel", "/w", out, sizeof out) == 0 && strcmp(out, "/w/rel") == 0);
  CHECK(absolute_root("../r/", "/w/x", out, sizeof out) == 0 && strcmp(out, "/w/x/../r") == 0);
  CHECK(absolute_root("rel", "/", out, sizeof out) == 0 && strcmp(out, "/rel") == 0);
  CHECK(absolute_root("/x//", "/w", out, sizeof out) == 0 && strcmp(out, "/x") == 0);
  CHECK(absolute_root("/", "/w", out, sizeof out) == 0 && strcmp(out, "") == 0);
  CHECK(absolute_root("", "/w", out, sizeof out) == 0 && strcmp(out, "/w") == 0);
  errno = 0;
  CHECK(absolute_root("/run/berth-runtime", "/", out, 10) < 0 && errno == ENAMETOOLONG);
}

static void test_key_text(void) {
  CHECK(fnv1a64("", 0) == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a", 1) == 0xaf63dc4c8601ec8cULL);
  CHECK(fnv1a64("foobar", 6) == 0x85944171f73967e8ULL);

  const char *ns[KEY_NAMESPACES] = {"mnt:[1]", "pid:[2]", "user:[3]", "net:[4]", "cgroup:[5]", "ipc:[6]", "uts:[7]"};
  struct stat jars[2];
  memset(jars, 0, sizeof jars);
  jars[0].st_dev = 2049, jars[0].st_ino = 12, jars[0].st_mtim = (struct timespec){1700000000, 5}, jars[0].st_size = 42;
  jars[1].st_dev = 2049, jars[1].st_ino = 13, jars[1].st_mtim = (struct timespec){1, 123456789}, jars[1].st_size = 7;
  const char *want = "v1 uid=1000 ns=mnt:[1] pid:[2] user:[3] net:[4] cgroup:[5] ipc:[6] uts:[7] "
                     "jars=2049:12:1700000000.000000005:42 2049:13:1.123456789:7 root=/run/berth-runtime";
  char text[KEY_TEXT_MAX], other[KEY_TEXT_MAX];
  const char *root = "/run/berth-runtime";
  CHECK(key_text(text, sizeof text, 1000, ns, jars, root) == (int)strlen(want) && strcmp(text, want) == 0);
  CHECK(key_text(text, strlen(want) + 1, 1000, ns, jars, root) == (int)strlen(want));
  CHECK(key_text(text, strlen(want), 1000, ns, jars, root) < 0);
  CHECK(key_text(text, 5, 1000, ns, jars, root) < 0);
  /* Each root its own key: "/" (absolute_root's "") ends the text with "root=". */
  int len = key_text(text, sizeof text, 1000, ns, jars, "");
  CHECK(len == (int)strlen(want) - (int)strlen(root) && strncmp(text, want, (size_t)len) == 0);
  CHECK(key_text(other, sizeof other, 1000, ns, jars, "/run/berth-runtime2") == (int)strlen(want) + 1);
  CHECK(strncmp(other, want, strlen(want)) == 0 && strcmp(other + strlen(want), "2") == 0);
  CHECK(fnv1a64(want, strlen(want)) != fnv1a64(other, strlen(other)));
  /* The longest root absolute_root gives (PATH_MAX - 1 bytes) still fits the key's text. */
  static char longest[PATH_MAX];
  memset(longest, 'r', PATH_MAX - 1);
  longest[0] = '/';
  longest[PATH_MAX - 1] = '\0';
  CHECK(key_text(text, sizeof text, 1000, ns, jars, longest) == (int)(strlen(want) - strlen(root) + PATH_MAX - 1));
}

static void test_paths(void) {
  struct server_paths p;
  const char *key = "0123456789abcdef";
  char dir[PATH_MAX], want[PATH_MAX];
  CHECK(server_paths(DEFAULT_SERVER_DIR, key, &p) == 0);
  CHECK(strcmp(p.sock, "/run/berth-runtime-server/0123456789abcdef.sock") == 0);
  CHECK(strcmp(p.lock, "/run/berth-runtime-server/0123456789abcdef.lock") == 0);
  /* "<dir>/<16>.sock" is the dir and 22 bytes; sun_path holds 107 and a NUL. */
  memset(dir, 'd', 85);
  dir[0] = '/';
  dir[85] = '\0';
  CHECK(server_paths(dir, key, &p) == 0 && strlen(p.sock) == 107);
  snprintf(want, sizeof want, "%s/%s.lock", dir, key);
  CHECK(strcmp(p.lock, want) == 0);
  snprintf(want, sizeof want, "%s/%s.sock", dir, key);
  CHECK(strcmp(p.sock, want) == 0);
  strcat(dir, "d");
  errno = 0;
  CHECK(server_paths(dir, key, &p) < 0 && errno == ENAMETOOLONG);
}

static void test_messages(void) {
  char buf[64];
  size_t len = 0;
  CHECK(msg_add(buf, &len, sizeof buf, "request") == 0 && msg_add(buf, &len, sizeof buf, "/w") == 0);
  CHECK(msg_add(buf, &len, sizeof buf, "") == 0 && msg_add(buf, &len, sizeof buf, "run") == 0);
  CHECK(len == 16 && memcmp(buf, "request\0/w\0\0run\0", 16) == 0);
  char *f[8];
  CHECK(msg_split(buf, len, f, 8) == 4 && strcmp(f[0], "request") == 0 && strcmp(f[1], "/w") == 0);
  CHECK(strcmp(f[2], "") == 0 && strcmp(f[3], "run") == 0);
  CHECK(msg_split(buf, len, f, 3) < 0);
  CHECK(msg_split(buf, 0, f, 8) < 0);
  CHECK(msg_split(buf, 15, f, 8) < 0); /* the last field without its NUL */
  CHECK(msg_split("\0", 1, f, 8) == 1 && f[0][0] == '\0');
  size_t before = len;
  CHECK(msg_add(buf, &len, sizeof buf, "0123456789012345678901234567890123456789012345678") < 0 && len == before);
  CHECK(msg_add(buf, &len, 17, "") == 0 && len == 17 && msg_add(buf, &len, 17, "") < 0);

  long long n;
  CHECK(parse_number("12", 0, 100, &n) == 0 && n == 12);
  CHECK(parse_number("-1", -1, 1, &n) == 0 && n == -1);
  CHECK(parse_number("-1", 0, 1, &n) < 0);
  CHECK(parse_number("256", 0, 255, &n) < 0);
  CHECK(parse_number("", 0, 9, &n) < 0);
  CHECK(parse_number("+1", 0, 9, &n) < 0);
  CHECK(parse_number(" 1", 0, 9, &n) < 0);
  CHECK(parse_number("1 ", 0, 9, &n) < 0);
  CHECK(parse_number("1x", 0, 9, &n) < 0);
  CHECK(parse_number("-", -9, 9, &n) < 0);
  CHECK(parse_number("99999999999999999999", 0, LLONG_MAX, &n) < 0);
}

/* Splits a literal message (its fields each ending in NUL; len without the literal's own NUL). */
static long split_literal(const char *literal, size_t len, char *buf, char **fields) {
  memcpy(buf, literal, len);
  return msg_split(buf, len, fields, 64);
}

#define SPAWN(lit, sp, why) spawn_of(lit, sizeof(lit) - 1, sp, why)

static int spawn_of(const char *literal, size_t len, struct spawn_request *sp, const char **why) {
  static char buf[256];
  static char *fields[64];
  long n = split_literal(literal, len, buf, fields);
  *why = "";
  return n < 0 ? -2 : decode_spawn(fields, (size_t)n, sp, why);
}

static void test_spawn_decoding(void) {
  struct spawn_request sp;
  const char *why;
  CHECK(SPAWN("spawn\0/bin/sh\0/tmp\0" "1\0" "3\0sh\0-c\0\0" "1\0A=b\0" "2\0" "5\0" "4\0", &sp, &why) == 0);
  CHECK(strcmp(sp.path, "/bin/sh") == 0 && strcmp(sp.cwd, "/tmp") == 0 && sp.pgroup == 1);
  CHECK(strcmp(sp.argv[0], "sh") == 0 && strcmp(sp.argv[1], "-c") == 0 && strcmp(sp.argv[2], "") == 0);
  CHECK(sp.argv[3] == NULL);
  CHECK(strcmp(sp.envp[0], "A=b") == 0 && sp.envp[1] == NULL);
  CHECK(sp.nfds == 2 && sp.targets[0] == 5 && sp.targets[1] == 4);

  CHECK(SPAWN("spawn\0/p\0\0" "0\0" "0\0" "0\0" "0\0", &sp, &why) == 0);
  CHECK(sp.cwd[0] == '\0' && sp.pgroup == 0 && sp.argv[0] == NULL && sp.envp[0] == NULL && sp.nfds == 0);

  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "5\0a\0" "0\0" "0\0", &sp, &why) == -1 && strstr(why, "argc"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "1\0a\0" "3\0x\0" "0\0", &sp, &why) == -1 && strstr(why, "envc"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "1\0a\0" "0\0", &sp, &why) == -1 && strstr(why, "nfds"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "0\0" "0\0" "1\0" "3\0" "4\0", &sp, &why) == -1 && strstr(why, "nfds"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "0\0" "0\0" "2\0" "3\0", &sp, &why) == -1 && strstr(why, "nfds"));
  CHECK(SPAWN("spawn\0/p\0/\0" "2\0" "0\0" "0\0" "0\0", &sp, &why) == -1 && strstr(why, "pgroup"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "0\0" "0\0" "1\0-1\0", &sp, &why) == -1 && strstr(why, "target"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "0\0" "0\0" "1\0x\0", &sp, &why) == -1 && strstr(why, "target"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "0\0" "0\0" "2\0" "3\0" "3\0", &sp, &why) == -1 && strstr(why, "twice"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "0\0" "0\0" "254\0", &sp, &why) == -1 && strstr(why, "nfds"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0", &sp, &why) == -1 && strstr(why, "few"));
  CHECK(SPAWN("spawn\0/p\0/\0" "0\0" "-1\0" "0\0" "0\0", &sp, &why) == -1 && strstr(why, "argc"));
}

int main(void) {
  test_home();
  test_root();
  test_command();
  test_key_text();
  test_paths();
  test_messages();
  test_spawn_decoding();
  return finish("test_client_proto");
}
