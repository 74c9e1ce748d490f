#include "key.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *const key_namespaces[KEY_NAMESPACES] = {"mnt", "pid", "user", "net", "cgroup", "ipc", "uts"};

int home_of(const char *exe, char *out, size_t cap) {
  const char *last = strrchr(exe, '/');
  if (!last) return -1;
  const char *lib = last;
  while (lib > exe && *--lib != '/') {
  }
  if (*lib != '/' || lib == last) return -1;
  size_t len = (size_t)(lib - exe);
  if (len >= cap) return -1;
  memcpy(out, exe, len);
  out[len] = '\0';
  return 0;
}

/* Read as bin/berth-runtime-jvm reads them, so that both agree on which word is the command. */
const char *global_root(int argc, char *const argv[]) {
  const char *command;
  return global_options(argc, argv, &command);
}

const char *global_options(int argc, char *const argv[], const char **command) {
  const char *root = NULL;
  *command = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--root") == 0) {
      if (i + 1 < argc) root = argv[i + 1];
      i++;
    } else if (strncmp(a, "--root=", 7) == 0) {
      root = a + 7;
    } else if (strcmp(a, "--log") == 0 || strcmp(a, "--log-format") == 0 || strcmp(a, "--rootless") == 0 ||
               strcmp(a, "--criu") == 0) {
      i++;
    } else if (a[0] != '-') {
      *command = a;
      break;
    }
  }
  return root;
}

bool served_command(const char *command) {
  static const char *const served[] = {"create", "start", "run", "kill", "delete", "exec"};
  for (size_t i = 0; command && i < sizeof served / sizeof served[0]; i++)
    if (strcmp(command, served[i]) == 0) return true;
  return false;
}

int absolute_root(const char *root, const char *cwd, char *out, size_t cap) {
  if (!root) root = DEFAULT_ROOT;
  int n = root[0] == '/' ? snprintf(out, cap, "%s", root)
                         : snprintf(out, cap, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, root);
  if (n < 0 || (size_t)n >= cap) {
    errno = ENAMETOOLONG;
    return -1;
  }
  /* Trailing slashes would give one server per spelling of the same directory. */
  while (n > 0 && out[n - 1] == '/') out[--n] = '\0';
  return 0;
}

uint64_t fnv1a64(const void *data, size_t len) {
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* Appends to out, keeping *len the length the whole text would have (so one check at the end). */
__attribute__((format(printf, 4, 5))) static void append(char *out, size_t cap, size_t *len, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(out + (*len < cap ? *len : cap), *len < cap ? cap - *len : 0, fmt, ap);
  va_end(ap);
  *len += n < 0 ? cap : (size_t)n;
}

int key_text(char *out, size_t cap, uid_t euid, const char *const ns[KEY_NAMESPACES], const struct stat jars[2],
             const char *root) {
  size_t len = 0;
  append(out, cap, &len, "v1 uid=%u ns=", (unsigned)euid);
  for (int i = 0; i < KEY_NAMESPACES; i++) append(out, cap, &len, "%s%s", i ? " " : "", ns[i]);
  append(out, cap, &len, " jars=");
  for (int i = 0; i < 2; i++)
    append(out, cap, &len, "%s%llu:%llu:%lld.%09ld:%lld", i ? " " : "", (unsigned long long)jars[i].st_dev,
           (unsigned long long)jars[i].st_ino, (long long)jars[i].st_mtim.tv_sec, (long)jars[i].st_mtim.tv_nsec,
           (long long)jars[i].st_size);
  append(out, cap, &len, " root=%s", root);
  return len < cap ? (int)len : -1;
}

int server_key(const char *home, uid_t euid, const char *root, char key[KEY_LEN + 1]) {
  char links[KEY_NAMESPACES][64];
  const char *ns[KEY_NAMESPACES];
  char path[PATH_MAX];
  for (int i = 0; i < KEY_NAMESPACES; i++) {
    snprintf(path, sizeof path, "/proc/self/ns/%s", key_namespaces[i]);
    ssize_t n = readlink(path, links[i], sizeof links[i]);
    if (n < 0) return -1;
    if ((size_t)n >= sizeof links[i]) {
      errno = ENAMETOOLONG;
      return -1;
    }
    links[i][n] = '\0';
    ns[i] = links[i];
  }
  static const char *const jar_names[2] = {"berth-runtime.jar", "berth-common.jar"};
  struct stat jars[2];
  for (int i = 0; i < 2; i++) {
    if (snprintf(path, sizeof path, "%s/lib/%s", home, jar_names[i]) >= (int)sizeof path) {
      errno = ENAMETOOLONG;
      return -1;
    }
    if (stat(path, &jars[i]) < 0) return -1;
  }
  char text[KEY_TEXT_MAX];
  int len = key_text(text, sizeof text, euid, ns, jars, root);
  if (len < 0) {
    errno = ENAMETOOLONG;
    return -1;
  }
  snprintf(key, KEY_LEN + 1, "%016llx", (unsigned long long)fnv1a64(text, (size_t)len));
  return 0;
}

int server_paths(const char *dir, const char *key, struct server_paths *p) {
  int n = snprintf(p->sock, sizeof p->sock, "%s/%s.sock", dir, key);
  int m = snprintf(p->lock, sizeof p->lock, "%s/%s.lock", dir, key);
  if (n < 0 || (size_t)n >= sizeof p->sock || m < 0 || (size_t)m >= sizeof p->lock) {
    errno = ENAMETOOLONG;
    return -1;
  }
  return 0;
}
