package dev.berth.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerLogTest {
  @TempDir Path dir;

  private static final Instant T0 = Instant.parse("2026-11-22T11:00:00Z");

  private static String record(int second, String stream, String text) {
    String escaped = text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    return "{\"log\":\"" + escaped + "\",\"stream\":\"" + stream + "\",\"time\":\"" + T0.plusSeconds(second) + "\"}\n";
  }

  private void write(String name, String... records) throws IOException {
    Files.writeString(dir.resolve(name), String.join("", records), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private static List<String> texts(List<LogRecord> records) {
    return records.stream().map(LogRecord::text).toList();
  }

  /** Three files as the shim leaves them after two rotations: .2 oldest, .1, then the current one. */
  private void rotatedLog() throws IOException {
    write("container-json.log.2", record(0, "stdout", "a\n"), record(1, "stderr", "b\n"));
    write("container-json.log.1", record(2, "stdout", "c\n"), record(3, "stdout", "d\n"));
    write("container-json.log", record(4, "stderr", "e\n"), record(5, "stdout", "f"));
  }

  @Test
  void readsRotatedFilesOldestFirst() throws IOException {
    rotatedLog();
    write("container-json.log.bak", record(9, "stdout", "not ours\n"));
    List<LogRecord> all = new ContainerLog(dir).read(LogQuery.all());
    assertEquals(List.of("a\n", "b\n", "c\n", "d\n", "e\n", "f"), texts(all));
    assertEquals("stderr", all.get(1).stream());
    assertEquals(T0.plusSeconds(4), all.get(4).time());
    assertTrue(all.get(5).partial());
    assertFalse(all.get(4).partial());
  }

  @Test
  void filtersBySinceUntilStreamAndTail() throws IOException {
    rotatedLog();
    ContainerLog log = new ContainerLog(dir);
    assertEquals(List.of("c\n", "d\n", "e\n", "f"), texts(log.read(LogQuery.all().withSince(T0.plusSeconds(2)))));
    assertEquals(List.of("a\n", "b\n", "c\n"), texts(log.read(LogQuery.all().withUntil(T0.plusSeconds(3)))));
    assertEquals(List.of("e\n", "f"), texts(log.read(LogQuery.all().withTail(2))));
    assertEquals(List.of(), texts(log.read(LogQuery.all().withTail(0))));
    assertEquals(List.of("b\n", "e\n"), texts(log.read(new LogQuery(null, null, -1, false, true))));
    assertEquals(List.of("c\n", "d\n"),
        texts(log.read(new LogQuery(T0.plusSeconds(1), T0.plusSeconds(5), 2, true, false))));
  }

  @Test
  void skipsTornAndForeignLinesAndWaitsForTheLineEnd() throws IOException {
    write("container-json.log", record(0, "stdout", "one\n"), "garbage\n", "{\"log\":\"half");
    ContainerLog log = new ContainerLog(dir);
    assertEquals(List.of("one\n"), texts(log.read(LogQuery.all())));
    write("container-json.log", "\\n\",\"stream\":\"stdout\",\"time\":\"" + T0 + "\"}\n");
    assertEquals(List.of("one\n", "half\n"), texts(log.read(LogQuery.all())));
  }

  @Test
  void decodesEscapes() throws IOException {
    write("container-json.log",
        "{\"log\":\"tab\\there \\\"q\\\" \\u001b[0m caf\\u00e9 \\ufffd\\r\\n\",\"stream\":\"stdout\",\"time\":\"" + T0 + "\"}\n");
    assertEquals(List.of("tab\there \"q\" \u001b[0m café \ufffd\r\n"), texts(new ContainerLog(dir).read(LogQuery.all())));
  }

  @Test
  void missingLogIsEmpty() {
    assertEquals(List.of(), new ContainerLog(dir.resolve("nope")).read(LogQuery.all()));
  }

  @Test
  void followKeepsReadingAcrossRotationUntilFinished() throws Exception {
    write("container-json.log", record(0, "stdout", "before\n"));
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean finished = new AtomicBoolean();
    ContainerLog log = new ContainerLog(dir);
    Thread follower = Thread.ofVirtual().start(() -> log.follow(LogQuery.all().withTail(1), r -> seen.add(r.text()), finished::get));
    awaitSize(seen, 1);
    write("container-json.log", record(1, "stdout", "second\n"));
    awaitSize(seen, 2);
    // A record the follower has likely not read yet, then a rotation as the shim does it: rename the
    // current file away, then start a new one.
    write("container-json.log", record(2, "stdout", "third\n"));
    Files.move(dir.resolve("container-json.log"), dir.resolve("container-json.log.1"));
    write("container-json.log", record(3, "stderr", "in the new file\n"));
    awaitSize(seen, 4);
    write("container-json.log", record(4, "stdout", "last\n"));
    finished.set(true);
    follower.join(TimeUnit.SECONDS.toMillis(10));
    assertFalse(follower.isAlive());
    assertEquals(List.of("before\n", "second\n", "third\n", "in the new file\n", "last\n"), seen);
  }

  @Test
  void followSeesATruncatedSingleFileStartOver() throws Exception {
    write("container-json.log", record(0, "stdout", "old old old old\n"));
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicBoolean finished = new AtomicBoolean();
    Thread follower = Thread.ofVirtual().start(() -> new ContainerLog(dir).follow(LogQuery.all(), r -> seen.add(r.text()), finished::get));
    awaitSize(seen, 1);
    Files.writeString(dir.resolve("container-json.log"), record(1, "stdout", "new\n"), StandardCharsets.UTF_8);
    awaitSize(seen, 2);
    finished.set(true);
    follower.join(10_000);
    assertEquals(List.of("old old old old\n", "new\n"), seen);
  }

  @Test
  void followStopsAtUntil() throws Exception {
    write("container-json.log", record(0, "stdout", "in\n"), record(10, "stdout", "out\n"));
    List<String> seen = new CopyOnWriteArrayList<>();
    Thread follower = Thread.ofVirtual().start(() -> new ContainerLog(dir).follow(LogQuery.all().withUntil(T0.plusSeconds(5)), r -> seen.add(r.text()), () -> false));
    follower.join(10_000);
    assertFalse(follower.isAlive());
    assertEquals(List.of("in\n"), seen);
  }

  static void awaitSize(List<?> list, int size) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (list.size() < size) {
      if (System.nanoTime() > deadline) throw new AssertionError("expected " + size + " items, have " + list);
      Thread.sleep(10);
    }
  }
}
