package dev.berth.supervisor.task;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.NotFound;
import dev.berth.common.error.Unavailable;
import dev.berth.common.io.AtomicFiles;
import dev.berth.common.io.FileTrees;
import dev.berth.images.snapshot.Snapshots;
import dev.berth.supervisor.container.ContainerRecord;
import dev.berth.supervisor.container.ContainerRecords;
import dev.berth.supervisor.runtime.OciRuntime;
import dev.berth.supervisor.runtime.Runtimes;
import dev.berth.supervisor.shim.ExitStatus;
import dev.berth.supervisor.shim.Shim;
import dev.berth.supervisor.shim.ShimLauncher;
import dev.berth.supervisor.shim.ShimOptions;
import dev.berth.supervisor.shim.ShimClient;
import dev.berth.supervisor.shim.ShimState;
import dev.berth.supervisor.event.TaskEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;

/**
 * Task lifecycle: a container's bundle (its spec and its snapshot mounted as rootfs), one shim per
 * task, and the clean-up once the task is deleted. Everything a restarted supervisor needs is on
 * disk: the shim's state dir and {@code task.options} beside it.
 */
public final class TaskManager {
  static final String OPTIONS_FILE = "task.options";
  private static final List<String> STALE_FILES = List.of(Shim.EXIT_FILE, Shim.SHIM_PID_FILE, Shim.INIT_PID_FILE,
      "shim.sock", LostShim.REASON_FILE);

  private final ContainerRecords records;
  private final Snapshots snapshots;
  private final Runtimes runtimes;
  private final TaskLayout layout;
  private final ShimLauncher launcher;
  private final ConcurrentMap<String, Shim> shims = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Object> taskLocks = new ConcurrentHashMap<>();
  private final TaskEvents events;
  /** Processes whose exit a thread of this manager waits for, to publish it: "id/" or "id/execId". */
  private final java.util.Set<String> watched = ConcurrentHashMap.newKeySet();

  public TaskManager(ContainerRecords records, Snapshots snapshots, Runtimes runtimes, TaskLayout layout,
      ShimLauncher launcher, TaskEvents events) {
    this.events = events;
    this.records = records;
    this.snapshots = snapshots;
    this.runtimes = runtimes;
    this.layout = layout;
    this.launcher = launcher;
  }

  /**
   * Mounts the bundle and starts the shim; the shim runs {@code runtime create}, or, for Berth's own
   * runtime, the library creates the container here with berth-init started by the shim. The task is
   * then "created".
   */
  public synchronized TaskStatus create(String id, TaskStdio stdio) {
    ContainerRecord record = records.get(id);
    if (live(id).isPresent()) throw new Conflict("container " + id + " already has a task");
    OciRuntime runtime = runtimes.get(record.runtime());
    Path bundle = layout.bundle(id);
    Path taskDir = layout.taskDir(id);
    boolean mounted = false;
    CompletableFuture<Shim> launching = null;
    boolean handedOver = false;
    try {
      clearStale(id, runtime, taskDir);
      Files.createDirectories(layout.rootfs(id));
      Files.createDirectories(taskDir);
      Files.writeString(taskDir.resolve(OPTIONS_FILE), stdio.terminal() ? "terminal\n" : "pipes\n");
      Files.createDirectories(runtime.root());
      ShimOptions options = ShimOptions.of(id, bundle, runtime.binary(), taskDir).withRuntimeRoot(runtime.root())
          .withTerminal(stdio.terminal()).withStdin(stdio.stdin()).withCreateByClient(runtime.inProcess());
      if (stdio.logMaxSize() > 0 || stdio.logMaxFiles() > 0) {
        options = options.withLog(true, stdio.logMaxSize(), Math.max(1, stdio.logMaxFiles()));
      }
      // Berth's own runtime needs the shim only to spawn berth-init, so the shim starts while the bundle is
      // made and the library prepares the container; another runtime's shim runs `create`, which needs it.
      if (runtime.inProcess()) launching = LibraryProcesses.launchInBackground(launcher, options);
      snapshots.mount(id, layout.rootfs(id));
      mounted = true;
      // The user is looked up in the container's own files, which exist only now that they are mounted.
      // Not fsynced: the bundle is made again at each start, and means nothing once its processes are gone.
      AtomicFiles.replace(bundle.resolve("config.json"), ImageUser.apply(records.spec(id), layout.rootfs(id)));
      handedOver = true;
      Shim shim = launching == null ? launcher.launch(options)
          : LibraryProcesses.create(runtime.library(), id, taskDir, launching, bundle, stdio);
      shims.put(id, shim);
      events.publish("/tasks/create", id, "", shim.containerPid(), null);
      watchExit(id, shim, "");
      return new TaskStatus(id, shim.containerPid(), "created", taskDir, stdio.terminal(), Optional.empty());
    } catch (IOException e) {
      Internal failure = new Internal("cannot prepare the bundle of container " + id + ": " + e.getMessage(), e);
      if (!handedOver) LibraryProcesses.abandon(launching, failure);
      releaseBundle(id, mounted);
      throw failure;
    } catch (RuntimeException e) {
      if (!handedOver) LibraryProcesses.abandon(launching, e);
      releaseBundle(id, mounted);
      throw e;
    }
  }

