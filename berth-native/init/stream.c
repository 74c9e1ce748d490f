#include "stream.h"

#include <stdio.h>
#include <string.h>

struct reader {
  unsigned char *p;
  size_t left;
};

static uint64_t le64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

/* Takes the next NUL-terminated (or final) string of a payload; the payload buffer has room for a
 * terminating NUL because the decoder shifts every payload by one byte (see stream_decode). */
static const char *next_string(struct reader *r) {
  if (r->left == 0) return NULL;
  char *s = (char *)r->p;
  size_t n = strnlen(s, r->left);
  if (n == r->left) { /* last string: terminated by the byte after the payload */
    r->p += n;
    r->left = 0;
  } else {
    r->p += n + 1;
    r->left -= n + 1;
  }
  return s;
}

static int take_u64s(struct reader *r, uint64_t *out, size_t n) {
  if (r->left < n * 8) return -1;
  for (size_t i = 0; i < n; i++) out[i] = le64(r->p + 8 * i);
  r->p += n * 8;
  r->left -= n * 8;
  return 0;
}

#define NEED(cond, what)                                                        \
  do {                                                                          \
    if (!(cond)) {                                                              \
      snprintf(err, errlen, "instruction stream: bad %s record", what);         \
      return -1;                                                                \
    }                                                                           \
  } while (0)

#define PUSH(arr, n, cap, v, what)                                              \
  do {                                                                          \
    NEED((n) < (cap), what " (too many)");                                      \
    (arr)[(n)++] = (v);                                                         \
  } while (0)

static int decode_hook(struct reader *r, struct config *cfg, char *err, size_t errlen) {
  uint64_t h[4];
  NEED(take_u64s(r, h, 4) == 0, "hook");
  NEED(h[2] < 256 && h[3] < 256 && cfg->n_hooks < 64, "hook");
  struct hook_spec *hook = &cfg->hooks[cfg->n_hooks++];
  hook->kind = h[0];
  hook->timeout = h[1];
  hook->path = next_string(r);
  NEED(hook->path != NULL, "hook");
  /* argv and envp live in the config's own arrays would be simpler, but hooks are rare: reuse the
   * payload by storing pointers in a small static pool. */
  static char *pool[64 * 2 * 257];
  static size_t used;
  NEED(used + h[2] + h[3] + 2 <= sizeof(pool) / sizeof(pool[0]), "hook (too many strings)");
  hook->argv = &pool[used];
  for (uint64_t i = 0; i < h[2]; i++) {
    const char *s = next_string(r);
    NEED(s != NULL, "hook argument");
    pool[used++] = (char *)s;
  }
  pool[used++] = NULL;
  hook->envp = &pool[used];
  for (uint64_t i = 0; i < h[3]; i++) {
    const char *s = next_string(r);
    NEED(s != NULL, "hook environment");
    pool[used++] = (char *)s;
  }
  pool[used++] = NULL;
  return 0;
}

