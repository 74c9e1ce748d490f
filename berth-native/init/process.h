#ifndef BERTH_PROCESS_H
#define BERTH_PROCESS_H

#include "stream.h"

/* Connects to the console socket (done before pivot_root/setns, while its path is reachable), or
 * takes the console fd the runtime passed. */
int process_connect_console(const struct config *cfg);
/* Makes a pty, sends its master over console_fd, and makes the slave the controlling terminal and
 * stdio of this process. */
void process_setup_console(const struct config *cfg, int console_fd, int bind_dev_console);
/* Applies rlimits, oom score, credentials, capabilities, cwd, no_new_privs and seccomp. */
void process_apply(const struct config *cfg);
/* Resolves argv[0] through the container's PATH; dies with runc's message when not found. */
const char *process_find_executable(const struct config *cfg, char *buf, size_t len);

#endif
