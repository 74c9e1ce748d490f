#include "jsonlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

size_t utf8_sequence_len(const unsigned char *p, size_t len) {
  unsigned char c = p[0];
  if (c < 0x80) return 1;
  size_t need;
  unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte, which exclude overlongs and surrogates */
  if (c >= 0xc2 && c <= 0xdf) {
    need = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    need = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    need = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (len < need) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < need; i++)
    if ((p[i] & 0xc0) != 0x80) return 0;
  return need;
}

size_t utf8_safe_cut(const unsigned char *p, size_t len) {
  /* Look back at most 3 bytes for the lead byte of a sequence that the end cuts short. */
  for (size_t back = 1; back <= 3 && back <= len; back++) {
    unsigned char c = p[len - back];
    if ((c & 0xc0) == 0x80) continue;
    size_t need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    if (need > back && c >= 0xc2 && c <= 0xf4) return len - back;
    return len;
  }
  return len;
}

/* The escape of one unit (character or invalid byte) at in; returns its input length. */
static size_t escape_unit(const unsigned char *in, size_t len, char tmp[8], size_t *outlen) {
  unsigned char c = in[0];
  static const char hex[] = "0123456789abcdef";
  if (c < 0x80) {
    const char *short_form = NULL;
    switch (c) {
      case '"': short_form = "\\\""; break;
      case '\\': short_form = "\\\\"; break;
      case '\n': short_form = "\\n"; break;
      case '\r': short_form = "\\r"; break;
      case '\t': short_form = "\\t"; break;
      case '\b': short_form = "\\b"; break;
      case '\f': short_form = "\\f"; break;
      default: break;
    }
    if (short_form) {
      *outlen = strlen(short_form);
      memcpy(tmp, short_form, *outlen);
    } else if (c < 0x20) {
      memcpy(tmp, "\\u00", 4);
      tmp[4] = hex[c >> 4];
      tmp[5] = hex[c & 0xf];
      *outlen = 6;
    } else {
      tmp[0] = (char)c;
      *outlen = 1;
    }
    return 1;
  }
  size_t n = utf8_sequence_len(in, len);
  if (n == 0) {
    memcpy(tmp, "\\ufffd", 6);
    *outlen = 6;
    return 1;
  }
  /* U+2028 and U+2029 are valid JSON but end lines in JavaScript; escape them as Go does. */
  if (n == 3 && in[0] == 0xe2 && in[1] == 0x80 && (in[2] == 0xa8 || in[2] == 0xa9)) {
    memcpy(tmp, in[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
    *outlen = 6;
    return 3;
  }
  memcpy(tmp, in, n);
  *outlen = n;
  return n;
}

size_t json_escape(const unsigned char *in, size_t len, char *out, size_t cap, size_t *consumed) {
  size_t i = 0, o = 0;
  char tmp[8];
  while (i < len) {
    size_t outlen;
    size_t used = escape_unit(in + i, len - i, tmp, &outlen);
    if (o + outlen > cap) break;
    memcpy(out + o, tmp, outlen);
    o += outlen;
    i += used;
  }
  *consumed = i;
  return o;
}

size_t json_escaped_len(const unsigned char *in, size_t len) {
  size_t i = 0, total = 0;
  char tmp[8];
  while (i < len) {
    size_t outlen;
    i += escape_unit(in + i, len - i, tmp, &outlen);
    total += outlen;
  }
  return total;
}

void linebuf_feed(struct linebuf *lb, const unsigned char *p, size_t len, line_sink sink, void *ctx) {
  while (len > 0) {
    const unsigned char *nl = memchr(p, '\n', len);
    size_t take = nl ? (size_t)(nl - p) + 1 : len;
    if (lb->len == 0 && nl && take <= LINE_MAX_BYTES) {
      sink(ctx, p, take); /* a whole line in the input: no copy */
      p += take;
      len -= take;
      continue;
    }
    size_t room = LINE_MAX_BYTES - lb->len;
    size_t copy = take < room ? take : room;
    memcpy(lb->data + lb->len, p, copy);
    lb->len += copy;
    p += copy;
    len -= copy;
    if (lb->data[lb->len - 1] == '\n') {
      sink(ctx, lb->data, lb->len);
      lb->len = 0;
    } else if (lb->len == LINE_MAX_BYTES) {
      /* Too long for one record: emit a partial one, keeping a cut character for the next. */
      size_t cut = utf8_safe_cut(lb->data, lb->len);
      if (cut == 0) cut = lb->len;
      sink(ctx, lb->data, cut);
      memmove(lb->data, lb->data + cut, lb->len - cut);
      lb->len -= cut;
    }
  }
}

void linebuf_flush(struct linebuf *lb, line_sink sink, void *ctx) {
  if (lb->len > 0) sink(ctx, lb->data, lb->len);
  lb->len = 0;
}

void log_rotated_name(const char *name, int n, char *out, size_t cap) {
  if (n == 0)
    snprintf(out, cap, "%s", name);
  else
    snprintf(out, cap, "%s.%d", name, n);
}

static int open_current(struct logfile *lf, int extra_flags) {
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", lf->dir, LOG_FILE_NAME);
  lf->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | extra_flags, 0640);
  if (lf->fd < 0) return -1;
  lf->size = lseek(lf->fd, 0, SEEK_END);
  if (lf->size < 0) lf->size = 0;
  return 0;
}

int logfile_open(struct logfile *lf, const char *dir, long long max_size, int max_files) {
  snprintf(lf->dir, sizeof lf->dir, "%s", dir);
  lf->max_size = max_size;
  lf->max_files = max_files < 1 ? 1 : max_files;
  return open_current(lf, 0);
}

int logfile_rotate(struct logfile *lf) {
  if (lf->max_files == 1) {
    /* Nowhere to rotate to: start the one file afresh, as Docker does with max-file=1. */
    close(lf->fd);
    return open_current(lf, O_TRUNC);
  }
  char from[4200], to[4200], name[300];
  for (int n = lf->max_files - 2; n >= 0; n--) {
    log_rotated_name(LOG_FILE_NAME, n, name, sizeof name);
    snprintf(from, sizeof from, "%s/%s", lf->dir, name);
    log_rotated_name(LOG_FILE_NAME, n + 1, name, sizeof name);
    snprintf(to, sizeof to, "%s/%s", lf->dir, name);
    if (rename(from, to) < 0 && errno != ENOENT) return -1;
  }
  close(lf->fd);
  return open_current(lf, O_TRUNC);
}

int logfile_write(struct logfile *lf, const char *stream, const unsigned char *text, size_t len,
                  const char *timestamp) {
  char head[] = "{\"log\":\"";
  char tail[128];
  int tail_len = snprintf(tail, sizeof tail, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n", stream, timestamp);
  size_t record = sizeof head - 1 + json_escaped_len(text, len) + (size_t)tail_len;
  if (lf->max_size > 0 && lf->size > 0 && (long long)(lf->size + (off_t)record) > lf->max_size) {
    if (logfile_rotate(lf) < 0) return -1;
  }
  /* One write per buffer-full: a reader may see a line in pieces, so it reads up to '\n' only. */
  char buf[8192];
  size_t used = sizeof head - 1;
  memcpy(buf, head, used);
  size_t off = 0;
  while (off < len) {
    size_t consumed;
    used += json_escape(text + off, len - off, buf + used, sizeof buf - used, &consumed);
    off += consumed;
    if (off < len) {
      if (write_all(lf->fd, buf, used) < 0) return -1;
      used = 0;
    }
  }
  if (used + (size_t)tail_len > sizeof buf) {
    if (write_all(lf->fd, buf, used) < 0) return -1;
    used = 0;
  }
  memcpy(buf + used, tail, (size_t)tail_len);
  used += (size_t)tail_len;
  if (write_all(lf->fd, buf, used) < 0) return -1;
  lf->size += (off_t)record;
  return 0;
}

void logfile_close(struct logfile *lf) {
  if (lf->fd >= 0) close(lf->fd);
  lf->fd = -1;
}
