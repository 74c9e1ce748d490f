/*
 * The instruction stream the Java runtime sends berth-init on fd 3.
 *
 * Format: a sequence of records, each  u16 tag | u32 length | payload[length], little endian, ending
 * with TAG_END. Integers in payloads are u64 little endian. A record holding one string carries its
 * raw bytes (no NUL). Compound records put their integers first, then strings each terminated by NUL. The decoder rejects unknown tags,
 * short payloads and streams without TAG_END, so a stream from a mismatched runtime fails loudly.
 */
#ifndef BERTH_STREAM_H
#define BERTH_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum tag {
  TAG_END = 0,
  TAG_MODE = 1,            /* u64: MODE_CREATE or MODE_JOIN */
  TAG_CLONE_FLAGS = 2,     /* u64: CLONE_NEW* flags of namespaces to create */
  TAG_NS_PATH = 3,         /* u64 clone flag, string path: a namespace to join with setns */
  TAG_UID_MAP = 4,         /* string: content for /proc/<pid>/uid_map */
  TAG_GID_MAP = 5,         /* string: content for /proc/<pid>/gid_map */
  TAG_HOSTNAME = 6,
  TAG_DOMAINNAME = 7,
  TAG_ROOTFS = 8,          /* string: absolute host path of the rootfs */
  TAG_ROOT_PROPAGATION = 9,/* u64: mount propagation flags for / (MS_SLAVE|MS_REC by default) */
  TAG_READONLY_ROOT = 10,
  TAG_NO_PIVOT = 11,
  TAG_MOUNT = 12,          /* u64 flags, u64 propagation, u64 mount_kind; strings source, dest, type, data */
  TAG_DEVICE = 13,         /* u64 type char, major, minor, mode, uid, gid, bind; string path */
  TAG_MASKED_PATH = 14,
  TAG_READONLY_PATH = 15,
  TAG_SYSCTL = 16,         /* strings key, value */
  TAG_ARG = 17,
  TAG_ENV = 18,
  TAG_CWD = 19,
  TAG_UID = 20,
  TAG_GID = 21,
  TAG_ADDITIONAL_GID = 22,
  TAG_UMASK = 23,
  TAG_RLIMIT = 24,         /* u64 resource, soft, hard */
  TAG_CAPS = 25,           /* u64 bounding, effective, inheritable, permitted, ambient */
  TAG_NO_NEW_PRIVS = 26,
  TAG_OOM_SCORE_ADJ = 27,  /* string */
  TAG_TERMINAL = 28,
  TAG_CONSOLE_SOCKET = 29, /* string: unix socket to send the pty master to */
  TAG_EXEC_FIFO = 30,      /* string: fifo to block on until `start` */
  TAG_SECCOMP = 31,        /* u64 flags, then struct sock_filter[] */
  TAG_HOOK = 32,           /* u64 kind, timeout seconds, nargs, nenv; strings path, args..., env... */
  TAG_STATE = 33,          /* string: the state JSON for createContainer/startContainer hooks, without
                              pid and status, which berth-init adds (hooks.h) */
  TAG_CONSOLE_SIZE = 35,   /* u64 rows, cols */
  TAG_PAUSE_FOR_HOOKS = 36,/* the Java side runs prestart/createRuntime hooks before pivot_root */
  TAG_PRESERVED_FDS = 37,  /* u64 first, count: this init's fds first.. become the process's 3..3+count-1 */
  TAG_TIME_OFFSETS = 38,   /* string: content for /proc/self/timens_offsets of a new time namespace */
  TAG_CONSOLE_FD = 39,     /* u64: an fd of this init, connected to whoever takes the pty master */
  TAG_CGROUP_TASKS = 40,   /* string: a v1 hierarchy's tasks file of the container's cgroup (cgroup.h) */
  TAG_CGROUP_UNIFIED = 41, /* string: the container's cgroup2 directory (cgroup.h) */
  TAG_MAX = 42
};

enum mode { MODE_CREATE = 1, MODE_JOIN = 2 };
/* MOUNT_SYMLINK: a symlink at dest pointing to source, kept in order with the mounts around it. */
enum mount_kind { MOUNT_NORMAL = 0, MOUNT_BIND = 1, MOUNT_SYMLINK = 2 };
enum hook_kind { HOOK_CREATE_CONTAINER = 1, HOOK_START_CONTAINER = 2 };

#define MAX_ITEMS 512

struct mount_spec {
  uint64_t flags, propagation, kind;
  const char *source, *dest, *type, *data;
};

struct device_spec {
  uint64_t type, major, minor, mode, uid, gid, bind;
  const char *path;
};

struct ns_join {
  uint64_t flag;
  const char *path;
};

struct rlimit_spec {
  uint64_t resource, soft, hard;
};

struct hook_spec {
  uint64_t kind, timeout;
  const char *path;
  char **argv; /* NULL-terminated */
  char **envp; /* NULL-terminated */
};

struct kv {
  const char *a, *b;
};

struct config {
  uint64_t mode, clone_flags, root_propagation, readonly_root, no_pivot;
  const char *uid_map, *gid_map, *hostname, *domainname, *rootfs;
  struct ns_join ns[16];
  size_t n_ns;
  struct mount_spec mounts[MAX_ITEMS];
  size_t n_mounts;
  struct device_spec devices[MAX_ITEMS];
  size_t n_devices;
  const char *masked[MAX_ITEMS];
  size_t n_masked;
  const char *readonly[MAX_ITEMS];
  size_t n_readonly;
  struct kv sysctls[MAX_ITEMS];
  size_t n_sysctls;
  char *argv[MAX_ITEMS + 1];
  size_t n_args;
  char *envp[MAX_ITEMS + 1];
  size_t n_env;
  const char *cwd;
  uint64_t uid, gid, umask, has_umask;
  uint64_t gids[64];
  size_t n_gids;
  struct rlimit_spec rlimits[32];
  size_t n_rlimits;
  uint64_t caps[5], has_caps;
  uint64_t no_new_privs, terminal, pause_for_hooks;
  uint64_t preserved_first, preserved_count, console_fd;
  uint64_t console_rows, console_cols;
  const char *oom_score_adj, *console_socket, *exec_fifo, *state_json, *time_offsets;
  uint64_t seccomp_flags;
  const unsigned char *seccomp_filter;
  size_t seccomp_len;
  struct hook_spec hooks[64];
  size_t n_hooks;
  const char *cgroup_tasks[32];
  size_t n_cgroup_tasks;
  const char *cgroup_unified;
};

/*
 * Decodes buf[0..len) into cfg. Strings point into buf, which must stay alive and is modified (NULs
 * are written after strings). Returns 0, or -1 with a message in err.
 */
int stream_decode(unsigned char *buf, size_t len, struct config *cfg, char *err, size_t errlen);

#endif
