package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.signal.Signals;
import dev.berth.supervisor.client.SupervisorClient;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Ending a container's run by signal (stop, kill, the daemon's shutdown, a forced removal): a signal
 * that finds the process already gone is the outcome wanted, and the exit is awaited only if it was
 * not recorded before the wait began.
 */
final class Stops {
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final ContainerLocks locks;
  private final ExitWatches watches;

  Stops(ContainerStore store, SupervisorClient supervisor, ContainerEvents events, ContainerLocks locks,
      ExitWatches watches) {
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    this.locks = locks;
    this.watches = watches;
  }

  /**
   * Sends the stop signal, waits up to {@code timeoutSeconds} (negative: forever), then kills.
   *
   * @return false if it was not running (Docker answers 304)
   */
  boolean stop(String ref, Integer timeoutSeconds, String signal) {
    Container c = markStopped(store.get(ref));
    if (c.state().status().equals("restarting")) {
      store.save(c.withState(c.state().exited(c.state().exitCode(), Instant.now())));
      return true;
    }
    if (!c.state().running()) return false;
    stopRunning(c, timeoutSeconds, signal);
    events.publish(c, "stop");
    return true;
  }

  private void stopRunning(Container c, Integer timeoutSeconds, String signal) {
    CompletableFuture<Integer> exit = watches.of(c.id()).nextExit();
    if (exitedMeanwhile(c)) return;
    String sig = signal != null ? signal : c.config().path("StopSignal").asText("SIGTERM");
    int timeout = timeoutSeconds != null ? timeoutSeconds : c.config().path("StopTimeout").asInt(10);
    end(c, Signals.parse(sig));
    try {
      if (timeout < 0) {
        exit.join();
      } else {
        exit.get(timeout, TimeUnit.SECONDS);
      }
    } catch (TimeoutException e) {
      end(c, 9);
      exit.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      // an exit is never completed exceptionally
    }
  }

  /** A removal's stop: SIGKILL, then the exit recorded (so no restart decision is still to come). */
  void killAndWait(Container c) {
    CompletableFuture<Integer> exit = watches.of(c.id()).nextExit();
    if (!exitedMeanwhile(c)) {
      end(c, 9);
      exit.join();
    }
  }

  /**
   * Without live restore, the daemon stops its containers as it goes down: all at once, each with its
   * own stop signal and timeout. They are not marked as stopped by a user, so their restart policies
   * bring them back when the daemon starts again, as Docker's do.
   */
  void stopAllForShutdown() {
    List<Thread> stoppers = new ArrayList<>();
    for (Container c : store.all()) {
      if (!c.state().running()) continue;
      stoppers.add(Thread.ofVirtual().name("shutdown-" + c.id().substring(0, 12)).start(() -> {
        try {
          stopRunning(c, null, null);
        } catch (BerthException e) {
          System.err.println("berthd: cannot stop " + c.id() + ": " + e.getMessage());
        }
      }));
    }
    for (Thread t : stoppers) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  void kill(String ref, String signal) {
    Container c = store.get(ref);
    if (!c.state().running()) throw new Conflict("Cannot kill container: " + c.id() + ": container " + c.id()
        + " is not running");
    markStopped(c);
    int number = Signals.parse(signal == null || signal.isEmpty() ? "SIGKILL" : signal);
    signal(c, number);
    events.publish(c, "kill", "signal", Integer.toString(number));
  }

  private void signal(Container c, int signal) {
    try {
      supervisor.kill(c.id(), signal);
    } catch (Conflict e) {
      throw new Conflict("Container " + c.id() + " is not running", e);
    }
  }

  /**
   * Whether the exit was recorded before the caller took the exit future: then that future waits
   * for the exit after next, and must not be waited on (the exit is saved before the watch moves on).
   */
  private boolean exitedMeanwhile(Container c) {
    return !store.get(c.id()).state().running();
  }

  /**
   * A signal meant to end the container: if its process has just exited (its exit is not recorded
   * yet), that is the outcome wanted, not an error.
   */
  private void end(Container c, int signal) {
    try {
      supervisor.kill(c.id(), signal);
    } catch (Conflict e) {
      // already exited; the exit watch completes when the exit is recorded
    }
  }

  /** A user's stop or kill: the restart policy (and the daemon's next start) leave it stopped. */
  private Container markStopped(Container c) {
    synchronized (locks.of(c.id())) {
      Container now = store.get(c.id()).withManualStop(true);
      store.save(now);
      return now;
    }
  }
}
