package dev.berth.supervisor.task;

import dev.berth.common.error.BerthException;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.container.ContainerState;
import dev.berth.runtime.init.InitSpawner;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.supervisor.shim.Shim;
import dev.berth.supervisor.shim.ShimClient;
import dev.berth.supervisor.shim.ShimLauncher;
import dev.berth.supervisor.shim.ShimOptions;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Create and exec through Berth's runtime library in this JVM, which saves a runtime program (a JVM)
 * per container and per exec. Only berth-init's start is the shim's ({@link ShimClient#spawn}), so
 * the shim is still the parent of the container's processes and holds their stdio.
 */
final class LibraryProcesses {
  private LibraryProcesses() {}

  /** Starts a shim with {@code --create-by-client} on a virtual thread. */
  static CompletableFuture<Shim> launchInBackground(ShimLauncher launcher, ShimOptions options) {
    return CompletableFuture.supplyAsync(() -> launcher.launch(options), r -> Thread.ofVirtual().start(r));
  }

  /**
   * Creates the container of a shim started with {@code --create-by-client}, which may still be starting:
   * the library reads the bundle, makes the state and the cgroup meanwhile, and waits for the shim only
   * to spawn berth-init through it (or, for a terminal, to know its console socket). On failure nothing
   * is left: the runtime's state is removed and the shim told to exit.
   *
   * @return the shim, now with the container's pid
   */
  static Shim create(ContainerRuntime library, String id, Path stateDir, CompletableFuture<Shim> launching, Path bundle,
      TaskStdio stdio) {
    ContainerState state = null;
    try {
      Path console = stdio.terminal() ? ShimClient.consoleAddress(launched(launching).shimPid()) : null;
      InitSpawner spawner = (binary, streamFd, syncFd) -> launched(launching).client().spawn(binary, streamFd,
          syncFd, stdio.terminal(), stdio.stdin());
      state = library.create(id, bundle, new ContainerRuntime.CreateOptions(
          stateDir.resolve(Shim.INIT_PID_FILE), console, false, null, spawner));
      Shim shim = launched(launching);
      shim.client().created(state.pid());
      return new Shim(shim.id(), shim.stateDir(), state.pid(), shim.shimPid(), shim.terminal());
    } catch (RuntimeException e) {
      abandon(launching, e);
      if (state != null) {
        try {
          library.delete(id, true);
        } catch (BerthException cleanup) {
          e.addSuppressed(cleanup);
        }
      }
      throw e;
    }
  }

  /** Starts a created container and tells its shim, which saves a runtime program's start. */
  static void start(ContainerRuntime library, Shim shim) {
    library.start(shim.id());
    // A process quick enough to have exited already is acknowledged too (the shim knows it ran).
    shim.client().markStarted();
  }

  /**
   * Runs an exec process (an OCI process.json) in the container; its output waits in the shim for the
   * first attach.
   *
   * @return the exec process's pid
   */
  static long exec(ContainerRuntime library, Shim shim, String execId, byte[] process, boolean terminal,
      boolean stdin) {
    ShimClient client = shim.client().exec(execId);
    Path console = terminal ? ShimClient.consoleAddress(shim.shimPid()) : null;
    InitSpawner spawner = (binary, streamFd, syncFd) -> client.spawn(binary, streamFd, syncFd, terminal, stdin);
    try {
      int pid = library.exec(shim.id(), SpecLoader.parseProcess(process, "exec " + execId),
          new ContainerRuntime.ExecOptions(shim.stateDir().resolve("exec-" + execId + ".pid"), console, true, null,
              spawner));
      client.created(pid);
      return pid;
    } catch (RuntimeException e) {
      abandon(client, e);
      throw e;
    }
  }

  /** The launched shim; a failed launch's own exception. */
  private static Shim launched(CompletableFuture<Shim> launching) {
    try {
      return launching.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      throw e;
    }
  }

  /**
   * Tells a shim launched for a create that failed to exit, once it is up; one whose launch failed left
   * nothing. Null: no launch.
   */
  static void abandon(CompletableFuture<Shim> launching, RuntimeException failure) {
    if (launching == null) return;
    Shim shim;
    try {
      shim = launched(launching);
    } catch (RuntimeException launchFailure) {
      if (launchFailure != failure) failure.addSuppressed(launchFailure);
      return;
    }
    abandon(shim.client(), failure);
  }

  private static void abandon(ShimClient client, RuntimeException failure) {
    try {
      client.abandon();
    } catch (BerthException e) {
      failure.addSuppressed(e);
    }
  }
}