static int decode_record(uint16_t tag, struct reader *r, struct config *cfg, char *err, size_t errlen) {
  uint64_t v[8];
  const char *s;
  switch (tag) {
    case TAG_MODE: NEED(take_u64s(r, &cfg->mode, 1) == 0, "mode"); break;
    case TAG_CLONE_FLAGS: NEED(take_u64s(r, &cfg->clone_flags, 1) == 0, "clone flags"); break;
    case TAG_NS_PATH:
      NEED(cfg->n_ns < 16 && take_u64s(r, v, 1) == 0 && (s = next_string(r)), "namespace path");
      cfg->ns[cfg->n_ns].flag = v[0];
      cfg->ns[cfg->n_ns++].path = s;
      break;
    case TAG_UID_MAP: cfg->uid_map = next_string(r); break;
    case TAG_GID_MAP: cfg->gid_map = next_string(r); break;
    case TAG_HOSTNAME: cfg->hostname = next_string(r); if (!cfg->hostname) cfg->hostname = ""; break;
    case TAG_DOMAINNAME: cfg->domainname = next_string(r); if (!cfg->domainname) cfg->domainname = ""; break;
    case TAG_ROOTFS: NEED((cfg->rootfs = next_string(r)), "rootfs"); break;
    case TAG_ROOT_PROPAGATION: NEED(take_u64s(r, &cfg->root_propagation, 1) == 0, "propagation"); break;
    case TAG_READONLY_ROOT: cfg->readonly_root = 1; break;
    case TAG_NO_PIVOT: cfg->no_pivot = 1; break;
    case TAG_MOUNT: {
      NEED(cfg->n_mounts < MAX_ITEMS && take_u64s(r, v, 3) == 0, "mount");
      struct mount_spec *m = &cfg->mounts[cfg->n_mounts++];
      m->flags = v[0];
      m->propagation = v[1];
      m->kind = v[2];
      m->source = next_string(r);
      m->dest = next_string(r);
      m->type = next_string(r);
      m->data = next_string(r);
      NEED(m->source && m->dest && m->type && m->data && m->dest[0] == '/', "mount");
      break;
    }
    case TAG_DEVICE: {
      NEED(cfg->n_devices < MAX_ITEMS && take_u64s(r, v, 7) == 0, "device");
      struct device_spec *d = &cfg->devices[cfg->n_devices++];
      d->type = v[0]; d->major = v[1]; d->minor = v[2]; d->mode = v[3];
      d->uid = v[4]; d->gid = v[5]; d->bind = v[6];
      NEED((d->path = next_string(r)) && d->path[0] == '/', "device");
      break;
    }
    case TAG_MASKED_PATH: NEED((s = next_string(r)), "masked path"); PUSH(cfg->masked, cfg->n_masked, MAX_ITEMS, s, "masked path"); break;
    case TAG_READONLY_PATH: NEED((s = next_string(r)), "readonly path"); PUSH(cfg->readonly, cfg->n_readonly, MAX_ITEMS, s, "readonly path"); break;
    case TAG_SYSCTL: {
      struct kv kv;
      kv.a = next_string(r);
      kv.b = next_string(r);
      NEED(kv.a && kv.b, "sysctl");
      PUSH(cfg->sysctls, cfg->n_sysctls, MAX_ITEMS, kv, "sysctl");
      break;
    }
    case TAG_ARG: s = next_string(r); PUSH(cfg->argv, cfg->n_args, MAX_ITEMS, (char *)(s ? s : ""), "argument"); break;
    case TAG_ENV: NEED((s = next_string(r)), "env"); PUSH(cfg->envp, cfg->n_env, MAX_ITEMS, (char *)s, "env"); break;
    case TAG_CWD: NEED((cfg->cwd = next_string(r)), "cwd"); break;
    case TAG_UID: NEED(take_u64s(r, &cfg->uid, 1) == 0, "uid"); break;
    case TAG_GID: NEED(take_u64s(r, &cfg->gid, 1) == 0, "gid"); break;
    case TAG_ADDITIONAL_GID: NEED(take_u64s(r, v, 1) == 0, "gid"); PUSH(cfg->gids, cfg->n_gids, 64, v[0], "additional gid"); break;
    case TAG_UMASK: NEED(take_u64s(r, &cfg->umask, 1) == 0, "umask"); cfg->has_umask = 1; break;
    case TAG_RLIMIT: {
      NEED(take_u64s(r, v, 3) == 0, "rlimit");
      struct rlimit_spec rl = {v[0], v[1], v[2]};
      PUSH(cfg->rlimits, cfg->n_rlimits, 32, rl, "rlimit");
      break;
    }
    case TAG_CAPS: NEED(take_u64s(r, cfg->caps, 5) == 0, "capabilities"); cfg->has_caps = 1; break;
    case TAG_NO_NEW_PRIVS: cfg->no_new_privs = 1; break;
    case TAG_OOM_SCORE_ADJ: NEED((cfg->oom_score_adj = next_string(r)), "oom score"); break;
    case TAG_TERMINAL: cfg->terminal = 1; break;
    case TAG_CONSOLE_SOCKET: NEED((cfg->console_socket = next_string(r)), "console socket"); break;
    case TAG_EXEC_FIFO: NEED((cfg->exec_fifo = next_string(r)), "exec fifo"); break;
    case TAG_SECCOMP:
      NEED(take_u64s(r, &cfg->seccomp_flags, 1) == 0 && r->left % 8 == 0 && r->left > 0, "seccomp");
      cfg->seccomp_filter = r->p;
      cfg->seccomp_len = r->left / 8;
      r->left = 0;
      break;
    case TAG_HOOK: return decode_hook(r, cfg, err, errlen);
    case TAG_STATE: NEED((cfg->state_json = next_string(r)), "state"); break;
    case TAG_CONSOLE_SIZE: NEED(take_u64s(r, v, 2) == 0, "console size"); cfg->console_rows = v[0]; cfg->console_cols = v[1]; break;
    case TAG_PAUSE_FOR_HOOKS: cfg->pause_for_hooks = 1; break;
    case TAG_CONSOLE_FD: NEED(take_u64s(r, &cfg->console_fd, 1) == 0 && cfg->console_fd > 4, "console fd"); break;
    case TAG_TIME_OFFSETS: NEED((cfg->time_offsets = next_string(r)), "time offsets"); break;
    case TAG_CGROUP_TASKS:
      NEED((s = next_string(r)) && s[0] == '/', "cgroup tasks file");
      PUSH(cfg->cgroup_tasks, cfg->n_cgroup_tasks, 32, s, "cgroup tasks file");
      break;
    case TAG_CGROUP_UNIFIED: NEED((cfg->cgroup_unified = next_string(r)) && cfg->cgroup_unified[0] == '/', "cgroup2 directory"); break;
    case TAG_PRESERVED_FDS:
      /* Moved down to 3.. in ascending order, which is safe only when they start above 3. */
      NEED(take_u64s(r, v, 2) == 0 && v[0] > 3 && v[1] <= 4096, "preserved fds");
      cfg->preserved_first = v[0];
      cfg->preserved_count = v[1];
      break;
    default:
      snprintf(err, errlen, "instruction stream: unknown record tag %u", tag);
      return -1;
  }
  return 0;
}

