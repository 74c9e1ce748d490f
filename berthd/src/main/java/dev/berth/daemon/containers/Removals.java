package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.NotFound;
import dev.berth.supervisor.client.SupervisorClient;
import java.util.function.Consumer;

/**
 * Removing a container: it is marked first, under its lock (as every start checks), so from then on
 * no start, restart policy or health check touches it; a running one is killed, then its supervisor
 * side, record, waiters and lock go.
 */
final class Removals {
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final ContainerLocks locks;
  private final Restarts restarts;
  private final HealthMonitor health;
  private final Stops stops;
  private final ExitWatches watches;
  private final Attaches attaches;
  /** Told of each container removed (after its snapshot went): what it stood on may be garbage now. */
  private final Consumer<Container> removed;

  Removals(ContainerStore store, SupervisorClient supervisor, ContainerEvents events, ContainerLocks locks,
      Restarts restarts, HealthMonitor health, Stops stops, ExitWatches watches, Attaches attaches,
      Consumer<Container> removed) {
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    this.locks = locks;
    this.restarts = restarts;
    this.health = health;
    this.stops = stops;
    this.watches = watches;
    this.attaches = attaches;
    this.removed = removed;
  }

  void remove(String ref, boolean force) {
    Container c = mark(store.get(ref), force);
    boolean running = c.state().running();
    try {
      // Marked: nothing starts it again. What would try is stopped before its exit is awaited.
      restarts.cancel(c.id());
      health.cancel(c.id());
      if (running) stops.killAndWait(c);
      c = delete(c.id());
    } finally {
      locks.endRemoval(c.id());
    }
    removed.accept(c);
  }

  /** Marks the removal begun, refusing a running or restarting container unless forced; returns its record then. */
  private Container mark(Container c, boolean force) {
    synchronized (locks.of(c.id())) {
      c = store.get(c.id());
      boolean running = c.state().running();
      boolean restarting = c.state().status().equals("restarting");
      if ((running || restarting) && !force) {
        throw new Conflict("cannot remove container \"" + c.name() + "\": container is "
            + (restarting ? "restarting" : "running") + ": stop the container before removing or force remove");
      }
      if (!locks.startRemoval(c.id())) {
        throw new Conflict("removal of container " + c.name() + " is already in progress");
      }
      return c;
    }
  }

  /** The container no longer runs: its supervisor side and record go, and whoever waits on it is told. */
  private Container delete(String id) {
    synchronized (locks.of(id)) {
      Container c = store.get(id);
      if (c.state().running()) throw new Conflict("container " + c.id() + " was started again while being removed");
      // Recorded so that a daemon that dies now finishes the removal when it restarts. A --rm container
      // needs no mark: one found stopped at start-up is removed anyway (LiveRestore), and its exit was
      // just recorded, so `docker run --rm` saves a write.
      if (!c.autoRemove()) store.save(c.withState(c.state().removing()));
      try {
        supervisor.deleteContainer(c.id());
      } catch (NotFound e) {
        // a create cut short: nothing on the supervisor's side
      }
      store.remove(c.id());
      events.publish(c, "destroy");
      attaches.fail(c.id(), new NotFound("container " + c.id() + " was removed"));
      watches.removed(c.id(), c.state().exitCode());
      locks.forget(c.id());
      return c;
    }
  }

  /** As Docker does: a --rm container that could not start is removed, which `docker run --rm` waits for. */
  void removeAfterFailedStart(String id) {
    Thread.ofVirtual().start(() -> {
      try {
        remove(id, true);
      } catch (BerthException e) {
        System.err.println("berthd: cannot remove " + id + " after its failed start: " + e.getMessage());
      }
    });
  }
}
