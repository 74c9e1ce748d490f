#include "proto.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

int msg_add(char *buf, size_t *len, size_t cap, const char *field) {
  size_t n = strlen(field) + 1;
  if (*len > cap || n > cap - *len) return -1;
  memcpy(buf + *len, field, n);
  *len += n;
  return 0;
}

long msg_split(char *buf, size_t len, char **fields, size_t max) {
  if (len == 0 || buf[len - 1] != '\0') return -1;
  size_t n = 0;
  for (size_t at = 0; at < len; at += strlen(buf + at) + 1) {
    if (n == max) return -1;
    fields[n++] = buf + at;
  }
  return (long)n;
}

int parse_number(const char *text, long long min, long long max, long long *out) {
  const char *digits = text[0] == '-' ? text + 1 : text;
  if (digits[0] < '0' || digits[0] > '9') return -1;
  char *end;
  errno = 0;
  long long n = strtoll(text, &end, 10);
  if (errno || *end || n < min || n > max) return -1;
  *out = n;
  return 0;
}

/* The count at fields[at], which must leave room for that many fields and one more after them. */
static int count_at(char **fields, size_t n, size_t at, long long max, long long *count) {
  return at < n && parse_number(fields[at], 0, max, count) == 0 && (size_t)*count < n - at ? 0 : -1;
}

int decode_spawn(char **fields, size_t n, struct spawn_request *sp, const char **why) {
  long long pgroup, argc, envc, nfds, target;
  if (n < 5) {
    *why = "spawn has too few fields";
    return -1;
  }
  sp->path = fields[1];
  sp->cwd = fields[2];
  if (parse_number(fields[3], 0, 1, &pgroup) < 0) {
    *why = "spawn's pgroup is not 0 or 1";
    return -1;
  }
  sp->pgroup = (int)pgroup;
  size_t at = 4;
  if (count_at(fields, n, at, INT_MAX, &argc) < 0) {
    *why = "spawn's argc does not match its fields";
    return -1;
  }
  sp->argv = fields + at + 1;
  at += 1 + (size_t)argc;
  if (count_at(fields, n, at, INT_MAX, &envc) < 0) {
    *why = "spawn's envc does not match its fields";
    return -1;
  }
  fields[at] = NULL;
  sp->envp = fields + at + 1;
  at += 1 + (size_t)envc;
  if (at >= n || parse_number(fields[at], 0, MSG_FDS_MAX, &nfds) < 0 || (size_t)nfds != n - at - 1) {
    *why = "spawn's nfds does not match its fields";
    return -1;
  }
  fields[at] = NULL;
  sp->nfds = (int)nfds;
  for (int i = 0; i < sp->nfds; i++) {
    /* Below INT_MAX, so that "above the highest target" is an fd number too. */
    if (parse_number(fields[at + 1 + i], 0, INT_MAX - 1, &target) < 0) {
      *why = "spawn's target is not an fd number";
      return -1;
    }
    sp->targets[i] = (int)target;
    for (int j = 0; j < i; j++) {
      if (sp->targets[j] == sp->targets[i]) {
        *why = "spawn names a target fd twice";
        return -1;
      }
    }
  }
  return 0;
}
