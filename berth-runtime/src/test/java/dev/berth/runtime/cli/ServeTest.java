package dev.berth.runtime.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.runtime.sys.RecordingSyscalls;
import dev.berth.runtime.sys.Syscalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the runtime server runs for a client (Main.serve), and what it leaves to a JVM of the client's own. */
class ServeTest {
  @TempDir Path cwd;
  private final RecordingSyscalls sys = new RecordingSyscalls();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private final Caller caller = new Caller() {
    @Override
    public Syscalls sys() {
      return sys;
    }

    @Override
    public Path resolve(Path path) {
      return cwd.resolve(path);
    }

    @Override
    public InputStream in() {
      return new ByteArrayInputStream(new byte[0]);
    }

    @Override
    public int stdinFd() {
      return 40;
    }

    @Override
    public int stdoutFd() {
      return 41;
    }

    @Override
    public List<Integer> fds(List<Integer> fds) {
      return fds.stream().map(fd -> fd + 100).toList();
    }
  };

  private Integer serve(String... args) {
    return Main.serve(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), caller);
  }

  @Test
  void leavesWhatTheFastPathDoesNotReadToTheClient() {
    assertNull(serve("list"));
    assertNull(serve("--version"));
    assertNull(serve("state", "x"));
    assertNull(serve("run", "--bogus", "x"));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }

  private void bundle(String dir, boolean terminal) throws IOException {
    Files.createDirectories(cwd.resolve(dir));
    Files.writeString(cwd.resolve(dir).resolve("config.json"), "{\"ociVersion\":\"1.0.2\",\"process\":{\"terminal\":"
        + terminal + ",\"args\":[\"sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}");
  }

  @Test
  void leavesAForegroundRunOrExecThatRelaysATerminalToTheClient() throws IOException {
    bundle("tty", true);
    sys.terminals.add(40);
    assertNull(serve("--root", "st", "run", "--bundle", "tty", "x"));
    assertNull(serve("--root", "st", "exec", "-t", "x", "sh"));
    assertNull(serve("--root", "st", "exec", "-p", "process.json", "x"));
  }

  @Test
  void servesOnATerminalWhatNeedsNoPtyOfItsOwn() throws IOException {
    bundle("plain", false);
    bundle("tty", true);
    sys.terminals.add(40);
    // Each fails for want of a container, which shows the server ran it.
    assertEquals(1, serve("--root", "st", "run", "--bundle", "plain", "x"));
    assertEquals(1, serve("--root", "st", "run", "--bundle", "tty", "--console-socket", "c.sock", "x"));
    assertEquals(1, serve("--root", "st", "exec", "x", "true"));
    assertEquals(1, serve("--root", "st", "run", "-d", "--bundle", "tty", "x"));
  }

  @Test
  void relaysNothingWithoutATerminal() throws IOException {
    bundle("tty", true);
    assertEquals(1, serve("--root", "st", "exec", "-t", "x", "sh"));
  }

  @Test
  void runsACommandWithPathsRelativeToTheCallersCwd() {
    assertEquals(1, serve("--root", "st", "kill", "nope"));
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.startsWith("berth-runtime: ") && message.contains("nope"), message);
  }

  @Test
  void readsTheBundleFromTheCallersCwd() {
    assertEquals(1, serve("--root", "st", "create", "--bundle", "b", "c1"));
    String message = err.toString(StandardCharsets.UTF_8);
    assertTrue(message.contains(cwd.resolve("b").toString()), message);
  }
}
