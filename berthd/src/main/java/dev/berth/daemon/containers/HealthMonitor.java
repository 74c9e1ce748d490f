package dev.berth.daemon.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.berth.common.error.BerthException;
import dev.berth.daemon.exec.ExecProcessBuilder;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.shim.Attachment;
import dev.berth.supervisor.shim.ShimClient;
import dev.berth.supervisor.shim.StreamFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Docker's healthchecks: while a container runs, its probe runs as an exec every interval; the
 * result moves State.Health between starting, healthy and unhealthy, with an event on each change.
 * One virtual thread per container with a healthcheck; it ends with the run it was started for, or
 * when the container's removal cancels it. Results are recorded under the container's lock, so that
 * one never writes back the state it read before the container exited.
 */
final class HealthMonitor {
  static final String EXEC_ID = "healthcheck";
  private static final int MAX_OUTPUT = 4096;

  /** A healthcheck as Config.Healthcheck gives it (durations in nanoseconds there). */
  record Check(List<String> command, Duration interval, Duration timeout, Duration startPeriod, int retries) {
    static Optional<Check> of(JsonNode healthcheck) {
      List<String> test = new ArrayList<>();
      healthcheck.path("Test").forEach(n -> test.add(n.asText()));
      if (test.isEmpty() || test.get(0).equals("NONE")) return Optional.empty();
      List<String> command = switch (test.get(0)) {
        case "CMD" -> test.subList(1, test.size());
        case "CMD-SHELL" -> List.of("/bin/sh", "-c", String.join(" ", test.subList(1, test.size())));
        default -> test;
      };
      if (command.isEmpty()) return Optional.empty();
      return Optional.of(new Check(command, nanos(healthcheck, "Interval", 30), nanos(healthcheck, "Timeout", 30),
          nanos(healthcheck, "StartPeriod", 0), healthcheck.path("Retries").asInt(0) > 0
              ? healthcheck.get("Retries").asInt() : 3));
    }

    private static Duration nanos(JsonNode h, String field, long defaultSeconds) {
      long n = h.path(field).asLong(0);
      return n > 0 ? Duration.ofNanos(n) : Duration.ofSeconds(defaultSeconds);
    }
  }

  /** How long a removal waits for a probe in flight to notice its cancellation. */
  private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final ContainerLocks locks;
  private final Map<String, Thread> monitors = new ConcurrentHashMap<>();

  HealthMonitor(ContainerStore store, SupervisorClient supervisor, ContainerEvents events, ContainerLocks locks) {
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    this.locks = locks;
  }

  /** Starts probing the container's current run, if it has a healthcheck. */
  void watch(Container c) {
    Optional<Check> check = Check.of(c.config().path("Healthcheck"));
    if (check.isEmpty()) return;
    Instant run = c.state().startedAt();
    update(c.id(), run, h -> Health.starting());
    Thread monitor = Thread.ofVirtual().name("health-" + c.shortId()).unstarted(() -> loop(c.id(), run, check.get()));
    monitors.put(c.id(), monitor);
    monitor.start();
  }

  /**
   * Ends the container's health checks (its removal has begun): a probe in flight is interrupted and
   * waited for, and no result is recorded after this returns.
   */
  void cancel(String id) {
    Thread monitor = monitors.remove(id);
    if (monitor == null) return;
    monitor.interrupt();
    try {
      if (!monitor.join(CANCEL_WAIT)) {
        System.err.println("berthd: the health check of " + id + " did not end in " + CANCEL_WAIT.toSeconds() + "s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void loop(String id, Instant run, Check check) {
    Instant started = Instant.now();
    try {
      while (sleep(check.interval()) && current(id, run)) {
        Health.Probe probe = probe(id, check);
        boolean inStartPeriod = Instant.now().isBefore(started.plus(check.startPeriod()));
        update(id, run, h -> (h == null ? Health.starting() : h).after(probe, check.retries(), inStartPeriod));
      }
    } finally {
      monitors.remove(id, Thread.currentThread());
    }
  }

  private Health.Probe probe(String id, Check check) {
    Instant start = Instant.now();
    StringBuilder output = new StringBuilder();
    int code;
    try {
      Container c = store.get(id);
      ShimClient shim = new ShimClient(Path.of(supervisor.getTask(id).getStateDir())).exec(EXEC_ID);
      byte[] process = ExecProcessBuilder.forCommand(supervisor.container(id).getSpec().toByteArray(), id,
          check.command());
      String user = c.config().path("User").asText("");
      supervisor.exec(id, EXEC_ID, process, user.isEmpty() ? "root" : user, false, false);
      try (Attachment a = shim.attach(false, true, true, false, false)) {
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> collect(a, output),
            r -> Thread.ofVirtual().start(r));
        try {
          code = shim.onExit().get(check.timeout().toMillis(), TimeUnit.MILLISECONDS).exitCode();
          read.get(1, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          shim.kill(9);
          code = -1;
          output.setLength(0);
          output.append("Health check exceeded timeout (").append(check.timeout().toSeconds()).append("s)");
        }
      }
    } catch (BerthException | IOException | java.util.concurrent.ExecutionException e) {
      code = -1;
      output.append(e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      code = -1;
    }
    return new Health.Probe(start, Instant.now(), code, output.toString());
  }

  private static void collect(Attachment a, StringBuilder output) {
    try {
      Optional<StreamFrame> f;
      while ((f = a.nextFrame()).isPresent()) {
        synchronized (output) {
          if (output.length() < MAX_OUTPUT) output.append(new String(f.get().payload(), StandardCharsets.UTF_8));
        }
      }
    } catch (IOException e) {
      // the probe ended; what was read is its output
    }
  }

  private void update(String id, Instant run, java.util.function.UnaryOperator<Health> change) {
    Container after;
    String before;
    synchronized (locks.of(id)) {
      if (!current(id, run) || locks.beingRemoved(id)) return;
      Container c = store.get(id);
      before = c.state().health() == null ? null : c.state().health().status();
      after = c.withState(c.state().withHealth(change.apply(c.state().health())));
      store.save(after);
    }
    String now = after.state().health().status();
    if (!now.equals(before)) events.publish(after, "health_status: " + now);
  }

  /** Whether the container is still in the run this monitor was started for. */
  private boolean current(String id, Instant run) {
    try {
      Container c = store.get(id);
      return c.state().running() && run != null && run.equals(c.state().startedAt());
    } catch (dev.berth.common.error.NotFound e) {
      return false;
    }
  }

  private static boolean sleep(Duration d) {
    try {
      Thread.sleep(d);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
