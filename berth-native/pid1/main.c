/*
 * berth-pid1: what `docker run --init` puts first in a container (Docker's docker-init, which is
 * tini). As PID 1 it starts the command as its child, forwards the signals a container receives
 * (stop, kill, terminal changes) to it, reaps every zombie that is reparented to it, and exits with
 * the command's status (128+n if a signal n ended it). Static, so that it runs in any image.
 *
 * Usage: berth-pid1 [--] COMMAND [ARG...]
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signals that are the process's business, not something to pass on. */
static int forwarded(int sig)
{
	return sig != SIGCHLD && sig != SIGKILL && sig != SIGSTOP && sig != SIGTSTP && sig != SIGTTIN &&
	       sig != SIGTTOU;
}

int main(int argc, char **argv)
{
	int first = 1;
	if (argc > 1 && strcmp(argv[1], "--") == 0)
		first = 2;
	if (first >= argc) {
		fprintf(stderr, "usage: berth-pid1 [--] COMMAND [ARG...]\n");
		return 2;
	}

	sigset_t all, old;
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);

	pid_t child = fork();
	if (child < 0) {
		fprintf(stderr, "berth-pid1: fork: %s\n", strerror(errno));
		return 1;
	}
	if (child == 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		/* Its own process group, so a terminal's job control reaches it as it would without us. */
		setpgid(0, 0);
		if (isatty(STDIN_FILENO))
			tcsetpgrp(STDIN_FILENO, getpid());
		execvp(argv[first], &argv[first]);
		fprintf(stderr, "berth-pid1: exec %s: %s\n", argv[first], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	/* When not PID 1 (tests), still be the one that reaps orphans. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);

	for (;;) {
		siginfo_t info;
		int sig = sigwaitinfo(&all, &info);
		if (sig < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "berth-pid1: sigwaitinfo: %s\n", strerror(errno));
			return 1;
		}
		if (forwarded(sig)) {
			kill(child, sig);
			continue;
		}
		if (sig != SIGCHLD)
			continue;
		for (;;) {
			int status;
			pid_t pid = waitpid(-1, &status, WNOHANG);
			if (pid <= 0)
				break;
			if (pid == child) {
				/* Let the rest of the group go with it, as tini does with -g off: only its own exit counts. */
				if (WIFEXITED(status))
					return WEXITSTATUS(status);
				return 128 + WTERMSIG(status);
			}
		}
	}
}
