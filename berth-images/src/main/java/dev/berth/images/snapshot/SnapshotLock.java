package dev.berth.images.snapshot;

import dev.berth.common.error.Internal;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Serialises changes to one snapshot root: across threads (a lock per root, shared by every
 * {@code Snapshots} of that root in the JVM) and across processes (an flock on {@code .lock}). Only
 * the short publish/remove steps run under it; unpacking does not.
 */
final class SnapshotLock {
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
  private final Path file;
  private final ReentrantLock lock;

  SnapshotLock(Path root) {
    this.file = root.resolve(".lock");
    this.lock = LOCKS.computeIfAbsent(root.toAbsolutePath().normalize(), r -> new ReentrantLock());
  }

  <T> T locked(Supplier<T> body) {
    lock.lock();
    if (lock.getHoldCount() > 1) {
      try {
        return body.get(); // already held: a second channel's close would drop the process's flock
      } finally {
        lock.unlock();
      }
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = ch.lock()) {
      return body.get();
    } catch (IOException e) {
      throw new Internal("cannot lock " + file + ": " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  void locked(Runnable body) {
    locked(() -> {
      body.run();
      return null;
    });
  }
}
