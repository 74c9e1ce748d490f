package dev.berth.runtime;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.runtime.cgroups.Cgroup;
import dev.berth.runtime.cgroups.CgroupStats;
import dev.berth.runtime.cgroups.Cgroups;
import dev.berth.runtime.container.ContainerState;
import dev.berth.runtime.container.Lifecycle;
import dev.berth.runtime.container.StateStore;
import dev.berth.runtime.container.StateView;
import dev.berth.runtime.init.InitLauncher;
import dev.berth.runtime.init.InitSpawner;
import dev.berth.runtime.spec.LinuxResources;
import dev.berth.runtime.spec.Process;
import dev.berth.runtime.sys.LinuxSyscalls;
import dev.berth.runtime.sys.Syscalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The OCI runtime as a library: what `berth-runtime` does, callable in-process (the supervisor uses
 * it without paying a JVM start per container). No method prints or exits; errors are {@link
 * BerthException}s.
 */
public final class ContainerRuntime {
  /**
   * Options of create. {@code stdio} maps the container's fds 0-2 to fds of this process (null =
   * inherit); {@code spawner}, when not null, starts berth-init elsewhere and decides its stdio itself.
   * {@code preservedFds} are fds of this process that the container process gets as its fds 3, 4, … in
   * order (runc's --preserve-fds passes 3..3+N-1); a spawner must pass them on (see {@link
   * InitSpawner#spawn(Path, int, int, List)}).
   */
  public record CreateOptions(Path pidFile, Path consoleSocket, boolean noPivot, Map<Integer, Integer> stdio,
      InitSpawner spawner, List<Integer> preservedFds) {
    public CreateOptions {
      preservedFds = preservedFds == null ? List.of() : List.copyOf(preservedFds);
    }

    public CreateOptions(Path pidFile, Path consoleSocket, boolean noPivot, Map<Integer, Integer> stdio,
        InitSpawner spawner) {
      this(pidFile, consoleSocket, noPivot, stdio, spawner, List.of());
    }

    public CreateOptions(Path pidFile, Path consoleSocket, boolean noPivot, Map<Integer, Integer> stdio) {
      this(pidFile, consoleSocket, noPivot, stdio, null);
    }

    public static CreateOptions defaults() {
      return new CreateOptions(null, null, false, null);
    }
  }

  /** Options of exec; {@code stdio}, {@code spawner} and {@code preservedFds} as for create. */
  public record ExecOptions(Path pidFile, Path consoleSocket, boolean detach, Map<Integer, Integer> stdio,
      InitSpawner spawner, List<Integer> preservedFds) {
    public ExecOptions {
      preservedFds = preservedFds == null ? List.of() : List.copyOf(preservedFds);
    }

    public ExecOptions(Path pidFile, Path consoleSocket, boolean detach, Map<Integer, Integer> stdio,
        InitSpawner spawner) {
      this(pidFile, consoleSocket, detach, stdio, spawner, List.of());
    }

    public ExecOptions(Path pidFile, Path consoleSocket, boolean detach, Map<Integer, Integer> stdio) {
      this(pidFile, consoleSocket, detach, stdio, null);
    }
  }

  private final StateStore store;
  private final Syscalls sys;
  private final Lifecycle lifecycle;

  public ContainerRuntime(Path root) {
    this(root, LinuxSyscalls.get(), InitLauncher.locate());
  }

  public ContainerRuntime(Path root, Syscalls sys, Path initBinary) {
    this.store = new StateStore(root);
    this.sys = sys;
    this.lifecycle = new Lifecycle(store, sys, new InitLauncher(initBinary, sys));
  }

  public ContainerState create(String id, Path bundle, CreateOptions options) {
    return lifecycle.create(id, bundle, options);
  }

  public void start(String id) {
    lifecycle.start(id);
  }

  /**
   * `run` in the foreground, as runc does it: create, start, wait for the process, delete (unless
   * {@code keep}); returns the exit code as a shell reports it. This process becomes the subreaper of
   * its containers. A process with terminal: true and no console socket gets a pty of the runtime's
   * own, relayed to {@code in} and {@code out} (this process's stdin and stdout, for the command line).
   */
  public int run(String id, Path bundle, CreateOptions options, boolean keep, int in, int out) {
    return lifecycle.run(id, bundle, options, keep, in, out);
  }

  public StateView state(String id) {
    return lifecycle.view(store.load(id));
  }

  public List<StateView> list() {
    List<StateView> views = new ArrayList<>();
    for (String id : store.ids()) {
      try {
        views.add(state(id));
      } catch (BerthException e) {
        // a directory being created or removed right now
      }
    }
    return views;
  }

  public void kill(String id, int signal, boolean all) {
    lifecycle.kill(id, signal, all);
  }

  public void delete(String id, boolean force) {
    lifecycle.delete(id, force);
  }

  /** Waits for the container's process, which must be a child of this process (see {@link #becomeSubreaper}). */
  public int waitForExit(String id) {
    return lifecycle.waitForExit(store.load(id).pid());
  }

  /** Runs a new process in the container; returns its pid (waiting is the caller's choice). */
  public int exec(String id, Process process, ExecOptions options) {
    return lifecycle.exec(id, process, options);
  }

  /** exec in the foreground: runs the process and returns its exit code; a terminal is relayed as in {@link #run}. */
  public int execForeground(String id, Process process, ExecOptions options, int in, int out) {
    return lifecycle.execForeground(id, process, options, in, out);
  }

  public void pause(String id) {
    cgroupOfRunning(id, "pause").freeze();
  }

  public void resume(String id) {
    Cgroup cg = cgroupOf(id);
    if (!cg.frozen()) {
      throw new Conflict("container " + id + " is not paused");
    }
    cg.thaw();
  }

  public void update(String id, LinuxResources resources) {
    cgroupOfRunning(id, "update").update(resources);
  }

  public List<Integer> pids(String id) {
    return cgroupOf(id).pids();
  }

  public CgroupStats stats(String id) {
    return cgroupOf(id).stats();
  }

  /**
   * Makes this process the subreaper of the containers it creates, so `run` and `exec` can wait for
   * them after berth-init's parent half has exited.
   */
  public void becomeSubreaper() {
    lifecycle.becomeSubreaper();
  }

  private Cgroup cgroupOf(String id) {
    ContainerState s = store.load(id);
    if (s.cgroupsPath() == null) {
      throw new InvalidArgument("container " + id + " has no cgroup (its create did not finish)");
    }
    return Cgroups.open(s.cgroupsPath(), id);
  }

  private Cgroup cgroupOfRunning(String id, String what) {
    StateView v = state(id);
    if (!v.status().equals("running") && !v.status().equals("created") && !v.status().equals("paused")) {
      throw new Conflict("cannot " + what + " container " + id + ": it is " + v.status());
    }
    return cgroupOf(id);
  }
}
