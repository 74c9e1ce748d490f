package dev.berth.daemon;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import dev.berth.common.io.AtomicFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One berthd per data root: two daemons on the same containers and shims would each believe it owns
 * them. An exclusive lock on {@code <data-root>/berthd.lock}, held while the daemon runs (the kernel
 * drops it when the process dies, so a kill -9 leaves no stale lock), and the pid in
 * {@code <exec-root>/berthd.pid} for tools.
 */
final class DaemonLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;
  private final Path pidFile;

  private DaemonLock(FileChannel channel, FileLock lock, Path pidFile) {
    this.channel = channel;
    this.lock = lock;
    this.pidFile = pidFile;
  }

  static DaemonLock acquire(Path dataRoot, Path execRoot) {
    Path file = dataRoot.resolve("berthd.lock");
    FileChannel channel = null;
    try {
      Files.createDirectories(dataRoot);
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        String other = Files.readString(file, StandardCharsets.US_ASCII).strip();
        throw new Conflict("another berthd" + (other.isEmpty() ? "" : " (pid " + other + ")")
            + " is running with data root " + dataRoot);
      }
      byte[] pid = Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      Files.createDirectories(execRoot);
      Path pidFile = execRoot.resolve("berthd.pid");
      AtomicFiles.write(pidFile, pid);
      return new DaemonLock(channel, lock, pidFile);
    } catch (IOException e) {
      close(channel);
      throw new Internal("cannot lock " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(channel);
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(pidFile);
      lock.release();
    } catch (IOException ignored) {
      // the process is ending: the kernel releases the lock anyway
    }
    close(channel);
  }

  private static void close(FileChannel channel) {
    if (channel == null) return;
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
  }
}
