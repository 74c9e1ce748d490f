/* The control protocol on <state-dir>/shim.sock: one request line per connection (see README.md).
 * Parsing and encoding only; no I/O here, so it is unit-tested. */
#ifndef BERTH_SHIM_PROTO_H
#define BERTH_SHIM_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define REQUEST_MAX 1024
#define EXEC_ID_MAX 64
#define FRAME_HEADER_LEN 8

enum verb {
  VERB_START,
  VERB_STARTED,
  VERB_STATE,
  VERB_WAIT,
  VERB_RESIZE,
  VERB_ATTACH,
  VERB_CLOSE_STDIN,
  VERB_KILL,
  VERB_SHUTDOWN,
  VERB_EXEC,
  VERB_SPAWN,
  VERB_CREATED,
  VERB_ABANDON,
};

struct request {
  enum verb verb;
  /* exec=<id>: the exec process the request is about (empty: the container's init) */
  char exec_id[EXEC_ID_MAX + 1];
  unsigned short rows, cols;               /* resize */
  int signal;                              /* kill */
  bool in, out, err, stdin_once;           /* attach */
  bool terminal, open_stdin, detach;       /* exec */
  char process_path[REQUEST_MAX];          /* exec; spawn: the init binary */
  pid_t pid;                               /* created */
};

/* Parses one request line (without its "\n"). Returns 0, or -1 with a message in err. */
int parse_request(const char *line, struct request *req, char *err, size_t errlen);
/* A signal by number ("9") or name ("KILL", "SIGKILL"); -1 if unknown. */
int parse_signal(const char *text);
/* Exec ids are used in file names: letters, digits, '-', '_', '.', not starting with '.'. */
bool valid_exec_id(const char *id);

/* Docker's multiplexed stream header: stream (0 stdin, 1 stdout, 2 stderr), 3 zero bytes, length (BE). */
void encode_frame_header(unsigned char out[FRAME_HEADER_LEN], int stream, uint32_t len);
/* Exit status as Docker reports it: the code, or 128+n for a signal n. */
int exit_code_of(int wait_status, int *signal);

#endif
