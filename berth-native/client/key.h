/* Where a command finds its runtime server (README.md, "Finding the server"): the home of the build,
 * the global --root, the key of the caller's namespaces, build and root, the paths in the server directory. */
#ifndef BERTH_CLIENT_KEY_H
#define BERTH_CLIENT_KEY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>

#define DEFAULT_ROOT "/run/berth-runtime"
#define KEY_LEN 16
#define KEY_NAMESPACES 7
#define KEY_TEXT_MAX (1024 + PATH_MAX)
/* Where servers keep their sockets and locks: never under a --root, which its owner may remove at any
 * moment (a server starting there would race the removal). BERTH_RUNTIME_SERVER_DIR overrides it. */
#define DEFAULT_SERVER_DIR "/run/berth-runtime-server"
#define SOCK_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path))

/* The namespaces a server serves, in the key's order. */
extern const char *const key_namespaces[KEY_NAMESPACES];

/* The home of the binary at exe (<home>/lib/berth-runtime): exe up to its second-last '/', so that
 * "<home>/lib/..." is a path ("" for a binary in /lib). -1 if exe has fewer than two '/'. */
int home_of(const char *exe, char *out, size_t cap);
/* The value of the last --root among the global options (those before the command word), or NULL. */
const char *global_root(int argc, char *const argv[]);
/* As global_root, and the command word (NULL if there is none) into *command. */
const char *global_options(int argc, char *const argv[], const char **command);
/* The commands the server runs (its fast path's, those engines run per container): only these are
 * worth a connection, or a server's start. */
bool served_command(const char *command);
/* root (NULL: the default) as an absolute path without trailing '/' ("" for "/"), taken against cwd
 * when relative. -1 with errno ENAMETOOLONG if it does not fit. */
int absolute_root(const char *root, const char *cwd, char *out, size_t cap);

uint64_t fnv1a64(const void *data, size_t len);
/* The key's text from its parts (ns: the link texts of key_namespaces; jars: berth-runtime.jar, then
 * berth-common.jar). Returns its length, or -1 if it does not fit cap. */
int key_text(char *out, size_t cap, uid_t euid, const char *const ns[KEY_NAMESPACES], const struct stat jars[2],
             const char *root);
/* Reads the parts (the links in /proc/self/ns, the jars under <home>/lib) and writes the key's 16 hex digits.
 * -1 with errno if one cannot be read. */
int server_key(const char *home, uid_t euid, const char *root, char key[KEY_LEN + 1]);

struct server_paths {
  char sock[SOCK_PATH_MAX];
  char lock[PATH_MAX];
};
/* The server's socket and lock in the server directory dir. -1 with errno ENAMETOOLONG when the
 * socket path does not fit sun_path. */
int server_paths(const char *dir, const char *key, struct server_paths *p);

#endif