int stream_decode(unsigned char *buf, size_t len, struct config *cfg, char *err, size_t errlen) {
  memset(cfg, 0, sizeof(*cfg));
  size_t off = 0;
  while (off + 6 <= len) {
    uint16_t tag = (uint16_t)(buf[off] | (buf[off + 1] << 8));
    uint32_t n = (uint32_t)buf[off + 2] | ((uint32_t)buf[off + 3] << 8) |
                 ((uint32_t)buf[off + 4] << 16) | ((uint32_t)buf[off + 5] << 24);
    if (n > len - off - 6) {
      snprintf(err, errlen, "instruction stream: record %u overruns the stream", tag);
      return -1;
    }
    if (tag == TAG_END) {
      if (cfg->mode != MODE_CREATE && cfg->mode != MODE_JOIN) {
        snprintf(err, errlen, "instruction stream: no valid mode");
        return -1;
      }
      if (cfg->n_args == 0) {
        snprintf(err, errlen, "instruction stream: no process arguments");
        return -1;
      }
      return 0;
    }
    /* Shift the 6-byte header away so the payload can be NUL-terminated in place: the byte after
     * the payload becomes free because the payload moves one byte toward the header. */
    unsigned char *payload = buf + off + 5;
    memmove(payload, buf + off + 6, n);
    payload[n] = '\0';
    struct reader r = {payload, n};
    if (decode_record(tag, &r, cfg, err, errlen) != 0) return -1;
    off += 6 + n;
  }
  snprintf(err, errlen, "instruction stream: truncated (no end record)");
  return -1;
}
