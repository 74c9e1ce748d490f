package dev.berth.common.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes that a crash cannot tear: the bytes go to a temporary file in the same directory, are
 * fsynced, and replace the target with one rename. A reader sees the old file or the new one, never
 * half of either. Temporary names start with {@code .tmp-} so recovery code can find and remove them.
 */
public final class AtomicFiles {
  public static final String TEMP_PREFIX = ".tmp-";

  private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
  private static final AtomicLong COUNTER = new AtomicLong();

  private AtomicFiles() {}

  public static void write(Path target, byte[] content) throws IOException {
    write(target, content, true);
  }

  /**
   * As {@link #write}, atomic against a crash of this process but not made durable: no fsync. For
   * state that means nothing once the machine's processes are gone, such as an OCI runtime's state of
   * its containers (runc does not fsync it either); fsync costs milliseconds on a disk.
   */
  public static void replace(Path target, byte[] content) throws IOException {
    write(target, content, false);
  }

  private static void write(Path target, byte[] content, boolean durable) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = createTemp(dir, target.getFileName().toString());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        if (durable) {
          ch.force(true);
        }
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("cannot replace " + target + " atomically", e);
      }
      if (durable) {
        syncDirectory(dir);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * A new empty file in {@code dir}, readable by its owner only (as Files.createTempFile makes it), but
   * named without SecureRandom, whose first use costs a short-lived JVM milliseconds.
   */
  private static Path createTemp(Path dir, String name) throws IOException {
    for (;;) {
      Path tmp = dir.resolve(TEMP_PREFIX + name + "-" + Long.toHexString(System.nanoTime()) + "-"
          + COUNTER.incrementAndGet());
      try {
        return Files.createFile(tmp, OWNER_ONLY);
      } catch (FileAlreadyExistsException e) {
        // another writer's name: take the next
      }
    }
  }
  /** Makes a rename or create in {@code dir} durable. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** Removes temporary files a crashed writer left in {@code dir}. */
  public static void removeLeftovers(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (var entries = Files.newDirectoryStream(dir, TEMP_PREFIX + "*")) {
      for (Path p : entries) {
        Files.deleteIfExists(p);
      }
    }
  }
}
