package dev.berth.daemon.containers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.BerthException;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.Unavailable;
import dev.berth.common.signal.Signals;
import dev.berth.supervisor.api.v1.ExitStatus;
import dev.berth.supervisor.api.v1.Task;
import dev.berth.supervisor.api.v1.TaskStatus;
import dev.berth.supervisor.client.SupervisorClient;
import dev.berth.supervisor.shim.Attachment;
import dev.berth.supervisor.shim.ShimClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Starting, stopping and removing containers through the supervisor, and following their exits:
 * one virtual thread per running container waits on its task and records how it ended. A removal
 * first marks the container (under its lock, as every start checks): from then on no start, restart
 * policy or health check touches it.
 */
public final class ContainerLifecycle {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ContainerStore store;
  private final SupervisorClient supervisor;
  private final ContainerEvents events;
  private final HealthMonitor health;
  private final Map<String, ExitWatch> watches = new ConcurrentHashMap<>();
  private final Map<String, List<PendingAttach>> pending = new ConcurrentHashMap<>();
  private final ContainerLocks locks = new ContainerLocks();
  private final Restarts restarts;
  /** Told of each container removed (after its snapshot went): what it stood on may be garbage now. */
  private final Consumer<Container> removed;
  /** Set while the daemon stops its containers on the way down: their exits restart nothing. */
  private volatile boolean shuttingDown;

  public ContainerLifecycle(ContainerStore store, SupervisorClient supervisor, ContainerEvents events) {
    this(store, supervisor, events, c -> {});
  }

  public ContainerLifecycle(ContainerStore store, SupervisorClient supervisor, ContainerEvents events,
      Consumer<Container> removed) {
    this.removed = removed;
    this.store = store;
    this.supervisor = supervisor;
    this.events = events;
    this.health = new HealthMonitor(store, supervisor, events, locks);
    this.restarts = new Restarts(store, locks, this::start);
  }

  /** After a daemon restart: running containers are followed again, ones that exited meanwhile recorded. */
  public void restore() {
    for (Container c : store.all()) {
      if (c.state().status().equals("removing")) {
        // The daemon died during a remove: finish it.
        remove(c.id(), true);
        System.err.println("berthd: finished removing container " + c.id());
        continue;
      }
      try {
        supervisor.container(c.id());
      } catch (NotFound e) {
        // The daemon records a container before the supervisor makes it: a create cut short leaves this.
        store.remove(c.id());
        System.err.println("berthd: dropped container " + c.id() + ", whose creation did not complete");
        continue;
      }
      if (c.state().status().equals("restarting")) restarts.schedule(c.id(), RestartPolicy.FIRST_DELAY);
      if (!c.state().running()) {
        dropStaleTask(c.id());
        startIfPolicyWants(c);
        continue;
      }
      try {
        Task task = supervisor.getTask(c.id());
        if (task.getStatus() == TaskStatus.TASK_STATUS_STOPPED) {
          exited(c.id(), task.getExit());
        } else {
          follow(c.id());
          health.watch(c);
        }
      } catch (NotFound e) {
        store.save(c.withState(c.state().exited(255, Instant.now())));
      }
    }
  }

  /**
   * A container berthd does not hold running may still have a task: berthd died in the middle of its
   * start (before recording it) or its creation. As dockerd does, that task is ended and deleted, so
   * that nothing runs, is mounted or has a cgroup without the daemon knowing.
   */
  private void dropStaleTask(String id) {
    try {
      Task task = supervisor.getTask(id);
      if (task.getStatus() == TaskStatus.TASK_STATUS_RUNNING || task.getStatus() == TaskStatus.TASK_STATUS_PAUSED) {
        supervisor.kill(id, 9);
        supervisor.waitExit(id);
      }
    } catch (NotFound e) {
      // none, or only leftovers: the delete below removes those
    }
    try {
      supervisor.deleteTask(id);
      System.err.println("berthd: deleted the leftover task of container " + id + ", which is not running");
    } catch (NotFound e) {
      // nothing was left
    } catch (BerthException e) {
      System.err.println("berthd: cannot delete the stale task of " + id + ": " + e.getMessage());
    }
  }

  /**
   * A container that was running when the daemon (or the machine) went down and whose policy is
   * always, or unless-stopped without a user's stop, is started again, as dockerd does at start-up.
   */
  private void startIfPolicyWants(Container c) {
    String policy = RestartPolicy.of(c.hostConfig()).name();
    boolean wanted = c.state().startedAt() != null && !c.manuallyStopped()
        && (policy.equals("always") || policy.equals("unless-stopped"));
    if (!wanted) return;
    Thread.ofVirtual().name("restore-" + c.id().substring(0, 12)).start(() -> {
      try {
        start(c.id());
      } catch (BerthException e) {
        System.err.println("berthd: cannot start " + c.id() + " again: " + e.getMessage());
      }
    });
  }

