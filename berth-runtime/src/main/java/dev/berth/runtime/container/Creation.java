package dev.berth.runtime.container;

import dev.berth.common.error.BerthException;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.ErrnoException;
import dev.berth.common.io.AtomicFiles;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.cgroups.Cgroup;
import dev.berth.runtime.cgroups.Cgroups;
import dev.berth.runtime.defaults.DefaultDevices;
import dev.berth.runtime.hooks.HookRunner;
import dev.berth.runtime.hooks.HookState;
import dev.berth.runtime.init.InitLauncher;
import dev.berth.runtime.init.InitPlan;
import dev.berth.runtime.seccomp.SeccompProgram;
import dev.berth.runtime.spec.Hooks;
import dev.berth.runtime.spec.Spec;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.runtime.spec.Validator;
import dev.berth.runtime.sys.Syscalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * `create`: validate, claim the id, make the cgroup and the exec fifo, launch the init, record the
 * state. Any failure removes exactly what this create made.
 */
final class Creation {
  private final StateStore store;
  private final Syscalls sys;
  private final InitLauncher launcher;

  Creation(StateStore store, Syscalls sys, InitLauncher launcher) {
    this.store = store;
    this.sys = sys;
    this.launcher = launcher;
  }

  /** A created container, and the pty the runtime relays for it when it allocated one itself. */
  record Created(ContainerState state, ForegroundConsole console) {}

  /**
   * {@code foreground}: the caller stays to relay a terminal, so a process with terminal: true and no
   * console socket gets a pty of the runtime's own ({@link ForegroundConsole}) instead of a refusal.
   */
  Created create(String id, Path bundle, ContainerRuntime.CreateOptions options, boolean foreground) {
    StateStore.validateId(id);
    Path bundleDir = bundle.toAbsolutePath().normalize();
    Spec spec = SpecLoader.load(bundleDir);
    Path rootfs = Validator.validate(spec, bundleDir);
    boolean ownPty = spec.process().terminalOrFalse() && options.consoleSocket() == null;
    if (ownPty && !foreground) {
      throw noConsoleSocket();
    }
    SeccompProgram seccomp = spec.linuxOrEmpty().seccomp() == null ? null : store.seccompCache().compile(spec.linuxOrEmpty().seccomp());
    PreservedFds.check(options.preservedFds());
    Path dir = store.claim(id);
    Cgroup cgroup = null;
    ForegroundConsole console = null;
    int pid = -1;
    try {
      cgroup = Cgroups.open(spec.linuxOrEmpty().cgroupsPath(), id);
      ContainerState state = new ContainerState(id, bundleDir.toString(), rootfs.toString(), 0, 0, cgroup.path(),
          Timestamps.now(), "", spec.annotations(), true, spec.hooks());
      store.save(state);
      cgroup.create(DefaultDevices.withDefaultRules(spec.linuxOrEmpty().resources()));
      Path fifo = store.fifo(id);
      sys.mkfifo(fifo.toString(), 0622);
      // mkfifo applies the umask; a container process running as another user must still open it.
      java.nio.file.Files.setPosixFilePermissions(fifo, java.nio.file.attribute.PosixFilePermissions.fromString("rw--w--w-"));
      Hooks hooks = spec.hooks();
      boolean pause = hooks != null && (notEmpty(hooks.prestart()) || notEmpty(hooks.createRuntime()));
      List<Integer> extraFds = new ArrayList<>(options.preservedFds());
      if (ownPty) {
        console = ForegroundConsole.open(sys);
        extraFds.add(console.initEnd());
      }
      byte[] stream = InitPlan.forCreate(spec, new InitPlan.CreateOptions(rootfs, fifo, options.consoleSocket(),
          options.noPivot(), seccomp, cgroup,
          new String(hookState(state, null).json(), StandardCharsets.UTF_8), pause, options.preservedFds().size(),
          ownPty ? InitLauncher.FIRST_EXTRA_FD + options.preservedFds().size() : -1));
      if (foreground) {
        becomeSubreaper(sys);
      }
      InitLauncher.LaunchedProcess launched = launcher.launch(stream,
          options.spawner() != null ? options.spawner() : launcher.local(options.stdio()), extraFds,
          containerPid -> {
            byte[] json = hookState(state.withPid(containerPid, 0), Status.CREATING).json();
            HookRunner.run(sys, "prestart", hooks.prestart(), json, bundleDir);
            HookRunner.run(sys, "createRuntime", hooks.createRuntime(), json, bundleDir);
          });
      pid = launched.pid();
      if (console != null) {
        console.receive();
      }
      ContainerState created = state.withPid(pid, ProcessInfo.startTime(pid));
      store.save(created);
      if (options.pidFile() != null) {
        // As runc: atomic, not fsynced (a pid means nothing after a power loss).
        AtomicFiles.replace(options.pidFile(), Integer.toString(pid).getBytes(StandardCharsets.US_ASCII));
      }
      return new Created(created, console);
    } catch (BerthException | IOException e) {
      if (console != null) {
        console.close();
      }
      undo(id, cgroup, pid, spec.hooks(), bundleDir, spec.annotations());
      if (e instanceof BerthException be) {
        throw be;
      }
      throw new Internal("create " + id + ": " + e.getMessage(), e);
    }
  }