  /**
   * Starts a created task. Berth's own runtime starts it in-process and then tells the shim, which
   * saves a program start; any other runtime is started by the shim running its binary.
   */
  public void start(String id) {
    Shim shim = shim(id);
    OciRuntime runtime = runtimes.get(records.get(id).runtime());
    // Held through the start: a process quick to exit has its exit published after its start.
    synchronized (taskLock(id)) {
      if (runtime.inProcess()) {
        LibraryProcesses.start(runtime.library(), shim);
      } else {
        shim.client().start();
      }
      events.publish("/tasks/start", id, "", shim.containerPid(), null);
    }
  }

  /** After a restart: the exits of tasks that still run are published when they come. */
  public void watchRunning() {
    for (ContainerRecord r : records.list()) {
      live(r.id()).ifPresent(shim -> watchExit(r.id(), shim, ""));
    }
  }

  private void watchExit(String id, Shim shim, String execId) {
    String key = id + "/" + execId;
    if (!watched.add(key)) return;
    ShimClient client = execId.isEmpty() ? shim.client() : shim.client().exec(execId);
    Thread.ofVirtual().name("task-exit-" + id.substring(0, Math.min(12, id.length()))).start(() -> {
      try {
        ExitStatus exit = client.waitExit();
        synchronized (taskLock(id)) {
          events.publish("/tasks/exit", id, execId, exit.pid(), exit);
        }
      } catch (dev.berth.common.error.BerthException e) {
        // The shim died without a record: whoever asks for the task next stops it and says so.
      } finally {
        watched.remove(key);
      }
    });
  }

  public TaskStatus get(String id) {
    Path taskDir = layout.taskDir(id);
    Optional<Shim> shim = live(id);
    boolean terminal = terminal(taskDir);
    if (shim.isPresent()) {
      try {
        ShimState state = shim.get().client().state();
        return new TaskStatus(id, state.pid(), state.status(), taskDir, terminal, state.exit());
      } catch (Unavailable e) {
        // the shim went away while we asked: fall through to what it recorded
      }
    }
    Optional<ExitStatus> exit = ExitStatus.read(taskDir.resolve(Shim.EXIT_FILE));
    if (exit.isEmpty() && lost(id)) exit = Optional.of(stopLost(id));
    if (exit.isPresent()) return new TaskStatus(id, exit.get().pid(), "stopped", taskDir, terminal, exit);
    throw new NotFound("container " + id + " has no task");
  }

  /** Why the task ended when its shim could not say (it died): empty when the shim recorded the exit. */
  public Optional<String> exitReason(String id) {
    return LostShim.reason(layout.taskDir(id));
  }

  /** A task whose shim is dead without having recorded an exit, while its container may still run. */
  private boolean lost(String id) {
    Path taskDir = layout.taskDir(id);
    return Files.exists(taskDir.resolve(Shim.INIT_PID_FILE)) && !Files.exists(taskDir.resolve(Shim.EXIT_FILE))
        && live(id).isEmpty();
  }

  private synchronized ExitStatus stopLost(String id) {
    Optional<ExitStatus> recorded = ExitStatus.read(layout.taskDir(id).resolve(Shim.EXIT_FILE));
    if (recorded.isPresent()) return recorded.get();
    shims.remove(id);
    return LostShim.stop(id, layout.taskDir(id), runtimes.get(records.get(id).runtime()));
  }

  public void kill(String id, int signal) {
    shim(id).client().kill(signal);
  }

