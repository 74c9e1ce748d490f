#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util.h"

enum create_kind { CREATE_NONE, CREATE_DIR, CREATE_FILE };

static int rootfd = -1;

static long openat2_in_root(int dirfd, const char *path, int flags) {
  struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                         .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
  return syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
}

int rootfs_check_escape(const char *rootfs, const char *path, char *err, size_t errlen) {
  char resolved[PATH_MAX] = "";
  char pending[PATH_MAX * 2];
  const char *via = NULL;
  char via_buf[PATH_MAX];
  int links = 0;
  snprintf(pending, sizeof(pending), "%s", path);
  char *rest = pending;
  while (*rest) {
    while (*rest == '/') rest++;
    if (!*rest) break;
    char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    char comp[NAME_MAX + 1];
    if (n > NAME_MAX) { snprintf(err, errlen, "path %s has a component longer than %d bytes", path, NAME_MAX); return -1; }
    memcpy(comp, rest, n);
    comp[n] = '\0';
    rest += n;
    if (strcmp(comp, ".") == 0) continue;
    if (strcmp(comp, "..") == 0) {
      char *last = strrchr(resolved, '/');
      if (!last) {
        if (via) snprintf(err, errlen, "path %s escapes the rootfs through the symlink %s", path, via);
        else snprintf(err, errlen, "path %s escapes the rootfs through \"..\"", path);
        return -1;
      }
      *last = '\0';
      continue;
    }
    char candidate[PATH_MAX], host[PATH_MAX * 2];
    snprintf(candidate, sizeof(candidate), "%s/%s", resolved, comp);
    snprintf(host, sizeof(host), "%s%s", rootfs, candidate);
    struct stat st;
    if (lstat(host, &st) != 0 || !S_ISLNK(st.st_mode)) {
      snprintf(resolved, sizeof(resolved), "%s", candidate);
      continue;
    }
    if (++links > 40) { snprintf(err, errlen, "path %s: too many levels of symbolic links", path); return -1; }
    char target[PATH_MAX];
    ssize_t t = readlink(host, target, sizeof(target) - 1);
    if (t < 0) { snprintf(err, errlen, "readlink %s: %s", candidate, strerror(errno)); return -1; }
    target[t] = '\0';
    snprintf(via_buf, sizeof(via_buf), "%s -> %s", candidate, target);
    via = via_buf;
    /* An absolute target means the container's root, as it will see it after pivot_root. */
    if (target[0] == '/') resolved[0] = '\0';
    char next[PATH_MAX * 2];
    snprintf(next, sizeof(next), "%s/%s", target, rest);
    snprintf(pending, sizeof(pending), "%s", next);
    rest = pending;
  }
  return 0;
}

/* Opens path inside the rootfs (O_PATH), creating what is missing: directories on the way, and the
 * last component as kind says. Returns the fd; dies naming the mount destination on failure. */
static int open_in_rootfs_depth(const struct config *cfg, const char *path, enum create_kind kind, int depth);

/* name exists in parent but does not resolve: a dangling symlink. Create its target inside the
 * rootfs (as a directory), as runc's securejoin-based mkdirall does. */
static void create_symlink_target(const struct config *cfg, int parent, const char *parent_path, const char *name,
                                  int depth) {
  struct stat st;
  if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode)) return;
  if (depth > 8) fail("too many levels of symbolic links under %s", parent_path);
  char target[PATH_MAX], in_root[PATH_MAX * 2];
  ssize_t n = readlinkat(parent, name, target, sizeof(target) - 1);
  if (n < 0) die("readlink %s/%s", parent_path, name);
  target[n] = '\0';
  if (target[0] == '/') snprintf(in_root, sizeof(in_root), "%s", target);
  else snprintf(in_root, sizeof(in_root), "%s/%s", parent_path[0] ? parent_path : "", target);
  close(open_in_rootfs_depth(cfg, in_root, CREATE_DIR, depth + 1));
}

static int open_in_rootfs(const struct config *cfg, const char *path, enum create_kind kind) {
  return open_in_rootfs_depth(cfg, path, kind, 0);
}

