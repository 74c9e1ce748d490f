package dev.berth.runtime.container;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.io.AtomicFiles;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.cgroups.Cgroup;
import dev.berth.runtime.cgroups.Cgroups;
import dev.berth.runtime.hooks.HookRunner;
import dev.berth.runtime.init.InitLauncher;
import dev.berth.runtime.init.InitPlan;
import dev.berth.runtime.spec.Process;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.runtime.spec.Validator;
import dev.berth.runtime.sys.Syscalls;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/** The state machine of a container after create: start, kill, delete, exec and status. */
public final class Lifecycle {
  private static final int SIGKILL = 9;

  private final StateStore store;
  private final Syscalls sys;
  private final InitLauncher launcher;
  private final Creation creation;

  public Lifecycle(StateStore store, Syscalls sys, InitLauncher launcher) {
    this.store = store;
    this.sys = sys;
    this.launcher = launcher;
    this.creation = new Creation(store, sys, launcher);
  }

  /** See Creation.becomeSubreaper; run and a foreground exec do it themselves. */
  public void becomeSubreaper() {
    Creation.becomeSubreaper(sys);
  }

  public ContainerState create(String id, Path bundle, ContainerRuntime.CreateOptions options) {
    return creation.create(id, bundle, options, false).state();
  }

  /**
   * `run` in the foreground: create, start, wait for the process, then delete the container unless
   * {@code keep}. This process becomes the containers' subreaper first. A process with terminal: true and no
   * console socket gets a pty of the runtime's own, relayed to {@code in} and {@code out}.
   *
   * @return the process's exit code as a shell reports it
   */
  public int run(String id, Path bundle, ContainerRuntime.CreateOptions options, boolean keep, int in, int out) {
    Creation.Created created = creation.create(id, bundle, options, true);
    // Hooks run where runc's run runs them: in the bundle.
    Path hookDir = Path.of(created.state().bundle());
    int code;
    try (ForegroundConsole console = created.console()) {
      try {
        if (console != null) {
          console.attach(in, out);
        }
        start(id, hookDir);
      } catch (RuntimeException e) {
        delete(id, true, hookDir);
        throw e;
      }
      int pid = created.state().pid();
      forwardSignals(pid);
      code = console == null ? waitForExit(pid) : console.await(() -> waitForExit(pid));
    }
    if (!keep) {
      delete(id, true, hookDir);
    }
    return code;
  }

  public Status status(ContainerState s) {
    if (s.creating() && s.pid() <= 0) {
      return Status.CREATING;
    }
    if (!ProcessInfo.alive(s.pid(), s.pidStartTime())) {
      return Status.STOPPED;
    }
    if (Files.exists(store.fifo(s.id()))) {
      return Status.CREATED;
    }
    if (s.cgroupsPath() != null && Cgroups.open(s.cgroupsPath(), s.id()).frozen()) {
      return Status.PAUSED;
    }
    return Status.RUNNING;
  }

  public StateView view(ContainerState s) {
    Status st = status(s);
    return new StateView(Spec.OCI_VERSION, s.id(), st == Status.STOPPED ? 0 : s.pid(), st.json(), s.bundle(),
        s.rootfs(), s.created(), s.owner() == null ? "" : s.owner(), s.annotations());
  }

  public void start(String id) {
    start(id, null);
  }

  /**
   * {@code hookDir}: where the poststart and poststop hooks run. As with runc, that is the bundle when
   * the command named one (create, run) and the caller's own directory otherwise (start, delete: null).
   */
  private void start(String id, Path hookDir) {
    try (StateStore.Lock lock = store.lock(id)) {
      ContainerState s = store.load(id);
      Status st = status(s);
      if (st != Status.CREATED) {
        throw new Conflict("cannot start container " + id + ": it is " + st.json() + ", not created");
      }
      releaseFromFifo(id);
      if (s.hooks() != null) {
        try {
          HookRunner.run(sys, "poststart", s.hooks().poststart(), Creation.hookState(s, Status.RUNNING).json(), hookDir);
        } catch (BerthException e) {
          kill(s.pid(), SIGKILL);
          throw e;
        }
      }
    }
  }