  /** @return false if it was already running (Docker answers 304) */
  public boolean start(String ref) {
    Container c = store.get(ref);
    synchronized (lock(c.id())) {
      c = store.get(c.id());
      if (c.state().running()) return false;
      if (c.state().status().equals("removing") || locks.beingRemoved(c.id())) {
        throw new Conflict("container is marked for removal and cannot be started");
      }
      boolean stdin = c.config().path("OpenStdin").asBoolean(false);
      Task task;
      try {
        task = supervisor.createTask(c.id(), c.tty(), stdin, logMaxSize(c), logMaxFiles(c));
        connectPending(c, Path.of(task.getStateDir()));
        task = supervisor.start(c.id());
      } catch (BerthException e) {
        failPending(c.id(), e);
        try {
          supervisor.deleteTask(c.id());
        } catch (BerthException cleanup) {
          // no task was made, or it is gone already
        }
        store.save(c.withState(c.state().failed(e.getMessage())));
        if (c.autoRemove()) removeAfterFailedStart(c.id());
        throw e;
      }
      store.save(c.withManualStop(false).withState(c.state().started(task.getPid(), Instant.now())));
      events.publish(c, "start");
      follow(c.id());
      health.watch(store.get(c.id()));
      return true;
    }
  }

  /**
   * Sends the stop signal, waits up to {@code timeoutSeconds} (negative: forever), then kills.
   *
   * @return false if it was not running (Docker answers 304)
   */
  public boolean stop(String ref, Integer timeoutSeconds, String signal) {
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
    CompletableFuture<Integer> exit = watch(c.id()).nextExit();
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

  /**
   * Without live restore, the daemon stops its containers as it goes down: all at once, each with its
   * own stop signal and timeout. They are not marked as stopped by a user, so their restart policies
   * bring them back when the daemon starts again, as Docker's do.
   */
  public void stopAllForShutdown() {
    shuttingDown = true;
    List<Thread> stoppers = new java.util.ArrayList<>();
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

  public void restart(String ref, Integer timeoutSeconds, String signal) {
    stop(ref, timeoutSeconds, signal);
    start(ref);
    events.publish(store.get(ref), "restart");
  }

  public void kill(String ref, String signal) {
    Container c = store.get(ref);
    if (!c.state().running()) throw new Conflict("Cannot kill container: " + c.id() + ": container " + c.id()
        + " is not running");
    markStopped(c);
    int number = Signals.parse(signal == null || signal.isEmpty() ? "SIGKILL" : signal);
    signal(c, number);
    events.publish(c, "kill", "signal", Integer.toString(number));
  }

  /** The future `wait` answers with: next-exit, removed, or (the default) not-running. */
  public CompletableFuture<Integer> waitFor(String ref, String condition) {
    Container c = store.get(ref);
    ExitWatch w = watch(c.id());
    return switch (condition == null || condition.isEmpty() ? "not-running" : condition) {
      case "next-exit" -> w.nextExit();
      case "removed" -> w.removed;
      case "not-running" -> c.state().running() ? w.nextExit() : CompletableFuture.completedFuture(c.state().exitCode());
      default -> throw new InvalidArgument("invalid condition: \"" + condition + "\"");
    };
  }

  public void remove(String ref, boolean force) {
    Container c = store.get(ref);
    boolean running;
    synchronized (lock(c.id())) {
      c = store.get(c.id());
      running = c.state().running();
      boolean restarting = c.state().status().equals("restarting");
      if ((running || restarting) && !force) {
        throw new Conflict("cannot remove container \"" + c.name() + "\": container is "
            + (restarting ? "restarting" : "running") + ": stop the container before removing or force remove");
      }
      if (!locks.startRemoval(c.id())) {
        throw new Conflict("removal of container " + c.name() + " is already in progress");
      }
    }
    try {
      // Marked: nothing starts it again. What would try is stopped before its exit is awaited.
      restarts.cancel(c.id());
      health.cancel(c.id());
      if (running) {
        CompletableFuture<Integer> exit = watch(c.id()).nextExit();
        if (!exitedMeanwhile(c)) {
          end(c, 9);
          exit.join();
        }
      }
      synchronized (lock(c.id())) {
        c = store.get(c.id());
        if (c.state().running()) throw new Conflict("container " + c.id() + " was started again while being removed");
        store.save(c.withState(c.state().removing()));
        try {
          supervisor.deleteContainer(c.id());
        } catch (NotFound e) {
          // a create cut short: nothing on the supervisor's side
        }
        store.remove(c.id());
        events.publish(c, "destroy");
        failPending(c.id(), new NotFound("container " + c.id() + " was removed"));
        ExitWatch w = watches.remove(c.id());
        if (w != null) w.removed.complete(c.state().exitCode());
        locks.forget(c.id());
      }
    } finally {
      locks.endRemoval(c.id());
    }
    removed.accept(c);
  }

  /** As Docker does: a --rm container that could not start is removed, which `docker run --rm` waits for. */
  private void removeAfterFailedStart(String id) {
    Thread.ofVirtual().start(() -> {
      try {
        remove(id, true);
      } catch (BerthException e) {
        System.err.println("berthd: cannot remove " + id + " after its failed start: " + e.getMessage());
      }
    });
  }

  /** An attach: now if the container runs, else once it starts. */
  public CompletableFuture<Attachment> attach(String ref, boolean stdin, boolean stdout,
      boolean stderr) {
    Container c = store.get(ref);
    synchronized (lock(c.id())) {
      c = store.get(c.id());
      if (c.state().running()) {
        Task task = supervisor.getTask(c.id());
        return CompletableFuture.completedFuture(new ShimClient(Path.of(task.getStateDir()))
            .attach(stdin, stdout, stderr, c.config().path("StdinOnce").asBoolean(false), c.tty()));
      }
      if (!c.state().status().equals("created") && !c.state().status().equals("exited")) {
        throw new Conflict("You cannot attach to a " + c.state().status() + " container");
      }
      PendingAttach p = new PendingAttach(stdin, stdout, stderr, new CompletableFuture<>());
      pending.computeIfAbsent(c.id(), k -> new ArrayList<>()).add(p);
      return p.attachment();
    }
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

  private void connectPending(Container c, Path stateDir) {
    List<PendingAttach> waiting = pending.remove(c.id());
    if (waiting == null) return;
    ShimClient shim = new ShimClient(stateDir);
    boolean stdinOnce = c.config().path("StdinOnce").asBoolean(false);
    for (PendingAttach p : waiting) {
      try {
        p.attachment().complete(shim.attach(p.stdin(), p.stdout(), p.stderr(), stdinOnce, c.tty()));
      } catch (BerthException e) {
        p.attachment().completeExceptionally(e);
      }
    }
  }

  private void failPending(String id, BerthException e) {
    List<PendingAttach> waiting = pending.remove(id);
    if (waiting != null) waiting.forEach(p -> p.attachment().completeExceptionally(e));
  }

  private void follow(String id) {
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

  private void exited(String id, ExitStatus exit) {
    Container c;
    boolean restart;
    boolean beingRemoved;
    synchronized (lock(id)) {
      try {
        supervisor.deleteTask(id);
      } catch (NotFound e) {
        // removed meanwhile (rm -f), task and all
      } catch (BerthException e) {
        System.err.println("berthd: cannot delete the task of " + id + ": " + e.getMessage());
      }
      c = store.get(id);
      Instant at = Instant.ofEpochSecond(exit.getExitedAt().getSeconds(), exit.getExitedAt().getNanos());
      c = c.withState(c.state().exited(exit.getExitCode(), at).withError(exit.getError()));
      // Decided before the exit is announced: a removal waiting for it must find no restart coming.
      beingRemoved = locks.beingRemoved(id);
      restart = !shuttingDown && !beingRemoved
          && RestartPolicy.of(c.hostConfig()).restarts(exit.getExitCode(), c.restartCount(), c.manuallyStopped());
      store.save(restart ? c.withState(c.state().restarting()) : c);
    }
    events.publish(c, "die", "exitCode", Integer.toString(exit.getExitCode()));
    watch(id).exited(exit.getExitCode());
    if (restart) {
      Instant started = c.state().startedAt();
      Duration ran = started == null ? Duration.ZERO
          : Duration.between(started, c.state().finishedAt());
      restarts.afterRun(id, ran);
      return;
    }
    restarts.reset(id);
    if (c.autoRemove() && !beingRemoved) {
      try {
        remove(id, true);
      } catch (BerthException e) {
        System.err.println("berthd: cannot auto-remove " + id + ": " + e.getMessage());
      }
    }
  }

  private Container markStopped(Container c) {
    synchronized (lock(c.id())) {
      Container now = store.get(c.id()).withManualStop(true);
      store.save(now);
      return now;
    }
  }

  private ExitWatch watch(String id) {
    return watches.computeIfAbsent(id, k -> new ExitWatch());
  }

  private Object lock(String id) {
    return locks.of(id);
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