  /** runc: "cannot allocate tty if runc will detach without setting console socket". */
  static InvalidArgument noConsoleSocket() {
    return new InvalidArgument("cannot allocate a pty for process.terminal: the runtime would detach without "
        + "a console socket to send it to (pass --console-socket, or run in the foreground)");
  }

  /**
   * Makes this process the subreaper of the containers it starts, so that a foreground `run` or exec
   * can wait for the process after berth-init's parent half has exited. Done just before the launch,
   * not first: a short-lived command binds its system calls on another thread meanwhile, and the first
   * one would wait for that.
   */
  static void becomeSubreaper(Syscalls sys) {
    try {
      sys.becomeChildSubreaper();
    } catch (ErrnoException e) {
      throw new Internal("cannot become a child subreaper: " + e.getMessage(), e);
    }
  }

  private static boolean notEmpty(java.util.List<?> l) {
    return l != null && !l.isEmpty();
  }

  /**
   * Removes what this create made. As runc (and the spec: a failed create continues at the container's
   * destruction) the poststop hooks run once it is gone; their failures are only logged.
   */
  private void undo(String id, Cgroup cgroup, int pid, Hooks hooks, Path bundleDir, Map<String, String> annotations) {
    if (pid > 0) {
      try {
        sys.kill(pid, 9);
      } catch (ErrnoException ignored) {
        // already gone
      }
    }
    if (cgroup != null) {
      for (int p : safePids(cgroup)) {
        try {
          sys.kill(p, 9);
        } catch (ErrnoException ignored) {
          // already gone
        }
      }
      try {
        cgroup.destroy();
      } catch (BerthException ignored) {
        // best effort: the state dir below is removed so nothing refers to it
      }
    }
    if (hooks != null && notEmpty(hooks.poststop())) {
      runPoststop(sys, hooks, new HookState(Spec.OCI_VERSION, id, Status.STOPPED.json(), 0, bundleDir.toString(),
          annotations), bundleDir);
    }
    store.remove(id);
  }

  /** Poststop hooks, run in {@code cwd}: their failure is a warning, as the spec says, and the rest still run. */
  static void runPoststop(Syscalls sys, Hooks hooks, HookState state, Path cwd) {
    for (var hook : hooks.poststop()) {
      try {
        HookRunner.run(sys, "poststop", List.of(hook), state.json(), cwd);
      } catch (BerthException e) {
        System.getLogger("berth-runtime").log(System.Logger.Level.WARNING, e.getMessage());
      }
    }
  }

  private static java.util.List<Integer> safePids(Cgroup cgroup) {
    try {
      return cgroup.pids();
    } catch (BerthException e) {
      return java.util.List.of();
    }
  }

  /** What hooks read on stdin; with a null status (and no pid) what berth-init completes for its own. */
  static HookState hookState(ContainerState s, Status status) {
    return new HookState(Spec.OCI_VERSION, s.id(), status == null ? null : status.json(), s.pid(), s.bundle(),
        s.annotations());
  }
}