  /** Blocks until the task's process has exited (or its shim died: then the container is stopped). */
  public ExitStatus waitExit(String id) {
    Optional<Shim> shim = live(id);
    if (shim.isPresent()) {
      try {
        return shim.get().client().waitExit();
      } catch (Unavailable e) {
        if (!lost(id)) throw e;
      }
    }
    Optional<ExitStatus> recorded = ExitStatus.read(layout.taskDir(id).resolve(Shim.EXIT_FILE));
    if (recorded.isPresent()) return recorded.get();
    if (lost(id)) return stopLost(id);
    throw new NotFound("container " + id + " has no task");
  }

  /**
   * Starts an extra process in the running task (an OCI process, as {@code runtime exec --process}
   * takes it) and returns its pid. Its output waits in the shim for the first attach.
   */
  public long exec(String id, String execId, byte[] process, String user, boolean terminal, boolean stdin) {
    Shim shim = shim(id);
    byte[] resolved = user.isEmpty() ? process : ImageUser.applyToProcess(process, user, layout.rootfs(id));
    OciRuntime runtime = runtimes.get(records.get(id).runtime());
    if (runtime.inProcess()) {
      synchronized (taskLock(id)) {
        return execStarted(id, shim, execId,
            LibraryProcesses.exec(runtime.library(), shim, execId, resolved, terminal, stdin));
      }
    }
    Path file = layout.taskDir(id).resolve("exec-" + execId + ".process.json");
    try {
      AtomicFiles.write(file, resolved);
    } catch (IOException e) {
      throw new Internal("cannot write the process of exec " + execId + ": " + e.getMessage(), e);
    }
    return execStarted(id, shim, execId, shim.client().startExec(execId, file, terminal, stdin, false));
  }

  private long execStarted(String id, Shim shim, String execId, long pid) {
    events.publish("/tasks/exec-started", id, execId, pid, null);
    watchExit(id, shim, execId);
    return pid;
  }

  /**
   * Per task: the shim creates one process at a time, and a process's exit event must not overtake
   * its start event.
   */
  private Object taskLock(String id) {
    return taskLocks.computeIfAbsent(id, k -> new Object());
  }

  public void pause(String id) {
    shim(id);
    runtimes.get(records.get(id).runtime()).pause(id);
    events.publish("/tasks/paused", id);
  }

  public void resume(String id) {
    shim(id);
    runtimes.get(records.get(id).runtime()).resume(id);
    events.publish("/tasks/resumed", id);
  }

  /**
   * New resource limits: kept in the container's spec for its next start, and applied to its
   * running task if it has one. The spec's device rules are left as they are.
   */
  public synchronized void update(String id, byte[] resources) {
    records.replaceSpec(id, SpecResources.merge(records.spec(id), resources));
    if (live(id).isPresent()) runtimes.get(records.get(id).runtime()).update(id, resources);
  }

  public List<Integer> pids(String id) {
    shim(id);
    return runtimes.get(records.get(id).runtime()).pids(id);
  }

  public dev.berth.supervisor.api.v1.TaskMetrics metrics(String id) {
    shim(id);
    return runtimes.get(records.get(id).runtime()).metrics(id);
  }

  public void resize(String id, int rows, int cols) {
    shim(id).client().resize(rows, cols);
  }

  /**
   * Deletes a stopped task: the runtime's state, the shim, the rootfs mount and the bundle. The task
   * dir (log, exit status) stays until the container is removed.
   */
  public synchronized ExitStatus delete(String id) {
    Path taskDir = layout.taskDir(id);
    if (live(id).isEmpty() && !Files.exists(taskDir.resolve(Shim.EXIT_FILE)) && !lost(id)) {
      // No task runs: what a create cut short may have left (runtime state, a shim with no container,
      // the bundle) goes, and the caller learns there was no task.
      discardLeftovers(id);
      throw new NotFound("container " + id + " has no task");
    }
    // The shim records the exit before it tells anyone, so a task whose exit was awaited (as the daemon
    // does before it deletes one) needs no word with its shim here.
    Optional<ExitStatus> recorded = ExitStatus.read(taskDir.resolve(Shim.EXIT_FILE));
    ExitStatus exit;
    if (recorded.isPresent()) {
      exit = recorded.get();
    } else {
      TaskStatus status = get(id);
      if (status.status().equals("creating")) return deleteUncreated(id);
      if (!status.status().equals("stopped") && !status.status().equals("created")) {
        throw new Conflict("the task of container " + id + " is " + status.status() + "; stop it first");
      }
      if (status.status().equals("created")) kill(id, 9);
      exit = waitExit(id);
    }
    ContainerRecord record = records.get(id);
    runtimes.get(record.runtime()).delete(id);
    Shim shim = shims.remove(id);
    if (shim != null && shim.alive()) {
      try {
        shim.client().shutdown();
      } catch (Unavailable e) {
        // it exits on its own after its grace period
      }
    }
    releaseBundle(id, true);
    removeExecFiles(taskDir);
    events.publish("/tasks/delete", id, "", exit.pid(), exit);
    return exit;
  }

