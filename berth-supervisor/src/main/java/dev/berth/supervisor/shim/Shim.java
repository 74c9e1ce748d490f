package dev.berth.supervisor.shim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A running shim and the container it holds. Everything about it lives in its state dir, so a
 * restarted daemon rebuilds this from the directory alone ({@link #recover}).
 *
 * @param containerPid the container's init as the host sees it
 * @param shimPid the shim itself (the container's parent)
 */
public record Shim(String id, Path stateDir, long containerPid, long shimPid, boolean terminal) {
  public static final String EXIT_FILE = "exit.json";
  public static final String SHIM_PID_FILE = "shim.pid";
  public static final String INIT_PID_FILE = "init.pid";

  /**
   * The shim of a container from its state dir, after a daemon restart; empty if no shim runs there
   * (it exited, or was killed: then {@link #exitStatus} or the runtime's state says what happened).
   */
  public static Optional<Shim> recover(String id, Path stateDir, boolean terminal) {
    try {
      long shimPid = Long.parseLong(Files.readString(stateDir.resolve(SHIM_PID_FILE)).strip());
      long initPid = Long.parseLong(Files.readString(stateDir.resolve(INIT_PID_FILE)).strip());
      Shim shim = new Shim(id, stateDir.toAbsolutePath(), initPid, shimPid, terminal);
      return shim.alive() ? Optional.of(shim) : Optional.empty();
    } catch (NoSuchFileException | NumberFormatException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new dev.berth.common.error.Internal("cannot read the shim's state in " + stateDir + ": " + e.getMessage(), e);
    }
  }

  public ShimClient client() {
    return new ShimClient(stateDir);
  }

  public ContainerLog log() {
    return new ContainerLog(stateDir);
  }

  /** The exit status the shim recorded, if the container has exited. */
  public Optional<ExitStatus> exitStatus() {
    return ExitStatus.read(stateDir.resolve(EXIT_FILE));
  }

  /** Whether the shim process is still alive (by its recorded pid, checked against its command). */
  public boolean alive() {
    return process().isPresent();
  }

  /** The shim's process, if it is alive and still runs berth-shim (a reused pid is not it). */
  public Optional<ProcessHandle> process() {
    return ProcessHandle.of(shimPid).filter(ProcessHandle::isAlive).filter(h -> runsShim(h.pid()));
  }

  /**
   * By the process's name in /proc: ProcessHandle.info() would also look its owner up in the user
   * database (reading /etc/passwd) at every check, several per container start.
   */
  private static boolean runsShim(long pid) {
    try {
      return Files.readString(Path.of("/proc/" + pid + "/comm")).strip().equals(ShimBinary.NAME);
    } catch (IOException e) {
      return false;
    }
  }
}