static int open_in_rootfs_depth(const struct config *cfg, const char *path, enum create_kind kind, int depth) {
  char err[1024];
  if (rootfs_check_escape(cfg->rootfs, path, err, sizeof(err)) != 0) fail("%s", err);
  long fd = openat2_in_root(rootfd, path, O_PATH);
  if (fd >= 0 || errno != ENOENT || kind == CREATE_NONE) {
    if (fd < 0) die("open %s in the rootfs", path);
    return (int)fd;
  }
  char prefix[PATH_MAX];
  size_t len = strlen(path);
  if (len >= sizeof(prefix)) fail("path %s is too long", path);
  for (size_t i = 1; i <= len; i++) {
    if (i < len && path[i] != '/') continue;
    memcpy(prefix, path, i);
    prefix[i] = '\0';
    long probe = openat2_in_root(rootfd, prefix, O_PATH);
    if (probe >= 0) { close((int)probe); continue; }
    if (errno != ENOENT) die("open %s in the rootfs", prefix);
    char *slash = strrchr(prefix, '/');
    *slash = '\0';
    long parent = openat2_in_root(rootfd, prefix[0] ? prefix : "/", O_PATH | O_DIRECTORY);
    if (parent < 0) die("open %s in the rootfs", prefix[0] ? prefix : "/");
    const char *name = slash + 1;
    int rc;
    if (i == len && kind == CREATE_FILE) {
      rc = mknodat((int)parent, name, S_IFREG | 0644, 0);
    } else {
      rc = mkdirat((int)parent, name, 0755);
    }
    if (rc != 0 && errno != EEXIST) die("create %s in the rootfs", path);
    if (rc != 0) create_symlink_target(cfg, (int)parent, prefix, name, depth);
    close((int)parent);
  }
  fd = openat2_in_root(rootfd, path, O_PATH);
  if (fd < 0) die("open %s in the rootfs", path);
  return (int)fd;
}

static void fd_path(int fd, char *buf, size_t len) {
  snprintf(buf, len, "/proc/self/fd/%d", fd);
}

/* Flags the kernel keeps locked on a mount and that a remount must repeat. */
static unsigned long locked_flags(const char *path) {
  struct statvfs s;
  unsigned long f = 0;
  if (statvfs(path, &s) != 0) return 0;
  if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
  if (s.f_flag & ST_NODEV) f |= MS_NODEV;
  if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
  return f;
}

static void remount_bind(const struct config *cfg, const char *dest, unsigned long flags) {
  int fd = open_in_rootfs(cfg, dest, CREATE_NONE);
  char p[64];
  fd_path(fd, p, sizeof(p));
  if (mount(NULL, p, NULL, MS_BIND | MS_REMOUNT | flags | locked_flags(p), NULL) != 0)
    die("remount %s (flags 0x%lx)", dest, flags);
  close(fd);
}

static void split_parent(const char *path, char *parent, size_t len, const char **name);

static void make_symlink(const struct config *cfg, const char *target, const char *link) {
  char parent[PATH_MAX];
  const char *name;
  split_parent(link, parent, sizeof(parent), &name);
  int dir = open_in_rootfs(cfg, parent, CREATE_DIR);
  if (symlinkat(target, dir, name) != 0 && errno != EEXIST) die("symlink %s -> %s", link, target);
  close(dir);
}

static void do_mount(const struct config *cfg, const struct mount_spec *m) {
  if (m->kind == MOUNT_SYMLINK) {
    make_symlink(cfg, m->source, m->dest);
    return;
  }
  int is_bind = m->kind == MOUNT_BIND;
  enum create_kind kind = CREATE_DIR;
  if (is_bind) {
    struct stat st;
    if (stat(m->source, &st) != 0) die("bind mount source %s (destination %s)", m->source, m->dest);
    if (!S_ISDIR(st.st_mode)) kind = CREATE_FILE;
  }
  int fd = open_in_rootfs(cfg, m->dest, kind);
  char p[64];
  fd_path(fd, p, sizeof(p));
  unsigned long flags = (unsigned long)m->flags;
  if (is_bind) {
    if (mount(m->source, p, NULL, MS_BIND | (flags & MS_REC), NULL) != 0)
      die("bind mount %s on %s", m->source, m->dest);
    unsigned long extra = flags & ~(unsigned long)(MS_BIND | MS_REC);
    if (extra) remount_bind(cfg, m->dest, extra);
  } else if (mount(m->source, p, m->type, flags, m->data[0] ? m->data : NULL) != 0) {
    /* sysfs cannot be mounted without a network namespace of our own: bind the host's, as runc does. */
    if (errno == EPERM && strcmp(m->type, "sysfs") == 0) {
      if (mount("/sys", p, NULL, MS_BIND | MS_REC, NULL) != 0) die("bind /sys on %s", m->dest);
      if (flags & MS_RDONLY) remount_bind(cfg, m->dest, MS_RDONLY | (flags & (MS_NOSUID | MS_NODEV | MS_NOEXEC)));
    } else {
      die("mount %s (type %s) on %s", m->source, m->type, m->dest);
    }
  }
  close(fd);
  if (m->propagation) {
    int again = open_in_rootfs(cfg, m->dest, CREATE_NONE);
    fd_path(again, p, sizeof(p));
    if (mount(NULL, p, NULL, (unsigned long)m->propagation, NULL) != 0) die("set propagation of %s", m->dest);
    close(again);
  }
}

static void split_parent(const char *path, char *parent, size_t len, const char **name) {
  snprintf(parent, len, "%s", path);
  char *slash = strrchr(parent, '/');
  *name = path + (slash - parent) + 1;
  if (slash == parent) parent[1] = '\0';
  else *slash = '\0';
}