  /**
   * The pid, exit and process files of the task's exec processes: they all ended with the task, and
   * the daemon keeps what it reports of them. Without this, a container exec'd into every few seconds
   * would pile them up until it is removed.
   */
  private static void removeExecFiles(Path taskDir) {
    try (var files = Files.list(taskDir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().startsWith("exec-")).toList()) {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      // best effort: they are removed with the task dir at the latest
    }
  }

  /**
   * A task whose creation was cut short (the supervisor died between berth-init's set-up and telling
   * the shim): its processes are killed through the runtime, and the shim, which never had a
   * container, is told to go.
   */
  private ExitStatus deleteUncreated(String id) {
    Shim shim = shims.remove(id);
    runtimes.get(records.get(id).runtime()).delete(id);
    if (shim != null) {
      try {
        shim.client().abandon();
      } catch (Unavailable e) {
        // gone already
      }
    }
    releaseBundle(id, true);
    return new ExitStatus(0, 255, 0, java.time.Instant.now());
  }

  private void discardLeftovers(String id) {
    OciRuntime runtime = runtimes.get(records.get(id).runtime());
    if (Files.isDirectory(runtime.root().resolve(id))) runtime.delete(id);
    Path shimPid = layout.taskDir(id).resolve(Shim.SHIM_PID_FILE);
    try {
      long pid = Long.parseLong(Files.readString(shimPid).strip());
      // Checked against its program, so a reused pid is left alone; this shim never had a container.
      new Shim(id, layout.taskDir(id), 0, pid, false).process().ifPresent(ProcessHandle::destroyForcibly);
      Files.deleteIfExists(shimPid);
    } catch (IOException | NumberFormatException e) {
      // no shim was started
    }
    if (Files.exists(layout.bundle(id))) releaseBundle(id, true);
  }

  /**
   * Removes what a container's tasks left: its task dir, and runtime state or a bundle a task that
   * was never deleted still holds. Refused while a task is alive.
   */
  public synchronized void forget(String id) {
    if (live(id).isPresent()) throw new Conflict("container " + id + " still has a running task");
    taskLocks.remove(id);
    // A task never deleted (the daemon died first) leaves its runtime state and mounted bundle.
    discardLeftovers(id);
    try {
      FileTrees.delete(layout.taskDir(id));
    } catch (IOException e) {
      throw new Internal("cannot remove the task dir of " + id + ": " + e.getMessage(), e);
    }
  }

  private Shim shim(String id) {
    return live(id).orElseThrow(() -> new Conflict("container " + id + " is not running"));
  }

  /** The live shim of a container, found again from its state dir after a restart. */
  private Optional<Shim> live(String id) {
    Shim known = shims.get(id);
    if (known != null) {
      if (known.alive()) return Optional.of(known);
      return Optional.empty();
    }
    Path taskDir = layout.taskDir(id);
    if (!Files.isDirectory(taskDir)) return Optional.empty();
    Optional<Shim> found = Shim.recover(id, taskDir, terminal(taskDir));
    found.ifPresent(s -> shims.put(id, s));
    return found;
  }

  private static boolean terminal(Path taskDir) {
    try {
      return Files.readString(taskDir.resolve(OPTIONS_FILE), StandardCharsets.UTF_8).startsWith("terminal");
    } catch (IOException e) {
      return false;
    }
  }

  /** A new task over an old one's dir: the old exit status and pids must not be mistaken for the new. */
  private void clearStale(String id, OciRuntime runtime, Path taskDir) throws IOException {
    shims.remove(id);
    for (String name : STALE_FILES) Files.deleteIfExists(taskDir.resolve(name));
    if (Files.isDirectory(runtime.root().resolve(id))) runtime.delete(id);
    if (Files.exists(layout.bundle(id))) releaseBundle(id, true);
  }

  private void releaseBundle(String id, boolean mounted) {
    Path rootfs = layout.rootfs(id);
    try {
      if (mounted && Files.isDirectory(rootfs) && snapshots.isMounted(id)) snapshots.unmount(rootfs);
      FileTrees.delete(layout.bundle(id));
    } catch (IOException | RuntimeException e) {
      throw new Internal("cannot release the bundle of " + id + ": " + e.getMessage(), e);
    }
  }
}
