package dev.berth.runtime.init;

import dev.berth.common.error.InvalidArgument;
import dev.berth.common.ffm.ErrnoException;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts berth-init with the instruction stream's read end on fd 3 and the sync socket on fd 4.
 * By default berth-init is a child of this process ({@link InitLauncher#local}); the supervisor has
 * the container's shim start it instead, so that the shim is the parent of what berth-init clones.
 */
@FunctionalInterface
public interface InitSpawner {
  /** Starts berth-init and returns its pid. Both fds stay the caller's to close. */
  int spawn(Path initBinary, int streamFd, int syncFd) throws ErrnoException;

  /**
   * Starts berth-init with, besides the stream and the sync socket, {@code extraFds} (fds of this
   * process) on its fds {@link InitLauncher#FIRST_EXTRA_FD}, +1, … in order: the fds the container
   * process keeps (--preserve-fds). All stay the caller's to close. A spawner that cannot pass fds
   * refuses any.
   */
  default int spawn(Path initBinary, int streamFd, int syncFd, List<Integer> extraFds) throws ErrnoException {
    if (!extraFds.isEmpty()) {
      throw new InvalidArgument("cannot pass " + extraFds.size()
          + " extra fds to the container: its init is started by a spawner that does not pass fds");
    }
    return spawn(initBinary, streamFd, syncFd);
  }
}
