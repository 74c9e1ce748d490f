package dev.berth.daemon;

import dev.berth.common.error.Internal;
import dev.berth.common.io.AtomicFiles;
import dev.berth.common.io.ProcessLock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One berthd per data root: two daemons on the same containers and shims would each believe it owns
 * them. The lock is {@code <data-root>/berthd.lock}; the pid also goes to {@code <exec-root>/berthd.pid}
 * for tools.
 */
final class DaemonLock implements AutoCloseable {
  private final ProcessLock lock;
  private final Path pidFile;

  private DaemonLock(ProcessLock lock, Path pidFile) {
    this.lock = lock;
    this.pidFile = pidFile;
  }

  static DaemonLock acquire(Path dataRoot, Path execRoot) {
    ProcessLock lock = ProcessLock.acquire(dataRoot.resolve("berthd.lock"), "berthd", "data root " + dataRoot);
    Path pidFile = execRoot.resolve("berthd.pid");
    try {
      Files.createDirectories(execRoot);
      AtomicFiles.write(pidFile, Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII));
      return new DaemonLock(lock, pidFile);
    } catch (IOException e) {
      lock.close();
      throw new Internal("cannot write " + pidFile + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException ignored) {
      // a stale pid file names a dead process; the lock is what counts
    }
    lock.close();
  }
}
