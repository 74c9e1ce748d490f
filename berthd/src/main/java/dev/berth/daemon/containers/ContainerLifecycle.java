package dev.berth.daemon.containers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.shim.Attachment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A container's life through the supervisor, as the API and the daemon see it: it wires the parts
 * ({@link Starts}, {@link Stops}, {@link Exits}, {@link Removals}, {@link LiveRestore}, {@link Attaches},
 * {@link Restarts}, {@link HealthMonitor}) around one set of {@link ContainerLocks}, and does the
 * small changes of a container's settings itself.
 */
public final class ContainerLifecycle {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final ContainerLocks locks = new ContainerLocks();
  private final ExitWatches watches = new ExitWatches();
  private final Attaches attaches;
  private final Stops stops;
  private final Removals removals;
  private final Exits exits;
  private final Starts starts;
  private final LiveRestore liveRestore;

  public ContainerLifecycle(ContainerStore store, SupervisorClient supervisor, ContainerEvents events) {
    this(store, supervisor, events, c -> {});
  }

  /** @param removed told of each container removed (after its snapshot went): what it stood on may be garbage now */
  public ContainerLifecycle(ContainerStore store, SupervisorClient supervisor, ContainerEvents events,
      Consumer<Container> removed) {
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    HealthMonitor health = new HealthMonitor(store, supervisor, events, locks);
    Restarts restarts = new Restarts(store, locks, this::start);
    attaches = new Attaches(store, supervisor, locks);
    stops = new Stops(store, supervisor, events, locks, watches);
    removals = new Removals(store, supervisor, events, locks, restarts, health, stops, watches, attaches, removed);
    exits = new Exits(store, supervisor, events, locks, watches, restarts, removals);
    starts = new Starts(store, supervisor, events, locks, attaches, exits, health, removals);
    liveRestore = new LiveRestore(store, supervisor, restarts, starts, exits, health, removals);
  }

  /** After a daemon restart: running containers are followed again, ones that exited meanwhile recorded. */
  public void restore() {
    liveRestore.restore();
  }

  /** @return false if it was already running (Docker answers 304) */
  public boolean start(String ref) {
    return starts.start(ref);
  }

  /**
   * Sends the stop signal, waits up to {@code timeoutSeconds} (negative: forever), then kills.
   *
   * @return false if it was not running (Docker answers 304)
   */
  public boolean stop(String ref, Integer timeoutSeconds, String signal) {
    return stops.stop(ref, timeoutSeconds, signal);
  }

  /**
   * Without live restore, the daemon stops its containers as it goes down; their exits restart
   * nothing, and their restart policies bring them back at its next start.
   */
  public void stopAllForShutdown() {
    exits.shuttingDown();
    stops.stopAllForShutdown();
  }

  public void restart(String ref, Integer timeoutSeconds, String signal) {
    stop(ref, timeoutSeconds, signal);
    start(ref);
    events.publish(store.get(ref), "restart");
  }

  public void kill(String ref, String signal) {
    stops.kill(ref, signal);
  }

  /** The future `wait` answers with: next-exit, removed, or (the default) not-running. */
  public CompletableFuture<Integer> waitFor(String ref, String condition) {
    Container c = store.get(ref);
    ExitWatch w = watches.of(c.id());
    return switch (condition == null || condition.isEmpty() ? "not-running" : condition) {
      case "next-exit" -> w.nextExit();
      case "removed" -> w.removed;
      case "not-running" -> c.state().running() ? w.nextExit() : CompletableFuture.completedFuture(c.state().exitCode());
      default -> throw new InvalidArgument("invalid condition: \"" + condition + "\"");
    };
  }

  public void remove(String ref, boolean force) {
    removals.remove(ref, force);
  }

  /** An attach: now if the container runs, else once it starts. */
  public CompletableFuture<Attachment> attach(String ref, boolean stdin, boolean stdout,
      boolean stderr) {
    return attaches.attach(ref, stdin, stdout, stderr);
  }

  public void pause(String ref, boolean pause) {
    Container c = store.get(ref);
    synchronized (lock(c.id())) {
      c = store.get(c.id());
      if (!c.state().running()) throw new Conflict("Container " + c.id() + " is not running");
      boolean paused = c.state().status().equals("paused");
      if (pause && paused) throw new Conflict("Container " + c.id() + " is already paused");
      if (!pause && !paused) throw new Conflict("Container " + c.id() + " is not paused");
      if (pause) supervisor.pause(c.id());
      else supervisor.resume(c.id());
      store.save(c.withState(c.state().paused(pause)));
      events.publish(c, pause ? "pause" : "unpause");
    }
  }

  /** HostConfig fields `docker update` may change. */
  private static final List<String> UPDATABLE = List.of("Memory", "MemorySwap",
      "MemoryReservation", "CpuShares", "CpuQuota", "CpuPeriod", "NanoCpus", "CpusetCpus", "CpusetMems", "PidsLimit",
      "BlkioWeight", "RestartPolicy");

  /** `docker update`: new limits (and restart policy), kept for later starts and applied if it runs. */
  public void update(String ref, ObjectNode body) {
    Container c = store.get(ref);
    synchronized (lock(c.id())) {
      c = store.get(c.id());
      ObjectNode hc = c.hostConfig().deepCopy();
      for (String field : UPDATABLE) {
        JsonNode v = body.get(field);
        boolean unset = v == null || v.isNull() || (v.isNumber() && v.asLong() == 0 && !field.equals("PidsLimit"))
            || (v.isTextual() && v.asText().isEmpty()) || (field.equals("RestartPolicy") && v.path("Name").asText("").isEmpty());
        if (!unset) hc.set(field, v.deepCopy());
      }
      RestartPolicy.of(hc);
      ObjectNode resources = Resources.of(hc, false);
      resources.remove("devices");
      try {
        supervisor.update(c.id(), JSON.writeValueAsBytes(resources));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
      store.save(c.withHostConfig(hc));
      events.publish(c, "update");
    }
  }

  public void rename(String ref, String newName) {
    Container c = store.get(ref);
    synchronized (lock(c.id())) {
      store.rename(c.id(), ContainerStore.checkName(newName));
      events.publish(store.get(c.id()), "rename", "oldName", c.name());
    }
  }

  public void resize(String ref, int rows, int cols) {
    Container c = store.get(ref);
    if (!c.state().running()) throw new Conflict("Container " + c.id() + " is not running");
    supervisor.resize(c.id(), rows, cols);
  }

  private Object lock(String id) {
    return locks.of(id);
  }
}
