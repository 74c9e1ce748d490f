/* The conversation with the runtime server (README.md, "The conversation"): a message is its fields,
 * each followed by a NUL byte. Encoding and decoding only; no I/O here, so it is unit-tested. */
#ifndef BERTH_CLIENT_PROTO_H
#define BERTH_CLIENT_PROTO_H

#include <stddef.h>

#define MSG_MAX 65536
/* SCM_MAX_FD: the most fds the kernel passes with one message. */
#define MSG_FDS_MAX 253

/* Appends field and its NUL to the message in buf (*len bytes so far). -1 if it would pass cap. */
int msg_add(char *buf, size_t *len, size_t cap, const char *field);
/* Splits a message of len bytes into its fields, in place (each field's NUL ends its string). Returns
 * the number of fields, or -1 if the message is empty, does not end in NUL, or has more than max. */
long msg_split(char *buf, size_t len, char **fields, size_t max);
/* A decimal number in [min, max] and nothing else: no sign but a '-', no spaces, no leading '+'. */
int parse_number(const char *text, long long min, long long max, long long *out);

struct spawn_request {
  const char *path, *cwd;
  int pgroup;
  char **argv, **envp; /* NULL-terminated */
  int nfds;
  int targets[MSG_FDS_MAX];
};

/* Decodes a `spawn` message's fields (fields[0] is "spawn"). argv and envp point into fields: the
 * count that follows each vector is replaced by its NULL terminator. Returns 0, or -1 with the reason
 * in *why. */
int decode_spawn(char **fields, size_t n, struct spawn_request *sp, const char **why);

#endif
