package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.client.SupervisorClient;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Starting a container's run (a user's start, a restart policy's, the daemon's own at start-up): the
 * task is made, waiting attaches connect before its process runs, and its exit and health are followed.
 */
final class Starts {
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final ContainerLocks locks;
  private final Attaches attaches;
  private final Exits exits;
  private final HealthMonitor health;
  private final Removals removals;

  Starts(ContainerStore store, SupervisorClient supervisor, ContainerEvents events, ContainerLocks locks,
      Attaches attaches, Exits exits, HealthMonitor health, Removals removals) {
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    this.locks = locks;
    this.attaches = attaches;
    this.exits = exits;
    this.health = health;
    this.removals = removals;
  }

  /** @return false if it was already running (Docker answers 304) */
  boolean start(String ref) {
    Container c = store.get(ref);
    synchronized (locks.of(c.id())) {
      c = store.get(c.id());
      if (c.state().running()) return false;
      if (c.state().status().equals("removing") || locks.beingRemoved(c.id())) {
        throw new Conflict("container is marked for removal and cannot be started");
      }
      boolean stdin = c.config().path("OpenStdin").asBoolean(false);
      Task task;
      try {
        task = supervisor.createTask(c.id(), c.tty(), stdin, logMaxSize(c), logMaxFiles(c));
        attaches.connect(c, Path.of(task.getStateDir()));
        task = supervisor.start(c.id());
      } catch (BerthException e) {
        failed(c, e);
        throw e;
      }
      store.save(c.withManualStop(false).withState(c.state().started(task.getPid(), Instant.now())));
      events.publish(c, "start");
      exits.follow(c.id());
      health.watch(store.get(c.id()));
      return true;
    }
  }

  /** The start failed: no task is left, the error is recorded, and a --rm container goes. */
  private void failed(Container c, BerthException e) {
    attaches.fail(c.id(), e);
    try {
      supervisor.deleteTask(c.id());
    } catch (BerthException cleanup) {
      // no task was made, or it is gone already
    }
    store.save(c.withState(c.state().failed(e.getMessage())));
    if (c.autoRemove()) removals.removeAfterFailedStart(c.id());
  }

  private static long logMaxSize(Container c) {
    String size = c.hostConfig().path("LogConfig").path("Config").path("max-size").asText("");
    return size.isEmpty() ? 0 : ByteSizes.parse(size);
  }

  private static int logMaxFiles(Container c) {
    String files = c.hostConfig().path("LogConfig").path("Config").path("max-file").asText("");
    return files.isEmpty() ? 0 : Integer.parseInt(files);
  }
}
