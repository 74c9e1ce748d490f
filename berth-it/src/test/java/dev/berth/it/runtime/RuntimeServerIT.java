package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.Poll;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/berth-runtime's runtime server (berth-native/client): the first command starts it, later ones
 * are run by it, with the caller's cwd, stdio, fds and exit codes, and the container a child of the
 * caller, not of the server. It ends with its --root or when idle, and stays off when told to.
 */
class RuntimeServerIT {
  private static final String ID = "srv-" + ProcessHandle.current().pid();

  @TempDir Path tmp;
  private Path root;
  private BusyboxBundle bundle;
  private final List<String> ids = new ArrayList<>();
  /** Logs a test made its server write, which the server keeps: removed once it has ended. */
  private final List<Path> logs = new ArrayList<>();

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectories(tmp.resolve("state"));
    bundle = BusyboxBundle.create(tmp.resolve("bundle"), "sh", "-c", "echo out; echo err >&2; exit 3");
  }

  @AfterEach
  void tearDown() throws IOException {
    for (String id : ids) {
      runtime(Map.of("BERTH_RUNTIME_SERVER", "off"), tmp, "delete", "--force", id);
    }
    // The server ends once its --root is gone, and takes its files with it; one that did not is a
    // failure, and is ended here.
    Server server = server();
    Cmd.run("rm", "-rf", root.toString());
    if (server != null) {
      boolean ended = Poll.until(() -> ProcessHandle.of(server.pid()).map(p -> !p.isAlive()).orElse(true), 5000);
      if (!ended) {
        ProcessHandle.of(server.pid()).ifPresent(ProcessHandle::destroyForcibly);
      }
      assertTrue(ended, "the runtime server " + server.pid() + " outlived its --root");
      assertFalse(Files.exists(server.socket()), "the server left its socket");
      assertFalse(Files.exists(server.file(".lock")), "the server left its lock file");
    }
    for (Path log : logs) {
      Files.deleteIfExists(log);
    }
  }

  private Cmd.Result runtime(Map<String, String> env, Path cwd, String... args) {
    List<String> cmd = new ArrayList<>(List.of(BerthHome.runtime().toString(), "--root", root.toString()));
    cmd.addAll(List.of(args));
    return Cmd.run(cmd, env, cwd, 60);
  }

  private Cmd.Result runtime(String... args) {
    return runtime(Map.of(), tmp, args);
  }

  private String id(String suffix) {
    String id = ID + "-" + suffix;
    ids.add(id);
    return id;
  }

  /** The runtime server of this test's --root: its pid and socket (its lock and log are beside it). */
  private record Server(long pid, Path socket) {
    Path file(String suffix) {
      return socket.resolveSibling(socket.getFileName().toString().replace(".sock", suffix));
    }
  }

  /** Starts the server with a first command and waits for its socket. */
  private long startServer() {
    runtime("run", "--bundle", bundle.dir().toString(), id("first"));
    assertTrue(Poll.until(() -> server() != null && Files.exists(server().socket()), 20_000), "no server for " + root);
    return server().pid();
  }

  /** The process serving this test's root ({@code --serve SOCKET LOCK-FD ROOT}), or null. */
  private Server server() {
    return ProcessHandle.allProcesses().map(p -> {
      List<String> args = List.of(p.info().arguments().orElse(new String[0]));
      int serve = args.indexOf("--serve");
      boolean ours = serve >= 0 && args.size() == serve + 4 && args.get(serve + 3).equals(root.toString());
      return ours && p.isAlive() ? new Server(p.pid(), Path.of(args.get(serve + 1))) : null;
    }).filter(java.util.Objects::nonNull).findFirst().orElse(null);
  }

  private long serverPid() {
    Server server = server();
    return server == null ? -1 : server.pid();
  }

  @Test
  void servesRunWithTheCallersStdioAndExitCode() throws Exception {
    long server = startServer();
    assertTrue(server > 0);
    Cmd.Result r = runtime("run", "--bundle", bundle.dir().toString(), id("run"));
    assertEquals(3, r.exit(), r.toString());
    assertEquals("out\n", r.out());
    assertEquals("err\n", r.err());
    assertEquals(server, serverPid(), "the server changed");
  }

  @Test
  void runsNoJvmPerCommandOnceServing() throws Exception {
    startServer();
    BusyboxBundle sleeper = BusyboxBundle.create(tmp.resolve("sleeper"), "sleep", "60");
    String id = id("nojvm");
    Process run = new ProcessBuilder(BerthHome.runtime().toString(), "--root", root.toString(), "run", "--bundle",
        sleeper.dir().toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      assertTrue(Poll.until(() -> runtime("state", id).out().contains("\"running\""), 20_000), "never running");
      // Served, the caller's process is still the client; run by a JVM of its own, it would be java.
      String exe = Files.readSymbolicLink(Path.of("/proc/" + run.pid() + "/exe")).toString();
      assertTrue(exe.endsWith("/lib/berth-runtime"), "the command ran in " + exe);
      runtime("kill", id, "KILL").ok();
      assertEquals(137, run.waitFor());
    } finally {
      run.destroyForcibly();
    }
  }

  @Test
  void resolvesRelativePathsAgainstTheCallersCwd() throws Exception {
    startServer();
    BusyboxBundle sleeper = BusyboxBundle.create(tmp.resolve("sleeper"), "sleep", "60");
    String id = id("cwd");
    runtime(Map.of(), sleeper.dir(), "create", "--pid-file", "init.pid", id).ok();
    long pid = Long.parseLong(Files.readString(sleeper.dir().resolve("init.pid")).strip());
    // The container's init is the caller's child (now reparented), never the server's.
    long parent = ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElse(-1L);
    assertNotEquals(serverPid(), parent, "the container's init is a child of the runtime server");
    runtime("start", id).ok();
    Cmd.Result exec = runtime("exec", id, "sh", "-c", "echo in $(hostname); exit 5");
    assertEquals(5, exec.exit(), exec.toString());
    assertTrue(exec.out().startsWith("in "), exec.toString());
    runtime("kill", id, "KILL").ok();
    assertTrue(Poll.until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), 5000));
    runtime("delete", id).ok();
    assertFalse(Files.exists(root.resolve(id)));
  }

  /** As runc's run: a signal to the runtime goes on to the container's process. */
  @Test
  void passesSignalsOnToAForegroundRunServedOrNot() throws Exception {
    startServer();
    BusyboxBundle trapper = BusyboxBundle.create(tmp.resolve("trapper"), "sh", "-c",
        "trap 'exit 7' TERM; while :; do sleep 0.1; done");
    for (String server : List.of("on", "off")) {
      String id = id("signal-" + server);
      ProcessBuilder pb = new ProcessBuilder(BerthHome.runtime().toString(), "--root", root.toString(), "run",
          "--bundle", trapper.dir().toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("BERTH_RUNTIME_SERVER", server);
      Process run = pb.start();
      try {
        assertTrue(Poll.until(() -> runtime("state", id).out().contains("\"running\""), 20_000), "never running");
        // The runtime installs its forwarding just after the start it reports.
        Thread.sleep(300);
        run.toHandle().destroy();
        assertTrue(run.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "the run did not end (" + server + ")");
        assertEquals(7, run.exitValue(), "with the server " + server);
        assertFalse(Files.exists(root.resolve(id)), "run left its container (" + server + ")");
      } finally {
        run.destroyForcibly();
      }
    }
  }

  @Test
  void passesTheCallersFdsAndReadsProcessJsonFromItsStdin() throws Exception {
    startServer();
    BusyboxBundle reader = BusyboxBundle.create(tmp.resolve("reader"), "sh", "-c", "cat <&3");
    Path three = Files.writeString(tmp.resolve("three"), "fd three\n");
    Cmd.Result r = Cmd.run(List.of("bash", "-c", "exec 3<\"$1\"; shift; exec \"$@\"", "bash", three.toString(),
        BerthHome.runtime().toString(), "--root", root.toString(), "run", "--preserve-fds", "1", "--bundle",
        reader.dir().toString(), id("fds")));
    assertEquals(0, r.exit(), r.toString());
    assertEquals("fd three\n", r.out());

    BusyboxBundle sleeper = BusyboxBundle.create(tmp.resolve("sleeper"), "sleep", "60");
    String id = id("stdin");
    runtime("run", "-d", "--bundle", sleeper.dir().toString(), id).ok();
    String process = "{\"args\":[\"sh\",\"-c\",\"echo from the process json\"],\"cwd\":\"/\","
        + "\"user\":{\"uid\":0,\"gid\":0}}";
    Cmd.Result exec = Cmd.run(List.of("bash", "-c", "printf '%s' \"$1\" | \"$2\" --root \"$3\" exec -p - \"$4\"", "bash",
        process, BerthHome.runtime().toString(), root.toString(), id));
    assertEquals(0, exec.exit(), exec.toString());
    assertEquals("from the process json\n", exec.out());
  }

  @Test
  void reportsErrorsOnTheCallersStderr() throws Exception {
    startServer();
    Cmd.Result r = runtime("run", "--bundle", tmp.resolve("nowhere").toString(), id("missing"));
    assertEquals(1, r.exit(), r.toString());
    assertTrue(r.err().startsWith("berth-runtime: ") && r.err().contains("nowhere"), r.toString());
    Cmd.Result unknown = runtime("kill", "no-such-container");
    assertEquals(1, unknown.exit(), unknown.toString());
  }

  /** The library's warnings (a failed poststop hook) go to the server's log, not to /dev/null. */
  @Test
  void logsWarnings() throws Exception {
    startServer();
    BusyboxBundle hooked = BusyboxBundle.create(tmp.resolve("hooked"), "true").edit(c -> c.putObject("hooks")
        .putArray("poststop").addObject().put("path", "/bin/sh").putArray("args").add("sh").add("-c")
        .add("echo poststop-says-no >&2; exit 9"));
    Cmd.Result r = runtime("run", "--bundle", hooked.dir().toString(), id("warned"));
    assertEquals(0, r.exit(), r.toString());
    Path log = server().file(".log");
    logs.add(log);
    assertTrue(Poll.until(() -> {
      try {
        return Files.exists(log) && Files.readString(log).contains("poststop-says-no");
      } catch (IOException e) {
        return false;
      }
    }, 5000), "no warning in " + log);
  }

  @Test
  void servesCommandsSideBySide() throws Exception {
    startServer();
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<Cmd.Result>> runs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        String id = id("many" + i);
        runs.add(pool.submit(() -> runtime("run", "--bundle", bundle.dir().toString(), id)));
      }
      for (Future<Cmd.Result> f : runs) {
        Cmd.Result r = f.get();
        assertEquals(3, r.exit(), r.toString());
        assertEquals("out\n", r.out());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** A server killed during a command: the client says so, and delete --force cleans up what is left. */
  @Test
  void aKilledServerLeavesNothingDeleteCannotClean() throws Exception {
    long server = startServer();
    BusyboxBundle sleeper = BusyboxBundle.create(tmp.resolve("sleeper"), "sleep", "60");
    String id = id("killed");
    Path err = tmp.resolve("run.err");
    Process run = new ProcessBuilder(BerthHome.runtime().toString(), "--root", root.toString(), "run", "--bundle",
        sleeper.dir().toString(), id).redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile())
        .start();
    try {
      assertTrue(Poll.until(() -> runtime("state", id).out().contains("\"running\""), 20_000), "never running");
      long pid = Long.parseLong(runtime("state", id).out().replaceAll("(?s).*\"pid\" *: *(\\d+).*", "$1"));
      ProcessHandle.of(server).orElseThrow().destroyForcibly();
      assertTrue(run.waitFor(20, java.util.concurrent.TimeUnit.SECONDS), "the client did not end");
      assertEquals(1, run.exitValue());
      assertEquals("berth-runtime: the runtime server ended during the command\n", Files.readString(err));
      runtime("delete", "--force", id).ok();
      assertFalse(Files.exists(root.resolve(id)));
      assertTrue(Poll.until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), 5000),
          "the container's process outlived delete --force");
    } finally {
      run.destroyForcibly();
    }
  }

  @Test
  void endsWhenIdle() throws Exception {
    Map<String, String> env = new HashMap<>(Map.of("BERTH_RUNTIME_SERVER_IDLE", "1"));
    runtime(env, tmp, "run", "--bundle", bundle.dir().toString(), id("idle"));
    assertTrue(Poll.until(() -> server() != null && Files.exists(server().socket()), 20_000), "no server for " + root);
    Server server = server();
    assertTrue(Poll.until(() -> ProcessHandle.of(server.pid()).map(p -> !p.isAlive()).orElse(true), 10_000),
        "the server did not end when idle");
    assertFalse(Files.exists(server.socket()), "the idle server left its socket");
    assertFalse(Files.exists(server.file(".lock")), "the idle server left its lock file");
    assertFalse(Files.exists(server.file(".log")), "the idle server left an empty log");
  }

  @Test
  void staysOffWhenTold() throws Exception {
    Map<String, String> off = Map.of("BERTH_RUNTIME_SERVER", "off");
    for (int i = 0; i < 2; i++) {
      Cmd.Result r = runtime(off, tmp, "run", "--bundle", bundle.dir().toString(), id("off" + i));
      assertEquals(3, r.exit(), r.toString());
    }
    Thread.sleep(500);
    assertEquals(null, server());
  }
}
