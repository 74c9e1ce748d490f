package dev.berth.supervisor.shim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Reads a container's json-file log as the shim writes it: {@code container-json.log} and its rotated
 * predecessors {@code .1} (newest) to {@code .N} (oldest), one JSON record per line. Reading is safe
 * while the shim writes and rotates; {@link #follow} keeps reading across rotations.
 */
public final class ContainerLog {
  public static final String FILE_NAME = "container-json.log";
  static final Duration POLL_INTERVAL = Duration.ofMillis(50);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  public ContainerLog(Path dir) {
    this.dir = dir;
  }

  public Path current() {
    return dir.resolve(FILE_NAME);
  }

  /** The log's files, oldest first, the current one last (if it exists). */
  public List<Path> files() {
    TreeMap<Integer, Path> rotated = new TreeMap<>(Comparator.reverseOrder());
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, FILE_NAME + ".*")) {
      for (Path entry : entries) {
        String suffix = entry.getFileName().toString().substring(FILE_NAME.length() + 1);
        if (suffix.matches("[1-9][0-9]{0,5}")) rotated.put(Integer.parseInt(suffix), entry);
      }
    } catch (NoSuchFileException e) {
      return List.of();
    } catch (IOException e) {
      throw new Internal("cannot list the log in " + dir + ": " + e.getMessage(), e);
    }
    List<Path> files = new ArrayList<>(rotated.values());
    if (Files.exists(current())) files.add(current());
    return files;
  }

  /** Passes the records the query selects, as the log is now. */
  public void read(LogQuery query, Consumer<LogRecord> sink) {
    follow(query, sink, () -> true);
  }

  public List<LogRecord> read(LogQuery query) {
    List<LogRecord> records = new ArrayList<>();
    read(query, records::add);
    return records;
  }

  /**
   * Passes the selected records, then new ones as they are written, until {@code finished} says the
   * writer is done (the container exited and its shim recorded it) and what remains is read, the
   * query's {@code until} is reached, or the thread is interrupted.
   */
  public void follow(LogQuery query, Consumer<LogRecord> sink, BooleanSupplier finished) {
    Selector selector = new Selector(query, sink);
    LogCursor cursor = null;
    try {
      List<Path> files = files();
      for (int i = 0; i < files.size() && !selector.done; i++) {
        Optional<LogCursor> opened = LogCursor.open(files.get(i));
        if (opened.isEmpty()) continue;
        if (cursor != null) cursor.close();
        cursor = opened.get();
        cursor.readLines(selector::accept);
      }
      selector.endOfHistory();
      while (!selector.done && !Thread.currentThread().isInterrupted()) {
        if (cursor == null) {
          cursor = LogCursor.open(current()).orElse(null);
        } else if (!cursor.readLines(selector::accept) && cursor.replaced()) {
          // Rotated: the old file is complete (read to its end just now), the new one starts at 0.
          cursor.close();
          cursor = LogCursor.open(current()).orElse(null);
          continue;
        }
        if (finished.getAsBoolean()) {
          if (cursor != null) cursor.readLines(selector::accept);
          return;
        }
        Thread.sleep(POLL_INTERVAL);
      }
    } catch (IOException e) {
      throw new Internal("cannot read the log in " + dir + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeQuietly(cursor);
    }
  }

  static Optional<LogRecord> parse(String line) {
    try {
      JsonNode node = JSON.readTree(line);
      if (node == null || !node.has("log") || !node.has("stream") || !node.has("time")) return Optional.empty();
      return Optional.of(new LogRecord(Instant.parse(node.get("time").asText()), node.get("stream").asText(),
          node.get("log").asText()));
    } catch (IOException | RuntimeException e) {
      // A torn or foreign line: skip it rather than fail the whole read.
      return Optional.empty();
    }
  }

  /** Applies the query: filters as records come, holds back the last {@code tail} until history ends. */
  private static final class Selector {
    private final LogQuery query;
    private final Consumer<LogRecord> sink;
    private final ArrayDeque<LogRecord> tail = new ArrayDeque<>();
    private boolean history = true;
    boolean done;

    Selector(LogQuery query, Consumer<LogRecord> sink) {
      this.query = query;
      this.sink = sink;
    }

    void accept(String line) {
      if (done) return;
      Optional<LogRecord> parsed = parse(line);
      if (parsed.isEmpty()) return;
      LogRecord record = parsed.get();
      if (query.reachedUntil(record.time())) {
        done = true;
        return;
      }
      if (query.before(record.time()) || !query.wantsStream(record.stream())) return;
      if (history && query.tail() >= 0) {
        if (query.tail() == 0) return;
        if (tail.size() == query.tail()) tail.removeFirst();
        tail.addLast(record);
        return;
      }
      sink.accept(record);
    }

    void endOfHistory() {
      history = false;
      tail.forEach(sink);
      tail.clear();
    }
  }

  private static void closeQuietly(LogCursor cursor) {
    if (cursor == null) return;
    try {
      cursor.close();
    } catch (IOException e) {
      // read-only: nothing lost
    }
  }
}
