package dev.berth.supervisor.task;

import dev.berth.common.error.BerthException;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.container.ContainerState;
import dev.berth.runtime.init.InitSpawner;
import dev.berth.runtime.spec.SpecLoader;
import dev.berth.supervisor.shim.Shim;
import dev.berth.supervisor.shim.ShimClient;
import java.nio.file.Path;

/**
 * Create and exec through Berth's runtime library in this JVM, which saves a runtime program (a JVM)
 * per container and per exec. Only berth-init's start is the shim's ({@link ShimClient#spawn}), so
 * the shim is still the parent of the container's processes and holds their stdio.
 */
final class LibraryProcesses {
  private LibraryProcesses() {}

  /**
   * Creates the container of a shim started with {@code --create-by-client}. On failure nothing is
   * left: the runtime's state is removed and the shim told to exit.
   *
   * @return the shim, now with the container's pid
   */
  static Shim create(ContainerRuntime library, Shim shim, Path bundle, TaskStdio stdio) {
    ShimClient client = shim.client();
    Path console = stdio.terminal() ? ShimClient.consoleAddress(shim.shimPid()) : null;
    InitSpawner spawner = (binary, streamFd, syncFd) -> client.spawn(binary, streamFd, syncFd, stdio.terminal(),
        stdio.stdin());
    ContainerState state = null;
    try {
      state = library.create(shim.id(), bundle, new ContainerRuntime.CreateOptions(
          shim.stateDir().resolve(Shim.INIT_PID_FILE), console, false, null, spawner));
      client.created(state.pid());
      return new Shim(shim.id(), shim.stateDir(), state.pid(), shim.shimPid(), shim.terminal());
    } catch (RuntimeException e) {
      abandon(client, e);
      if (state != null) {
        try {
          library.delete(shim.id(), true);
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
    try {
      shim.client().markStarted();
    } catch (BerthException e) {
      // A process quick enough to exit before the shim heard of its start is fine: it ran.
      if (!shim.client().state().stopped()) throw e;
    }
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

  private static void abandon(ShimClient client, RuntimeException failure) {
    try {
      client.abandon();
    } catch (BerthException e) {
      failure.addSuppressed(e);
    }
  }
}
