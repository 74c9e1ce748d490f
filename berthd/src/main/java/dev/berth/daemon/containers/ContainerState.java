package dev.berth.daemon.containers;

import java.time.Instant;

/**
 * A container's state as Docker reports it in inspect's {@code State}.
 *
 * @param status created, running, paused, restarting, removing, exited or dead
 * @param startedAt null until the first start; Docker prints the zero time then
 * @param health null when the container has no healthcheck
 */
public record ContainerState(String status, long pid, int exitCode, String error, Instant startedAt,
    Instant finishedAt, boolean oomKilled, Health health) {

  public static ContainerState created() {
    return new ContainerState("created", 0, 0, "", null, null, false, null);
  }

  public boolean running() {
    return status.equals("running") || status.equals("paused");
  }

  /** Running again: the previous run's error is gone. */
  public ContainerState started(long pid, Instant at) {
    return new ContainerState("running", pid, 0, "", at, finishedAt, false, null);
  }

  public ContainerState exited(int code, Instant at) {
    return new ContainerState("exited", 0, code, error, startedAt, at, oomKilled, health);
  }

  public ContainerState withHealth(Health h) {
    return new ContainerState(status, pid, exitCode, error, startedAt, finishedAt, oomKilled, h);
  }

  public ContainerState withError(String message) {
    return new ContainerState(status, pid, exitCode, message, startedAt, finishedAt, oomKilled, health);
  }

  public ContainerState failed(String message) {
    return new ContainerState(startedAt == null ? "created" : "exited", 0, 128, message, startedAt, finishedAt,
        false, null);
  }

  public ContainerState paused(boolean paused) {
    return new ContainerState(paused ? "paused" : "running", pid, exitCode, error, startedAt, finishedAt, oomKilled,
        health);
  }

  public ContainerState restarting() {
    return new ContainerState("restarting", 0, exitCode, error, startedAt, finishedAt, oomKilled, health);
  }

  public ContainerState removing() {
    return new ContainerState("removing", pid, exitCode, error, startedAt, finishedAt, oomKilled, health);
  }
}
