/* The container's log in Docker's json-file format: one JSON object per line,
 * {"log":"<text>","stream":"stdout|stderr","time":"<RFC 3339, 9 digits>"}, a record per line of
 * output (a record whose text lacks the final "\n" is a partial line, continued by the next record of
 * the same stream), rotated by size to <name>.1 … <name>.<max_files-1> as Docker does. */
#ifndef BERTH_SHIM_JSONLOG_H
#define BERTH_SHIM_JSONLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* The longest line kept whole; longer ones are split into partial records (Docker: 16 KiB). */
#define LINE_MAX_BYTES 16384
#define LOG_FILE_NAME "container-json.log"

/* Length of the well-formed UTF-8 sequence at p (1..4), or 0 if p starts an invalid one. */
size_t utf8_sequence_len(const unsigned char *p, size_t len);
/* len, minus a trailing incomplete (but so far valid) UTF-8 sequence: where a partial record may end. */
size_t utf8_safe_cut(const unsigned char *p, size_t len);
/* Escapes for a JSON string as much of in as fits in out (never splitting an escape or a character):
 * quotes, backslashes, control characters, U+2028/U+2029; every byte of invalid UTF-8 becomes \ufffd.
 * Returns the bytes written and sets *consumed. */
size_t json_escape(const unsigned char *in, size_t len, char *out, size_t cap, size_t *consumed);
size_t json_escaped_len(const unsigned char *in, size_t len);

/* Splits a stream of output into lines for the log. */
typedef void (*line_sink)(void *ctx, const unsigned char *line, size_t len);
struct linebuf {
  unsigned char data[LINE_MAX_BYTES];
  size_t len;
};
void linebuf_feed(struct linebuf *lb, const unsigned char *p, size_t len, line_sink sink, void *ctx);
/* Emits what is buffered (a partial line), at EOF. */
void linebuf_flush(struct linebuf *lb, line_sink sink, void *ctx);

struct logfile {
  char dir[4096];
  int fd;
  off_t size;
  long long max_size; /* 0: never rotate */
  int max_files;      /* files kept in all, the current one included */
};

/* name.N, or name itself for n == 0. */
void log_rotated_name(const char *name, int n, char *out, size_t cap);
int logfile_open(struct logfile *lf, const char *dir, long long max_size, int max_files);
/* Appends one record; rotates first when it would not fit. Returns 0 or -1 (errno). */
int logfile_write(struct logfile *lf, const char *stream, const unsigned char *text, size_t len,
                  const char *timestamp);
int logfile_rotate(struct logfile *lf);
void logfile_close(struct logfile *lf);

#endif
