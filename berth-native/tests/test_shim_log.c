/* Unit tests of the shim's json-file log (shim/jsonlog.c): JSON escaping with invalid UTF-8, line
 * splitting with partial records, and rotation naming and order. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/jsonlog.h"

static char escaped[1024];

static const char *esc(const char *in, size_t len) {
  size_t consumed;
  size_t n = json_escape((const unsigned char *)in, len, escaped, sizeof escaped - 1, &consumed);
  assert(consumed == len);
  assert(n == json_escaped_len((const unsigned char *)in, len));
  escaped[n] = '\0';
  return escaped;
}

static void test_escaping(void) {
  assert(strcmp(esc("plain text", 10), "plain text") == 0);
  assert(strcmp(esc("a\"b\\c\n", 6), "a\\\"b\\\\c\\n") == 0);
  assert(strcmp(esc("\r\t\b\f", 4), "\\r\\t\\b\\f") == 0);
  assert(strcmp(esc("\x01\x1b[0m", 5), "\\u0001\\u001b[0m") == 0);
  assert(strcmp(esc("\x00", 1), "\\u0000") == 0);
  /* valid UTF-8 is kept as is; U+2028 is escaped */
  assert(strcmp(esc("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3", 14), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3") == 0);
  assert(strcmp(esc("\xe2\x80\xa8", 3), "\\u2028") == 0);
  /* invalid: a lone continuation byte, an overlong, a surrogate, a truncated sequence, 0xff */
  assert(strcmp(esc("a\x80z", 3), "a\\ufffdz") == 0);
  assert(strcmp(esc("\xc0\xaf", 2), "\\ufffd\\ufffd") == 0);
  assert(strcmp(esc("\xed\xa0\x80", 3), "\\ufffd\\ufffd\\ufffd") == 0);
  assert(strcmp(esc("\xe2\x82", 2), "\\ufffd\\ufffd") == 0);
  assert(strcmp(esc("\xff", 1), "\\ufffd") == 0);
  /* a small output buffer never splits an escape */
  size_t consumed;
  char small[5];
  size_t n = json_escape((const unsigned char *)"ab\n", 3, small, sizeof small, &consumed);
  assert(n == 4 && consumed == 3);
  n = json_escape((const unsigned char *)"abc\x01", 4, small, sizeof small, &consumed);
  assert(n == 3 && consumed == 3);
}

static void test_utf8_cut(void) {
  assert(utf8_safe_cut((const unsigned char *)"ab", 2) == 2);
  assert(utf8_safe_cut((const unsigned char *)"a\xe2\x82", 3) == 1);
  assert(utf8_safe_cut((const unsigned char *)"a\xe2\x82\xac", 4) == 4);
  assert(utf8_safe_cut((const unsigned char *)"a\xf0\x9f\x90", 4) == 1);
  assert(utf8_safe_cut((const unsigned char *)"a\xc3", 2) == 1);
  assert(utf8_safe_cut((const unsigned char *)"a\x80", 2) == 2); /* invalid: nothing to wait for */
}

struct captured {
  char lines[8][LINE_MAX_BYTES + 1];
  size_t lens[8];
  int n;
};

static void capture(void *ctx, const unsigned char *line, size_t len) {
  struct captured *c = ctx;
  assert(c->n < 8);
  memcpy(c->lines[c->n], line, len);
  c->lines[c->n][len] = '\0';
  c->lens[c->n++] = len;
}

static void test_lines(void) {
  static struct linebuf lb;
  static struct captured c;
  linebuf_feed(&lb, (const unsigned char *)"one\ntw", 6, capture, &c);
  assert(c.n == 1 && strcmp(c.lines[0], "one\n") == 0);
  linebuf_feed(&lb, (const unsigned char *)"o\nthree\nfo", 10, capture, &c);
  assert(c.n == 3 && strcmp(c.lines[1], "two\n") == 0 && strcmp(c.lines[2], "three\n") == 0);
  linebuf_flush(&lb, capture, &c);
  assert(c.n == 4 && strcmp(c.lines[3], "fo") == 0);
  linebuf_flush(&lb, capture, &c);
  assert(c.n == 4);

  /* a line longer than the buffer becomes partial records; a cut character moves to the next one */
  memset(&c, 0, sizeof c);
  static unsigned char big[LINE_MAX_BYTES + 10];
  memset(big, 'x', sizeof big);
  big[LINE_MAX_BYTES - 1] = 0xe2;
  big[LINE_MAX_BYTES] = 0x82;
  big[LINE_MAX_BYTES + 1] = 0xac;
  big[sizeof big - 1] = '\n';
  linebuf_feed(&lb, big, sizeof big, capture, &c);
  assert(c.n == 2);
  assert(c.lens[0] == LINE_MAX_BYTES - 1);
  assert(c.lens[1] == 11 && (unsigned char)c.lines[1][0] == 0xe2 && c.lines[1][10] == '\n');
}

static void test_rotation_names(void) {
  char name[64];
  log_rotated_name("container-json.log", 0, name, sizeof name);
  assert(strcmp(name, "container-json.log") == 0);
  log_rotated_name("container-json.log", 2, name, sizeof name);
  assert(strcmp(name, "container-json.log.2") == 0);
}

static long file_size(const char *dir, const char *name) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fclose(f);
  return n;
}

static void first_line(const char *dir, const char *name, char *out, size_t len) {
  char path[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  assert(f);
  assert(fgets(out, (int)len, f));
  fclose(f);
}

static void test_rotation(void) {
  char dir[] = "/tmp/berth-test-shim-log-XXXXXX";
  assert(mkdtemp(dir));
  struct logfile lf;
  assert(logfile_open(&lf, dir, 200, 3) == 0);
  const char *ts = "2026-11-22T11:00:00.123456789Z";
  char text[32];
  for (int i = 0; i < 12; i++) {
    snprintf(text, sizeof text, "line %02d\n", i);
    assert(logfile_write(&lf, i % 2 ? "stderr" : "stdout", (const unsigned char *)text, strlen(text), ts) == 0);
  }
  logfile_close(&lf);
  /* each record is 78 bytes: two fit in 200, so 12 records leave 6 files' worth, of which 3 are kept */
  char line[256];
  first_line(dir, "container-json.log", line, sizeof line);
  assert(strcmp(line, "{\"log\":\"line 10\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-22T11:00:00.123456789Z\"}\n") == 0);
  first_line(dir, "container-json.log.1", line, sizeof line);
  assert(strstr(line, "line 08"));
  first_line(dir, "container-json.log.2", line, sizeof line);
  assert(strstr(line, "line 06"));
  assert(file_size(dir, "container-json.log.3") == -1);
  assert(file_size(dir, "container-json.log") == 156);

  /* with one file, rotation truncates it */
  assert(logfile_open(&lf, dir, 100, 1) == 0);
  assert(logfile_write(&lf, "stdout", (const unsigned char *)"x\n", 2, ts) == 0);
  logfile_close(&lf);
  assert(file_size(dir, "container-json.log") == 72);

  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert(system(cmd) == 0);
}

int main(void) {
  test_escaping();
  test_utf8_cut();
  test_lines();
  test_rotation_names();
  test_rotation();
  printf("test_shim_log: ok\n");
  return 0;
}
