/* Unit tests of the shim's control protocol (shim/proto.c): request lines, signals, frame headers,
 * exit codes. */
#include <assert.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "shim/proto.h"

static struct request req;
static char err[256];

static int parse(const char *line) {
  err[0] = '\0';
  return parse_request(line, &req, err, sizeof err);
}

static void test_requests(void) {
  assert(parse("start") == 0 && req.verb == VERB_START && req.exec_id[0] == '\0');
  assert(parse("started") == 0 && req.verb == VERB_STARTED);
  assert(parse("state exec=e1") == 0 && req.verb == VERB_STATE && strcmp(req.exec_id, "e1") == 0);
  assert(parse("wait") == 0 && req.verb == VERB_WAIT);
  assert(parse("resize 40 120") == 0 && req.rows == 40 && req.cols == 120);
  assert(parse("attach stdin stdout stderr stdin-once") == 0 && req.in && req.out && req.err && req.stdin_once);
  assert(parse("attach stdout") == 0 && !req.in && req.out && !req.err);
  assert(parse("attach exec=x-1 stdout") == 0 && strcmp(req.exec_id, "x-1") == 0);
  assert(parse("kill TERM") == 0 && req.signal == SIGTERM);
  assert(parse("kill 9") == 0 && req.signal == 9);
  assert(parse("close-stdin") == 0 && req.verb == VERB_CLOSE_STDIN);
  assert(parse("shutdown") == 0 && req.verb == VERB_SHUTDOWN);
  assert(parse("exec e2 /run/x/process.json terminal stdin") == 0 && req.verb == VERB_EXEC);
  assert(strcmp(req.exec_id, "e2") == 0 && strcmp(req.process_path, "/run/x/process.json") == 0);
  assert(req.terminal && req.open_stdin && !req.detach);
  assert(parse("exec e3 /p.json detach") == 0 && req.detach && !req.terminal);
  assert(parse("start\r") == 0);
  assert(parse("spawn /opt/berth/bin/berth-init terminal stdin") == 0 && req.verb == VERB_SPAWN);
  assert(strcmp(req.process_path, "/opt/berth/bin/berth-init") == 0 && req.terminal && req.open_stdin);
  assert(parse("spawn /i exec=e4") == 0 && strcmp(req.exec_id, "e4") == 0 && !req.terminal && !req.open_stdin);
  assert(parse("created 4242 exec=e4") == 0 && req.verb == VERB_CREATED && req.pid == 4242);
  assert(parse("abandon") == 0 && req.verb == VERB_ABANDON);
}

static void test_bad_requests(void) {
  assert(parse("") < 0 && strstr(err, "empty"));
  assert(parse("launch") < 0 && strstr(err, "unknown request launch"));
  assert(parse("start now") < 0 && strstr(err, "start takes"));
  assert(parse("resize 0 80") < 0 && strstr(err, "resize"));
  assert(parse("resize 24 70000") < 0);
  assert(parse("resize 24") < 0);
  assert(parse("resize a b") < 0);
  assert(parse("attach stdweird") < 0 && strstr(err, "unexpected word"));
  assert(parse("kill NOSUCH") < 0 && strstr(err, "unknown signal NOSUCH"));
  assert(parse("kill 65") < 0);
  assert(parse("exec ../evil /p.json") < 0 && strstr(err, "invalid exec id"));
  assert(parse("exec .hidden /p.json") < 0);
  assert(parse("wait exec=a/b") < 0);
  assert(parse("exec e1") < 0);
  assert(parse("spawn berth-init") < 0 && strstr(err, "absolute path"));
  assert(parse("spawn /i detach") < 0 && strstr(err, "unexpected word in spawn"));
  assert(parse("spawn") < 0);
  assert(parse("created 0") < 0 && strstr(err, "pid"));
  assert(parse("created 12x") < 0);
  assert(parse("created -5") < 0);
  char longline[REQUEST_MAX + 10];
  memset(longline, 'a', sizeof longline - 1);
  longline[sizeof longline - 1] = '\0';
  assert(parse(longline) < 0 && strstr(err, "too long"));
}

static void test_signals(void) {
  assert(parse_signal("SIGKILL") == SIGKILL);
  assert(parse_signal("kill") == SIGKILL);
  assert(parse_signal("sigwinch") == SIGWINCH);
  assert(parse_signal("15") == 15);
  assert(parse_signal("0") == -1);
  assert(parse_signal("") == -1);
  assert(parse_signal("9x") == -1);
}

static void test_frames(void) {
  unsigned char h[FRAME_HEADER_LEN];
  encode_frame_header(h, 2, 0x01020304);
  const unsigned char want[] = {2, 0, 0, 0, 1, 2, 3, 4};
  assert(memcmp(h, want, sizeof want) == 0);
  encode_frame_header(h, 1, 5);
  const unsigned char five[] = {1, 0, 0, 0, 0, 0, 0, 5};
  assert(memcmp(h, five, sizeof five) == 0);
}

static void test_exit_codes(void) {
  int sig;
  assert(exit_code_of(3 << 8, &sig) == 3 && sig == 0);
  assert(exit_code_of(0, &sig) == 0 && sig == 0);
  assert(exit_code_of(SIGKILL, &sig) == 137 && sig == SIGKILL);
  assert(exit_code_of(SIGTERM | 0x80, &sig) == 143 && sig == SIGTERM); /* with a core dump */
}

int main(void) {
  test_requests();
  test_bad_requests();
  test_signals();
  test_frames();
  test_exit_codes();
  printf("test_shim_proto: ok\n");
  return 0;
}
