package dev.berth.runtime.init;

import dev.berth.common.ffm.ErrnoException;
import java.nio.file.Path;

/**
 * Starts berth-init with the instruction stream's read end on fd 3 and the sync socket on fd 4.
 * By default berth-init is a child of this process ({@link InitLauncher#local}); the supervisor has
 * the container's shim start it instead, so that the shim is the parent of what berth-init clones.
 */
@FunctionalInterface
public interface InitSpawner {
  /** Starts berth-init and returns its pid. Both fds stay the caller's to close. */
  int spawn(Path initBinary, int streamFd, int syncFd) throws ErrnoException;
}
