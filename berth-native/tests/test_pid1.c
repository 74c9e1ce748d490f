/*
 * berth-pid1 end to end, as a program: exit codes pass through, signals are forwarded, orphans are
 * reaped (it is a subreaper when not PID 1), and a missing command is 127. The binary's path comes
 * from PID1 (set by the Makefile) or defaults to the build output.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *pid1;
static int failures;

static int run(char *const argv[], int signal_after_ms)
{
	pid_t p = fork();
	if (p == 0) {
		execv(pid1, argv);
		_exit(99);
	}
	if (signal_after_ms > 0) {
		struct timespec ts = {0, signal_after_ms * 1000000L};
		nanosleep(&ts, NULL);
		kill(p, SIGTERM);
	}
	int status;
	waitpid(p, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void expect(const char *what, int got, int want)
{
	if (got != want) {
		fprintf(stderr, "FAIL %s: got %d, want %d\n", what, got, want);
		failures++;
	}
}

int main(void)
{
	pid1 = getenv("PID1") ? getenv("PID1") : "target/native/berth-pid1";
	char *exit3[] = {"berth-pid1", "--", "/bin/sh", "-c", "exit 3", NULL};
	expect("exit code", run(exit3, 0), 3);
	char *trap[] = {"berth-pid1", "/bin/sh", "-c", "trap 'exit 7' TERM; while :; do sleep 0.05; done", NULL};
	expect("SIGTERM forwarded", run(trap, 300), 7);
	char *killed[] = {"berth-pid1", "/bin/sh", "-c", "kill -9 $$", NULL};
	expect("signal death", run(killed, 0), 137);
	char *missing[] = {"berth-pid1", "/no/such/program", NULL};
	expect("missing command", run(missing, 0), 127);
	/* The orphan (sleep) is reparented to berth-pid1 and exits; once reaped, the shell is its only child. */
	char *orphan[] = {"berth-pid1", "/bin/sh", "-c",
			  "(sleep 0.1 &); sleep 0.5; set -- $(cat /proc/$PPID/task/$PPID/children); exit $(($# - 1))", NULL};
	expect("orphans reaped", run(orphan, 0), 0);
	char *none[] = {"berth-pid1", NULL};
	expect("usage", run(none, 0), 2);
	if (failures)
		return 1;
	printf("test_pid1: ok\n");
	return 0;
}