static void bind_device(const struct config *cfg, const struct device_spec *d) {
  struct mount_spec m = {0, 0, MOUNT_BIND, d->path, d->path, "bind", ""};
  do_mount(cfg, &m);
}

/*
 * As runc: whatever already has the device's name is left alone, never unlinked (a /dev bound in
 * from the host would lose its node), and where mknod is not allowed (a user namespace) the host's
 * node is bound instead.
 */
static void make_device(const struct config *cfg, const struct device_spec *d) {
  if (d->bind) {
    bind_device(cfg, d);
    return;
  }
  char parent[PATH_MAX];
  const char *name;
  split_parent(d->path, parent, sizeof(parent), &name);
  int dir = open_in_rootfs(cfg, parent, CREATE_DIR);
  mode_t type = d->type == 'b' ? S_IFBLK : d->type == 'p' ? S_IFIFO : S_IFCHR;
  if (mknodat(dir, name, type | (mode_t)(d->mode & 07777), makedev(d->major, d->minor)) != 0) {
    int err = errno;
    close(dir);
    if (err == EEXIST) return;
    if (err == EPERM) {
      bind_device(cfg, d);
      return;
    }
    errno = err;
    die("mknod %s", d->path);
  }
  if (fchownat(dir, name, (uid_t)d->uid, (gid_t)d->gid, AT_SYMLINK_NOFOLLOW) != 0) die("chown %s", d->path);
  close(dir);
}


void rootfs_prepare(const struct config *cfg) {
  unsigned long prop = cfg->root_propagation ? (unsigned long)cfg->root_propagation : MS_SLAVE | MS_REC;
  if (mount(NULL, "/", NULL, prop, NULL) != 0) die("set propagation of /");
  if (mount(cfg->rootfs, cfg->rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) die("bind the rootfs %s", cfg->rootfs);
  /* pivot_root refuses a new root whose parent mount is shared. */
  if (mount(NULL, cfg->rootfs, NULL, MS_PRIVATE, NULL) != 0) die("make the rootfs private");
  rootfd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) die("open the rootfs %s", cfg->rootfs);
  for (size_t i = 0; i < cfg->n_mounts; i++) do_mount(cfg, &cfg->mounts[i]);
  for (size_t i = 0; i < cfg->n_devices; i++) make_device(cfg, &cfg->devices[i]);
  if (prop & MS_SHARED) {
    if (mount(NULL, cfg->rootfs, NULL, MS_SHARED, NULL) != 0) die("make the rootfs shared");
  }
}

void rootfs_enter(const struct config *cfg) {
  if (chdir(cfg->rootfs) != 0) die("chdir to the rootfs %s", cfg->rootfs);
  if (cfg->no_pivot) {
    if (mount(cfg->rootfs, "/", NULL, MS_MOVE, NULL) != 0) die("move the rootfs to /");
    if (chroot(".") != 0) die("chroot to the rootfs");
  } else {
    int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0) die("open /");
    if (syscall(SYS_pivot_root, ".", ".") != 0) die("pivot_root to %s", cfg->rootfs);
    /* The old root now sits on top of the new one: detach it without touching the host's mounts. */
    if (fchdir(oldroot) != 0) die("fchdir to the old root");
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) != 0) die("make the old root a slave");
    if (umount2(".", MNT_DETACH) != 0) die("detach the old root");
    close(oldroot);
  }
  if (chdir("/") != 0) die("chdir /");
  close(rootfd);
  rootfd = -1;
}

static void write_sysctl(const struct kv *s) {
  char path[PATH_MAX] = "/proc/sys/";
  size_t off = strlen(path);
  for (const char *c = s->a; *c && off < sizeof(path) - 1; c++) path[off++] = *c == '.' ? '/' : *c;
  path[off] = '\0';
  if (write_file(path, s->b) != 0) die("set sysctl %s=%s", s->a, s->b);
}

static void readonly_path(const char *path) {
  if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0) {
    if (errno == ENOENT) return;
    die("bind readonly path %s", path);
  }
  if (mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(path), NULL) != 0)
    die("remount readonly path %s", path);
}

static void mask_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    if (errno == ENOENT) return;
    die("stat masked path %s", path);
  }
  int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
                               : mount("/dev/null", path, NULL, MS_BIND, NULL);
  if (rc != 0) die("mask %s", path);
}

void rootfs_finalize(const struct config *cfg) {
  for (size_t i = 0; i < cfg->n_sysctls; i++) write_sysctl(&cfg->sysctls[i]);
  for (size_t i = 0; i < cfg->n_readonly; i++) readonly_path(cfg->readonly[i]);
  for (size_t i = 0; i < cfg->n_masked; i++) mask_path(cfg->masked[i]);
  if (cfg->readonly_root && mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) != 0)
    die("remount / read-only");
}
