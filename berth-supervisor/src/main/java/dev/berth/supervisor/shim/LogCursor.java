package dev.berth.supervisor.shim;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A read position in one log file that the shim may still be appending to: it hands out complete
 * lines only (a record may be written in pieces), and survives the file being truncated.
 */
final class LogCursor implements Closeable {
  private final Path path;
  private final FileChannel channel;
  private final Object fileKey;
  private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private long position;

  private LogCursor(Path path, FileChannel channel, Object fileKey) {
    this.path = path;
    this.channel = channel;
    this.fileKey = fileKey;
  }

  static Optional<LogCursor> open(Path path) throws IOException {
    try {
      FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
      return Optional.of(new LogCursor(path, channel, fileKey(path)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  static Object fileKey(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Whether the path now names another file than the one this cursor reads (the log rotated). */
  boolean replaced() throws IOException {
    return !Objects.equals(fileKey(path), fileKey);
  }

  /** Passes every complete line available now; returns whether there was any. */
  boolean readLines(Consumer<String> lines) throws IOException {
    if (channel.size() < position) {
      // Truncated in place (rotation with a single file): start over.
      position = 0;
      pending.reset();
    }
    boolean any = false;
    while (true) {
      buffer.clear();
      int n = channel.read(buffer, position);
      if (n <= 0) return any;
      position += n;
      byte[] bytes = buffer.array();
      int start = 0;
      for (int i = 0; i < n; i++) {
        if (bytes[i] != '\n') continue;
        pending.write(bytes, start, i - start);
        lines.accept(pending.toString(StandardCharsets.UTF_8));
        pending.reset();
        any = true;
        start = i + 1;
      }
      pending.write(bytes, start, n - start);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
