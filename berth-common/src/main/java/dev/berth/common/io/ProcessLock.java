package dev.berth.common.io;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.Internal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One process of a kind per state directory: an exclusive lock on a file, held while the process
 * runs. The kernel drops it when the process dies, so a kill -9 leaves no stale lock; the file holds
 * the holder's pid, for the message the next one gets.
 */
public final class ProcessLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private ProcessLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * @param what the process's name in the refusal ("berthd", "supervisor")
   * @param scope what it guards, for the refusal ("data root /var/lib/berth")
   * @throws Conflict while another process holds it
   */
  public static ProcessLock acquire(Path file, String what, String scope) {
    FileChannel channel = null;
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        String other = Files.readString(file, StandardCharsets.US_ASCII).strip();
        throw new Conflict("another " + what + (other.isEmpty() ? "" : " (pid " + other + ")") + " is running with "
            + scope);
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(Long.toString(ProcessHandle.current().pid()).getBytes(StandardCharsets.US_ASCII)), 0);
      return new ProcessLock(channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new Internal("cannot lock " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
    } catch (IOException ignored) {
      // the channel's close below releases it too
    }
    closeQuietly(channel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel == null) return;
    try {
      channel.close();
    } catch (IOException ignored) {
      // nothing more to release
    }
  }
}
