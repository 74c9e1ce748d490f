package dev.berth.supervisor.task;

/**
 * How a task's process is wired: a pty or pipes, whether stdin is kept open for attaches, and the
 * json-file log's rotation (0 and 0: the supervisor's defaults).
 */
public record TaskStdio(boolean terminal, boolean stdin, long logMaxSize, int logMaxFiles) {
  public static TaskStdio pipes() {
    return new TaskStdio(false, false, 0, 0);
  }
}
