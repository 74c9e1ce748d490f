package dev.berth.daemon.containers;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.NotFound;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Restart policies at work: a "restarting" container waits its backoff ({@link RestartPolicy#delay})
 * on a virtual thread, then is started unless it was stopped or its removal began meanwhile; a
 * removal cuts the wait short.
 */
final class Restarts {
  private final ContainerStore store;
  private final ContainerLocks locks;
  private final Consumer<String> start;
  private final Map<String, Duration> delays = new ConcurrentHashMap<>();
  private final Map<String, Thread> timers = new ConcurrentHashMap<>();

  Restarts(ContainerStore store, ContainerLocks locks, Consumer<String> start) {
    this.store = store;
    this.locks = locks;
    this.start = start;
  }

  /** After a run of {@code ran}: the next wait of the container's backoff. */
  void afterRun(String id, Duration ran) {
    schedule(id, RestartPolicy.delay(delays.get(id), ran));
  }

  /** Starts a "restarting" container after {@code delay}, unless it was stopped or is being removed by then. */
  void schedule(String id, Duration delay) {
    delays.put(id, delay);
    Thread timer = Thread.ofVirtual().name("restart-" + id.substring(0, 12)).unstarted(() -> {
      try {
        Thread.sleep(delay);
        synchronized (locks.of(id)) {
          timers.remove(id, Thread.currentThread());
          Container c = store.get(id);
          if (!c.state().status().equals("restarting") || locks.beingRemoved(id)) return;
          store.save(c.restarted());
        }
        start.accept(id);
      } catch (InterruptedException e) {
        // cancelled by a removal
      } catch (NotFound e) {
        // removed meanwhile
      } catch (BerthException e) {
        if (!locks.beingRemoved(id)) System.err.println("berthd: cannot restart " + id + ": " + e.getMessage());
      }
    });
    timers.put(id, timer);
    timer.start();
  }

  /** The container's run ended without a restart: its backoff starts over. */
  void reset(String id) {
    delays.remove(id);
  }

  /**
   * Its removal has begun: a wait in progress ends now. (A restart past its wait finds the removal
   * marked under the container's lock, and so does a start.)
   */
  void cancel(String id) {
    delays.remove(id);
    Thread timer = timers.remove(id);
    if (timer != null) timer.interrupt();
  }
}
