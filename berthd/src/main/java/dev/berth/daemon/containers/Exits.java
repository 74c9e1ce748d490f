package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.Unavailable;
import dev.berth.supervisor.api.v1.ExitStatus;
import dev.berth.supervisor.client.SupervisorClient;
import java.time.Duration;
import java.time.Instant;

/**
 * How each run ends: one virtual thread per running container waits on its task, then records the
 * exit code and time and decides what follows, a policy restart, an auto-remove (--rm) or nothing.
 */
final class Exits {
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final ContainerLocks locks;
  private final ExitWatches watches;
  private final Restarts restarts;
  private final Removals removals;
  /** Set while the daemon stops its containers on the way down: their exits restart nothing. */
  private volatile boolean shuttingDown;

  Exits(ContainerStore store, SupervisorClient supervisor, ContainerEvents events, ContainerLocks locks,
      ExitWatches watches, Restarts restarts, Removals removals) {
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    this.locks = locks;
    this.watches = watches;
    this.restarts = restarts;
    this.removals = removals;
  }

  /** The daemon is going down and stops its containers: no exit from now on restarts one. */
  void shuttingDown() {
    shuttingDown = true;
  }

  /** Waits on the running container's task, on a virtual thread, and records its exit. */
  void follow(String id) {
    Thread.ofVirtual().name("exit-" + id.substring(0, 12)).start(() -> {
      Duration backoff = Duration.ofMillis(100);
      while (true) {
        try {
          exited(id, supervisor.waitExit(id));
          return;
        } catch (Unavailable e) {
          // A standalone supervisor restarting: the container still runs under its shim; ask again.
          if (!stillRunning(id)) return;
          sleep(backoff);
          backoff = backoff.multipliedBy(2).compareTo(Duration.ofSeconds(2)) > 0 ? Duration.ofSeconds(2)
              : backoff.multipliedBy(2);
        } catch (BerthException e) {
          System.err.println("berthd: lost track of container " + id + ": " + e.getMessage());
          return;
        }
      }
    });
  }

  private boolean stillRunning(String id) {
    try {
      return store.get(id).state().running();
    } catch (NotFound e) {
      return false;
    }
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The run ended: its task goes, the exit is recorded and announced, then restarted or auto-removed. */
  void exited(String id, ExitStatus exit) {
    Container c;
    boolean restart;
    boolean beingRemoved;
    synchronized (locks.of(id)) {
      deleteTask(id);
      c = store.get(id);
      Instant at = Instant.ofEpochSecond(exit.getExitedAt().getSeconds(), exit.getExitedAt().getNanos());
      c = c.withState(c.state().exited(exit.getExitCode(), at).withError(exit.getError()));
      // Decided before the exit is announced: a removal waiting for it must find no restart coming.
      beingRemoved = locks.beingRemoved(id);
      restart = !shuttingDown && !beingRemoved
          && RestartPolicy.of(c.hostConfig()).restarts(exit.getExitCode(), c.restartCount(), c.manuallyStopped());
      if (restart) {
        store.save(c.withState(c.state().restarting()));
      } else if (c.autoRemove()) {
        store.hold(c); // removed next: a write fewer per `docker run --rm`
      } else {
        store.save(c);
      }
    }
    events.publish(c, "die", "exitCode", Integer.toString(exit.getExitCode()));
    watches.of(id).exited(exit.getExitCode());
    if (restart) {
      Instant started = c.state().startedAt();
      Duration ran = started == null ? Duration.ZERO
          : Duration.between(started, c.state().finishedAt());
      restarts.afterRun(id, ran);
      return;
    }
    restarts.reset(id);
    if (c.autoRemove() && !beingRemoved) autoRemove(id);
  }

  private void deleteTask(String id) {
    try {
      supervisor.deleteTask(id);
    } catch (NotFound e) {
      // removed meanwhile (rm -f), task and all
    } catch (BerthException e) {
      System.err.println("berthd: cannot delete the task of " + id + ": " + e.getMessage());
    }
  }

  private void autoRemove(String id) {
    try {
      removals.remove(id, true);
    } catch (BerthException e) {
      System.err.println("berthd: cannot auto-remove " + id + ": " + e.getMessage());
    }
  }
}