  /**
   * The init blocks opening the fifo for writing; opening it for reading releases it. It then runs the
   * startContainer hooks and answers "0" (started) or "E" and why it could not. The opening is awaited
   * with a timeout, so a container that died meanwhile cannot hang `start`; the answer as long as the
   * hooks take (their own timeouts bound them; the process's end closes the fifo).
   */
  private void releaseFromFifo(String id) {
    Path fifo = store.fifo(id);
    CountDownLatch opened = new CountDownLatch(1);
    FutureTask<byte[]> read = new FutureTask<>(() -> {
      try (InputStream in = Files.newInputStream(fifo)) {
        opened.countDown();
        return in.readAllBytes();
      }
    });
    // A platform thread: the first virtual thread starts a scheduler, milliseconds in a cold CLI.
    Thread.ofPlatform().daemon().start(read);
    try {
      if (!opened.await(10, TimeUnit.SECONDS) && !read.isDone()) {
        // Unblock our own reader by opening the writing end, then report.
        try (var unused = Files.newOutputStream(fifo)) {
          // nothing to write
        } catch (IOException ignored) {
          // best effort
        }
        throw new Internal("container " + id + " did not start within 10s");
      }
      byte[] answer = read.get();
      if (answer.length == 0) {
        throw new Conflict("container " + id + " exited before it could be started");
      }
      if (answer[0] == 'E') {
        throw new InvalidArgument("cannot start container " + id + ": "
            + new String(answer, 1, answer.length - 1, StandardCharsets.UTF_8));
      }
    } catch (ExecutionException e) {
      throw new Internal("cannot start container " + id + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Internal("interrupted while starting " + id, e);
    } finally {
      try {
        Files.deleteIfExists(fifo);
      } catch (IOException ignored) {
        // status derivation would see a created container: surface it
      }
    }
  }

  public void kill(String id, int signal, boolean all) {
    ContainerState s = store.load(id);
    Status st = status(s);
    if (st == Status.STOPPED || st == Status.CREATING) {
      throw new Conflict("cannot kill container " + id + ": it is " + st.json());
    }
    if (all) {
      for (int pid : Cgroups.open(s.cgroupsPath(), id).pids()) {
        kill(pid, signal);
      }
    } else {
      kill(s.pid(), signal);
    }
    if (st == Status.PAUSED && signal == SIGKILL) {
      Cgroups.open(s.cgroupsPath(), id).thaw();
    }
  }

  private void kill(int pid, int signal) {
    try {
      sys.kill(pid, signal);
    } catch (ErrnoException e) {
      throw new Internal("cannot signal process " + pid + ": " + e.getMessage(), e);
    }
  }

  public void delete(String id, boolean force) {
    delete(id, force, null);
  }

  private void delete(String id, boolean force, Path hookDir) {
    try (StateStore.Lock lock = store.lock(id)) {
      ContainerState s = store.load(id);
      Status st = status(s);
      if (st != Status.STOPPED && !force && !(st == Status.CREATING)) {
        throw new Conflict("cannot delete container " + id + " that is not stopped: " + st.json());
      }
      if (st == Status.CREATING && !force) {
        throw new Conflict("container " + id + " is being created; use delete --force to remove what is left of it");
      }
      Cgroup cgroup = s.cgroupsPath() == null ? null : Cgroups.open(s.cgroupsPath(), id);
      if (st != Status.STOPPED || cgroup != null) {
        killEverything(s, cgroup);
      }
      if (cgroup != null) {
        cgroup.destroy();
      }
      runPoststop(s, hookDir);
      store.remove(id);
    }
  }

  private void killEverything(ContainerState s, Cgroup cgroup) {
    if (ProcessInfo.alive(s.pid(), s.pidStartTime())) {
      kill(s.pid(), SIGKILL);
    }
    if (cgroup == null) {
      return;
    }
    boolean frozen = safeFrozen(cgroup);
    for (int attempt = 0; attempt < 500; attempt++) {
      var pids = cgroup.pids();
      if (pids.isEmpty()) {
        return;
      }
      for (int pid : pids) {
        try {
          sys.kill(pid, SIGKILL);
          sys.waitpid(pid, true);
        } catch (ErrnoException ignored) {
          // not our child, or gone
        }
      }
      if (frozen) {
        cgroup.thaw();
        frozen = false;
      }
      sleep(10);
    }
    throw new Internal("processes of container " + s.id() + " survived SIGKILL for 5s");
  }

  private static boolean safeFrozen(Cgroup cgroup) {
    try {
      return cgroup.frozen();
    } catch (BerthException e) {
      return false;
    }
  }

  private void runPoststop(ContainerState s, Path hookDir) {
    if (s.hooks() != null && s.hooks().poststop() != null) {
      // A stopped container's state has no pid, as runc gives it.
      Creation.runPoststop(sys, s.hooks(), Creation.hookState(s.withPid(0, 0), Status.STOPPED), hookDir);
    }
  }

  public int exec(String id, Process process, ContainerRuntime.ExecOptions options) {
    if (process.terminalOrFalse() && options.consoleSocket() == null) {
      throw Creation.noConsoleSocket();
    }
    return exec(id, process, options, null, false);
  }

  /**
   * exec in the foreground: runs the process and waits for it (this process becomes the containers'
   * subreaper first); with terminal: true and no console socket, relays a pty of the runtime's own to
   * {@code in} and {@code out} as {@link #run} does.
   */
  public int execForeground(String id, Process process, ContainerRuntime.ExecOptions options, int in, int out) {
    boolean ownPty = process.terminalOrFalse() && options.consoleSocket() == null;
    Process sized = ownPty ? ForegroundConsole.sizedLike(sys, in, process) : process;
    try (ForegroundConsole console = ownPty ? ForegroundConsole.open(sys) : null) {
      int pid = exec(id, sized, options, console, true);
      forwardSignals(pid);
      if (console == null) {
        return waitForExit(pid);
      }
      console.attach(in, out);
      return console.await(() -> waitForExit(pid));
    }
  }

  private int exec(String id, Process process, ContainerRuntime.ExecOptions options, ForegroundConsole console,
      boolean foreground) {
    ContainerState s = store.load(id);
    Status st = status(s);
    if (st != Status.RUNNING && st != Status.CREATED) {
      throw new Conflict("cannot exec in container " + id + ": it is " + st.json());
    }
    Validator.validateProcess(process, "process");
    PreservedFds.check(options.preservedFds());
    Spec spec = SpecLoader.load(Path.of(s.bundle()));
    var seccomp = spec.linuxOrEmpty().seccomp() == null ? null : store.seccompCache().compile(spec.linuxOrEmpty().seccomp());
    List<Integer> extraFds = new ArrayList<>(options.preservedFds());
    if (console != null) {
      extraFds.add(console.initEnd());
    }
    Cgroup cgroup = Cgroups.open(s.cgroupsPath(), id);
    byte[] stream = InitPlan.forExec(spec, process, s.pid(), cgroup, options.consoleSocket(), seccomp,
        options.preservedFds().size(), console == null ? -1 : InitLauncher.FIRST_EXTRA_FD + options.preservedFds().size());
    var spawner = options.spawner() != null ? options.spawner() : launcher.local(options.stdio());
    if (foreground) {
      Creation.becomeSubreaper(sys);
    }
    int pid = launcher.launch(stream, spawner, extraFds, containerPid -> {}).pid();
    if (console != null) {
      console.receive();
    }
    if (options.pidFile() != null) {
      try {
        AtomicFiles.replace(options.pidFile(), Integer.toString(pid).getBytes(StandardCharsets.US_ASCII));
      } catch (IOException e) {
        throw new Internal("cannot write the pid file " + options.pidFile() + ": " + e.getMessage(), e);
      }
    }
    return pid;
  }

  /** A foreground run or exec passes the signals its caller sends on to the process, as runc does. */
  private void forwardSignals(int pid) {
    try {
      sys.forwardSignals(pid);
    } catch (ErrnoException e) {
      throw new Internal("cannot forward signals to process " + pid + ": " + e.getMessage(), e);
    }
  }

  /** Waits for a child (or, as subreaper, an orphaned descendant); returns the exit code as a shell reports it. */
  public int waitForExit(int pid) {
    try {
      int status = sys.waitpid(pid, false);
      int signal = status & 0x7f;
      return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    } catch (ErrnoException e) {
      throw new InvalidArgument("cannot wait for process " + pid + ": " + e.getMessage(), e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
