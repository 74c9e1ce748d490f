package dev.berth.daemon.exec;

import java.util.List;

/**
 * One `docker exec`: what was asked at create, and what became of it. Like Docker, the daemon keeps
 * these in memory only; they matter while their container runs.
 *
 * @param exitCode null until the process has exited
 */
record ExecInstance(String id, String containerId, List<String> cmd, boolean tty, boolean stdin, boolean stdout,
    boolean stderr, String user, String workingDir, List<String> env, boolean privileged, boolean started,
    long pid, Integer exitCode) {

  boolean running() {
    return started && exitCode == null;
  }

  ExecInstance startedAs(long p) {
    return new ExecInstance(id, containerId, cmd, tty, stdin, stdout, stderr, user, workingDir, env, privileged,
        true, p, null);
  }

  ExecInstance exited(int code) {
    return new ExecInstance(id, containerId, cmd, tty, stdin, stdout, stderr, user, workingDir, env, privileged,
        started, pid, code);
  }
}
