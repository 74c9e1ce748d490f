package dev.berth.supervisor.shim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Internal;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** berth-shim with runc and a busybox bundle: lifecycle, log, attach, terminal, detachment, memory. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ShimIT {
  private static final Path RUNC = Path.of("/usr/sbin/runc");

  @TempDir Path tmp;
  private final List<String> containers = new ArrayList<>();
  private final List<Long> shimPids = new ArrayList<>();
  private final List<Process> starters = new ArrayList<>();

  private Path runcRoot() {
    return tmp.resolve("runc");
  }

  private ShimOptions options(String name, boolean terminal, String... args) throws Exception {
    String id = "shim-it-" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    containers.add(id);
    Path bundle = BusyboxBundle.create(tmp.resolve(id + "-bundle"), terminal, args);
    return ShimOptions.of(id, bundle, RUNC, tmp.resolve(id)).withRuntimeRoot(runcRoot()).withTerminal(terminal)
        .withExitGrace(Duration.ofMillis(500));
  }

  private Shim launch(ShimOptions options) {
    Shim shim = new ShimLauncher(ShimBinary.locate(), Duration.ofSeconds(30)).launch(options);
    shimPids.add(shim.shimPid());
    return shim;
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Process p : starters) p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    for (String id : containers) {
      new ProcessBuilder(RUNC.toString(), "--root", runcRoot().toString(), "delete", "--force", id)
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
    }
    for (long pid : shimPids) {
      ProcessHandle.of(pid).filter(h -> h.info().command().map(c -> c.endsWith("berth-shim")).orElse(false))
          .ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void runsTheContainerLogsItsOutputAndRecordsItsExit() throws Exception {
    Shim shim = launch(options("exit3", false, "sh", "-c", "echo out; echo err >&2; printf no-newline; exit 3"));
    assertEquals("created", shim.client().state().status());
    Instant before = Instant.now();
    shim.client().start();
    ExitStatus status = shim.client().waitExit();
    assertEquals(3, status.exitCode());
    assertEquals(0, status.signal());
    assertEquals(shim.containerPid(), status.pid());
    assertEquals(status, shim.exitStatus().orElseThrow());
    List<LogRecord> log = shim.log().read(LogQuery.all());
    assertEquals(3, log.size(), log.toString());
    // stdout and stderr are separate pipes: their relative order is the reader's, not the container's.
    assertTrue(log.stream().anyMatch(r -> r.text().equals("out\n") && r.stream().equals("stdout")), log.toString());
    assertTrue(log.stream().anyMatch(r -> r.text().equals("err\n") && r.stream().equals("stderr")), log.toString());
    LogRecord last = log.get(2);
    assertEquals("no-newline", last.text());
    assertTrue(last.partial());
    for (LogRecord r : log) assertFalse(r.time().isBefore(before.minusSeconds(1)) || r.time().isAfter(status.exitedAt().plusSeconds(1)), r.toString());
    assertTrue(shim.client().state().stopped());
  }

  @Test
  void logRotatesWhileFollowersKeepUp() throws Exception {
    ShimOptions options = options("rotate", false, "sh", "-c",
        "for i in $(seq 1 300); do echo line-$i; sleep 0.01; done").withLog(true, 4096, 3);
    Shim shim = launch(options);
    List<String> followed = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread follower = Thread.ofVirtual().start(() ->
        shim.log().follow(LogQuery.all(), r -> followed.add(r.text()), () -> shim.exitStatus().isPresent()));
    shim.client().start();
    assertEquals(0, shim.client().waitExit().exitCode());
    follower.join(TimeUnit.SECONDS.toMillis(30));
    assertFalse(follower.isAlive());
    List<String> expected = java.util.stream.IntStream.rangeClosed(1, 300).mapToObj(i -> "line-" + i + "\n").toList();
    assertEquals(expected, followed);

    List<Path> files = shim.log().files();
    assertEquals(3, files.size(), files.toString());
    for (Path f : files) assertTrue(Files.size(f) <= 4096, f + " has " + Files.size(f) + " bytes");
    List<String> kept = shim.log().read(LogQuery.all()).stream().map(LogRecord::text).toList();
    assertEquals(expected.subList(300 - kept.size(), 300), kept, "the newest records, in order");
    assertEquals(List.of("line-299\n", "line-300\n"),
        shim.log().read(LogQuery.all().withTail(2)).stream().map(LogRecord::text).toList());
  }

  @Test
  void exitCodesZeroAndKilled() throws Exception {
    Shim ok = launch(options("true", false, "true"));
    ok.client().start();
    assertEquals(0, ok.client().waitExit().exitCode());

    Shim sleeper = launch(options("kill9", false, "sleep", "60"));
    sleeper.client().start();
    var exit = sleeper.client().onExit();
    ProcessHandle.of(sleeper.containerPid()).orElseThrow().destroyForcibly();
    ExitStatus status = exit.get(20, TimeUnit.SECONDS);
    assertEquals(137, status.exitCode());
    assertEquals(9, status.signal());
    ProcStat.awaitGone(sleeper.shimPid());
    assertFalse(Files.exists(sleeper.stateDir().resolve("shim.sock")));
  }

  @Test
  void createFailureIsReportedWithTheRuntimesMessage() throws Exception {
    ShimOptions options = options("bad", false, "/no/such/program");
    Internal e = assertThrows(Internal.class, () -> new ShimLauncher(ShimBinary.locate(), Duration.ofSeconds(30)).launch(options));
    assertTrue(e.getMessage().contains("/no/such/program"), e.getMessage());
    assertFalse(Files.exists(options.stateDir().resolve("shim.sock")));
  }

  @Test
  void attachCarriesStdinAndLiveOutputFrames() throws Exception {
    Shim shim = launch(options("cat", false, "cat").withStdin(true));
    try (Attachment attachment = shim.client().attach(true, true, true, true, false)) {
      shim.client().start();
      attachment.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
      attachment.stdin().flush();
      StreamFrame frame = attachment.nextFrame().orElseThrow();
      assertEquals(StreamFrame.STDOUT, frame.stream());
      assertEquals("hello\n", new String(frame.payload(), StandardCharsets.UTF_8));
      attachment.closeStdin();
      assertTrue(attachment.nextFrame().isEmpty(), "the stream ends when the container exits");
    }
    assertEquals(0, shim.client().waitExit().exitCode());
    assertEquals(List.of("hello\n"), shim.log().read(LogQuery.all()).stream().map(LogRecord::text).toList());
  }

  @Test
  void terminalWithResize() throws Exception {
    Shim shim = launch(options("tty", true, "sh").withStdin(true));
    try (Attachment attachment = shim.client().attach(true, true, false, false, true)) {
      shim.client().start();
      shim.client().resize(33, 77);
      attachment.stdin().write("stty size; exit 5\n".getBytes(StandardCharsets.UTF_8));
      attachment.stdin().flush();
      String output = new String(attachment.output().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(output.contains("33 77\r\n"), output);
    }
    assertEquals(5, shim.client().waitExit().exitCode());
    assertTrue(shim.log().read(LogQuery.all()).stream().anyMatch(r -> r.text().equals("33 77\r\n") && r.stream().equals("stdout")));
  }

  @Test
  void execRunsInTheContainerWithItsOwnStdioAndExit() throws Exception {
    Shim shim = launch(options("exec", false, "sleep", "60"));
    shim.client().start();
    Path process = BusyboxBundle.execProcess(tmp.resolve(shim.id() + "-bundle"), tmp.resolve("process.json"), false,
        "sh", "-c", "echo from-exec; echo exec-err >&2; exit 4");
    ShimClient exec = shim.client().exec("e1");
    long pid = shim.client().startExec("e1", process, false, false, false);
    assertTrue(pid > 0);
    assertEquals(new ExecOutput("from-exec\n", "exec-err\n"), ExecOutput.collect(exec));
    assertEquals(4, exec.waitExit().exitCode());
    assertTrue(Files.exists(shim.stateDir().resolve("exec-e1.exit.json")));
    assertEquals("running", shim.client().state().status());
    assertTrue(shim.log().read(LogQuery.all()).isEmpty(), "exec output is not the container's log");
  }

  @Test
  void containerOutlivesTheProcessThatStartedItsShim() throws Exception {
    ShimOptions options = options("detached", false, "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.1; done");
    List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\" && exec sleep 600", "sh", ShimBinary.locate().toString()));
    command.addAll(options.arguments());
    Files.createDirectories(options.stateDir());
    Process starter = new ProcessBuilder(command).redirectErrorStream(true).start();
    starters.add(starter);
    String report = new BufferedReader(new InputStreamReader(starter.getInputStream())).readLine();
    assertTrue(report != null && report.startsWith("ok "), report);
    String[] words = report.split(" ");
    Shim shim = new Shim(options.id(), options.stateDir(), Long.parseLong(words[1]), Long.parseLong(words[2]), false);
    shimPids.add(shim.shimPid());
    shim.client().start();
    starter.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

    // The shim is in its own session, the container's parent, and keeps logging.
    assertEquals(shim.shimPid(), ProcStat.sessionOf(shim.shimPid()));
    assertEquals(shim.shimPid(), ProcStat.parentOf(shim.containerPid()));
    int seen = shim.log().read(LogQuery.all()).size();
    Thread.sleep(600);
    assertTrue(shim.log().read(LogQuery.all()).size() > seen, "the log keeps growing");
    assertEquals(shim, Shim.recover(shim.id(), shim.stateDir(), false).orElseThrow());

    shim.client().kill(9);
    assertEquals(137, shim.client().waitExit().exitCode());
  }

  @Test
  void killedShimLeavesTheContainerRunning() throws Exception {
    Shim shim = launch(options("orphan", false, "sleep", "60"));
    shim.client().start();
    ProcessHandle.of(shim.shimPid()).orElseThrow().destroyForcibly();
    ProcStat.awaitGone(shim.shimPid());
    assertTrue(ProcessHandle.of(shim.containerPid()).map(ProcessHandle::isAlive).orElse(false));
    Process state = new ProcessBuilder(RUNC.toString(), "--root", runcRoot().toString(), "state", shim.id()).start();
    String json = new String(state.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, state.waitFor());
    assertTrue(json.contains("\"status\": \"running\""), json);
    assertTrue(Shim.recover(shim.id(), shim.stateDir(), false).isEmpty(), "a dead shim is not recovered");
    assertTrue(shim.exitStatus().isEmpty(), "nobody recorded an exit");
  }

  @Test
  void residentMemoryStaysUnderTwoMegabytes() throws Exception {
    Shim shim = launch(options("rss", false, "sh", "-c", "seq 1 50000; yes 0123456789abcdef | head -c 300000; sleep 60"));
    shim.client().start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (shim.log().read(LogQuery.all().withTail(1)).stream().noneMatch(r -> r.text().startsWith("0123456789abcdef"))) {
      assertTrue(System.nanoTime() < deadline, "the output did not reach the log");
      Thread.sleep(50);
    }
    long rssKb = vmRssKb(shim.shimPid());
    System.out.println("berth-shim with a running container after 50k lines of output: " + memory(shim.shimPid()));
    assertTrue(rssKb < 2048, "VmRSS " + rssKb + " kB");
    shim.client().kill(9);
    assertEquals(137, shim.client().waitExit().exitCode());
  }

  private static long vmRssKb(long pid) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    throw new AssertionError("no VmRSS for " + pid);
  }

  /** VmRSS and its split: RssFile is mostly libc's pages, shared by every shim. */
  private static String memory(long pid) throws IOException {
    return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream()
        .filter(l -> l.startsWith("VmRSS") || l.startsWith("RssAnon") || l.startsWith("RssFile"))
        .map(l -> l.replaceAll("\\s+", " ")).toList().toString();
  }
}
