/* The hooks berth-init runs itself, in the container's namespaces: createContainer and startContainer. */
#ifndef BERTH_HOOKS_H
#define BERTH_HOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "stream.h"

/*
 * The state a hook of `kind` reads on stdin: state_json (the runtime's state of the container without
 * pid and status, "{...}") with this process's pid and the kind's status ("creating" for
 * createContainer, "created" for startContainer) added, as runc gives them. The caller frees it.
 */
char *hooks_state(const char *state_json, int pid, uint64_t kind);

/*
 * Runs cfg's hooks of `kind` in order. Each gets its args, exactly its env and the state on stdin;
 * its stdout and stderr are kept for the error message, not passed to the container's; it runs in
 * a process group of its own, killed whole at its timeout. Returns 0, or -1 with a message in err:
 * "<kind> hook <path> failed with exit status N: <output>", "... was killed by signal N: ..." or
 * "<kind> hook <path> timed out after Ns".
 */
int hooks_run(const struct config *cfg, uint64_t kind, char *err, size_t errlen);

#endif
