#include "proto.h"

#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

static const struct {
  const char *name;
  int number;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},     {"QUIT", SIGQUIT}, {"ILL", SIGILL},   {"TRAP", SIGTRAP},
    {"ABRT", SIGABRT}, {"BUS", SIGBUS},     {"FPE", SIGFPE},   {"KILL", SIGKILL}, {"USR1", SIGUSR1},
    {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM},
    {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG},     {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM},
    {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},     {"PWR", SIGPWR},   {"SYS", SIGSYS},
};

int parse_signal(const char *text) {
  char *end;
  long n = strtol(text, &end, 10);
  if (*text && *end == '\0') return n >= 1 && n <= 64 ? (int)n : -1;
  if (strncasecmp(text, "SIG", 3) == 0) text += 3;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp(text, signals[i].name) == 0) return signals[i].number;
  return -1;
}

bool valid_exec_id(const char *id) {
  size_t len = strlen(id);
  if (len == 0 || len > EXEC_ID_MAX || id[0] == '.') return false;
  for (size_t i = 0; i < len; i++)
    if (!isalnum((unsigned char)id[i]) && id[i] != '-' && id[i] != '_' && id[i] != '.') return false;
  return true;
}

static int parse_dimension(const char *text, unsigned short *out) {
  char *end;
  long n = strtol(text, &end, 10);
  if (!*text || *end || n < 1 || n > 65535) return -1;
  *out = (unsigned short)n;
  return 0;
}

static const struct {
  const char *word;
  enum verb verb;
  int min_args, max_args;
} verbs[] = {
    {"start", VERB_START, 0, 0},   {"started", VERB_STARTED, 0, 0},   {"state", VERB_STATE, 0, 0},       {"wait", VERB_WAIT, 0, 0},
    {"resize", VERB_RESIZE, 2, 2}, {"attach", VERB_ATTACH, 0, 4},     {"close-stdin", VERB_CLOSE_STDIN, 0, 0},
    {"kill", VERB_KILL, 1, 1},     {"shutdown", VERB_SHUTDOWN, 0, 0}, {"exec", VERB_EXEC, 2, 5},
    {"spawn", VERB_SPAWN, 1, 3},   {"created", VERB_CREATED, 1, 1},   {"abandon", VERB_ABANDON, 0, 0},
};

static int parse_args(struct request *req, char **args, int n, char *err, size_t errlen) {
  switch (req->verb) {
    case VERB_RESIZE:
      if (parse_dimension(args[0], &req->rows) < 0 || parse_dimension(args[1], &req->cols) < 0) {
        snprintf(err, errlen, "resize wants <rows> <cols>, each 1..65535");
        return -1;
      }
      return 0;
    case VERB_KILL:
      req->signal = parse_signal(args[0]);
      if (req->signal < 0) {
        snprintf(err, errlen, "unknown signal %s", args[0]);
        return -1;
      }
      return 0;
    case VERB_EXEC:
      if (!valid_exec_id(args[0])) {
        snprintf(err, errlen, "invalid exec id %s", args[0]);
        return -1;
      }
      snprintf(req->exec_id, sizeof req->exec_id, "%s", args[0]);
      snprintf(req->process_path, sizeof req->process_path, "%s", args[1]);
      for (int i = 2; i < n; i++) {
        if (strcmp(args[i], "terminal") == 0) req->terminal = true;
        else if (strcmp(args[i], "stdin") == 0) req->open_stdin = true;
        else if (strcmp(args[i], "detach") == 0) req->detach = true;
        else goto bad_word;
      }
      return 0;
    case VERB_SPAWN:
      if (args[0][0] != '/') {
        snprintf(err, errlen, "spawn wants the init binary's absolute path first");
        return -1;
      }
      snprintf(req->process_path, sizeof req->process_path, "%s", args[0]);
      for (int i = 1; i < n; i++) {
        if (strcmp(args[i], "terminal") == 0) req->terminal = true;
        else if (strcmp(args[i], "stdin") == 0) req->open_stdin = true;
        else goto bad_word;
      }
      return 0;
    case VERB_CREATED: {
      char *end;
      long pid = strtol(args[0], &end, 10);
      if (!*args[0] || *end || pid < 1 || pid > 0x3fffffff) {
        snprintf(err, errlen, "created wants the process's pid");
        return -1;
      }
      req->pid = (pid_t)pid;
      return 0;
    }
    case VERB_ATTACH:
      for (int i = 0; i < n; i++) {
        if (strcmp(args[i], "stdin") == 0) req->in = true;
        else if (strcmp(args[i], "stdout") == 0) req->out = true;
        else if (strcmp(args[i], "stderr") == 0) req->err = true;
        else if (strcmp(args[i], "stdin-once") == 0) req->stdin_once = true;
        else goto bad_word;
      }
      return 0;
    default:
      return 0;
  }
bad_word:
  snprintf(err, errlen, "unexpected word in %s request",
           req->verb == VERB_EXEC ? "exec" : req->verb == VERB_SPAWN ? "spawn" : "attach");
  return -1;
}

int parse_request(const char *line, struct request *req, char *err, size_t errlen) {
  char copy[REQUEST_MAX];
  char *args[8];
  int n = 0;
  memset(req, 0, sizeof *req);
  if (strlen(line) >= sizeof copy) {
    snprintf(err, errlen, "request too long");
    return -1;
  }
  strcpy(copy, line);
  char *save = NULL;
  char *word = strtok_r(copy, " \t\r", &save);
  if (!word) {
    snprintf(err, errlen, "empty request");
    return -1;
  }
  size_t v = 0;
  while (v < sizeof verbs / sizeof verbs[0] && strcmp(word, verbs[v].word) != 0) v++;
  if (v == sizeof verbs / sizeof verbs[0]) {
    snprintf(err, errlen, "unknown request %.64s", word);
    return -1;
  }
  req->verb = verbs[v].verb;
  for (char *arg; (arg = strtok_r(NULL, " \t\r", &save));) {
    if (strncmp(arg, "exec=", 5) == 0 && req->verb != VERB_EXEC) {
      if (!valid_exec_id(arg + 5)) {
        snprintf(err, errlen, "invalid exec id %.64s", arg + 5);
        return -1;
      }
      snprintf(req->exec_id, sizeof req->exec_id, "%s", arg + 5);
      continue;
    }
    if (n == (int)(sizeof args / sizeof args[0])) break;
    args[n++] = arg;
  }
  if (n < verbs[v].min_args || n > verbs[v].max_args) {
    snprintf(err, errlen, "%s takes %d to %d arguments", verbs[v].word, verbs[v].min_args, verbs[v].max_args);
    return -1;
  }
  return parse_args(req, args, n, err, errlen);
}

void encode_frame_header(unsigned char out[FRAME_HEADER_LEN], int stream, uint32_t len) {
  out[0] = (unsigned char)stream;
  out[1] = out[2] = out[3] = 0;
  out[4] = (unsigned char)(len >> 24);
  out[5] = (unsigned char)(len >> 16);
  out[6] = (unsigned char)(len >> 8);
  out[7] = (unsigned char)len;
}

int exit_code_of(int wait_status, int *signal) {
  *signal = 0;
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) {
    *signal = WTERMSIG(wait_status);
    return 128 + *signal;
  }
  return 255;
}
