package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `run` and `exec -t` in the foreground with process.terminal and no --console-socket: the runtime
 * allocates the pty and relays its own terminal to it, as runc does. Each runtime runs under
 * script(1), whose pty is the runtime's terminal (91x33); what the session shows, byte for byte, and
 * the exit code are compared with runc's. A detached create with a terminal and no console socket
 * is refused.
 */
class TerminalRunIT {
  private static final String ID = "tty-" + ProcessHandle.current().pid();
  /** What the terminal's settings are after the runtime returned: it must give them back. */
  private static final String AFTER = "rc=$?; stty -a | grep -Eo -- '(-?echo|-?icanon|-?opost) '; exit $rc";

  @TempDir Path tmp;
  private OciRuntime runc;
  private OciRuntime berth;
  private BusyboxBundle bundle;

  @BeforeEach
  void setUp() throws Exception {
    runc = OciRuntime.runc(tmp.resolve("state"));
    berth = OciRuntime.berth(tmp.resolve("state"));
    Files.createDirectories(runc.root());
    // The size is asked for after the input: runc copies it to the pty only once the process runs.
    bundle = BusyboxBundle.create(tmp.resolve("bundle"), "sh", "-c",
        "tty; read x; stty size; echo got:$x; exit 7");
    bundle.edit(c -> ((ObjectNode) c.get("process")).put("terminal", true));
  }

  @AfterEach
  void cleanUp() {
    runc.forceDelete(ID);
    berth.forceDelete(ID);
  }

  /** What a session of {@code args} under script(1) showed, and how it ended. */
  record Session(String shown, int exit) {}

  /**
   * Runs the runtime under script(1) with a 91x33 terminal; once the session shows {@code prompt},
   * types {@code input}.
   */
  private Session session(OciRuntime rt, String args, String prompt, String input) throws Exception {
    String command = "stty cols 91 rows 33; " + String.join(" ", rt.prefix()) + " --root " + rt.root() + " " + args
        + "; " + AFTER;
    Process p = new ProcessBuilder("script", "-qec", command, "/dev/null").redirectErrorStream(true).start();
    ByteArrayOutputStream shown = new ByteArrayOutputStream();
    Thread reader = Thread.ofPlatform().daemon().start(() -> copy(p.getInputStream(), shown));
    try (OutputStream typing = p.getOutputStream()) {
      if (input != null) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!text(shown).contains(prompt) && System.nanoTime() < deadline && p.isAlive()) {
          Thread.sleep(20);
        }
        assertTrue(text(shown).contains(prompt), rt.name() + " never showed \"" + prompt + "\": " + text(shown));
        typing.write(input.getBytes(StandardCharsets.UTF_8));
        typing.flush();
      }
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
        throw new AssertionError(rt.name() + " session did not end: " + text(shown));
      }
    }
    reader.join(5000);
    return new Session(text(shown), p.exitValue());
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] buf = new byte[8192];
    try {
      for (int n; (n = in.read(buf)) > 0; ) {
        synchronized (out) {
          out.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // the session ended
    }
  }

  private static String text(ByteArrayOutputStream out) {
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void runRelaysTheTerminalAsRunc() throws Exception {
    String run = "run --bundle " + bundle.dir() + " " + ID;
    Session expected = session(runc, run, "/dev/pts/0", "hello\n");
    runc.forceDelete(ID);
    Session actual = session(berth, run, "/dev/pts/0", "hello\n");
    assertEquals(7, expected.exit(), "runc itself: " + expected);
    assertTrue(expected.shown().startsWith("/dev/pts/0\r\nhello\r\n33 91\r\ngot:hello\r\n"), "runc itself: " + expected);
    assertEquals(expected, actual, "berth-runtime's session differs from runc's");
    assertTrue(actual.shown().endsWith("got:hello\r\nopost \r\nicanon \r\necho \r\n"),
        "the terminal was not given back: " + actual);
    assertFalse(berth.hasState(ID), "run left its container behind");
  }

  @Test
  void thePtyIsSetUpBeforeTheProcessRuns() throws Exception {
    bundle.args("stty", "size");
    Session run = session(berth, "run --bundle " + bundle.dir() + " " + ID, null, null);
    assertTrue(run.shown().startsWith("33 91\r\n"), run.toString());
    bundle.edit(c -> ((ObjectNode) c.get("process")).put("terminal", false)).args("sleep", "60");
    berth.run("run", "--detach", "--bundle", bundle.dir().toString(), ID).ok();
    Session exec = session(berth, "exec -t " + ID + " stty size", null, null);
    // exec starts its process at once, with nothing to wait for: its pty must be ready before that too.
    assertEquals(run, exec, "exec's pty was not set up (size, no ONLCR) before its process ran");
  }

  @Test
  void everyByteOfOutputArrivesBeforeRunReturns() throws Exception {
    bundle.args("sh", "-c", "seq 1 20000; exit 3");
    Session s = session(berth, "run --bundle " + bundle.dir() + " " + ID, null, null);
    assertEquals(3, s.exit(), s.shown().substring(Math.max(0, s.shown().length() - 300)));
    StringBuilder expected = new StringBuilder();
    for (int i = 1; i <= 20000; i++) {
      expected.append(i).append("\r\n");
    }
    String shown = s.shown();
    assertTrue(shown.startsWith(expected.toString()), "lost output: "
        + shown.substring(Math.max(0, shown.indexOf("opost") - 200)).replace("\r", "\\r"));
  }

  @Test
  void execTRelaysTheTerminalAsRunc() throws Exception {
    bundle.edit(c -> ((ObjectNode) c.get("process")).put("terminal", false)).args("sleep", "60");
    // runc clears ONLCR on an exec's pty only once it has it, while the process already runs: wait a bit.
    String exec = "exec -t " + ID + " sh -c 'sleep 1; tty; read x; stty size; echo got:$x; exit 9'";
    List<Session> sessions = new java.util.ArrayList<>();
    for (OciRuntime rt : List.of(runc, berth)) {
      rt.run("run", "--detach", "--bundle", bundle.dir().toString(), ID).ok();
      sessions.add(session(rt, exec, "/dev/pts/", "hello\n"));
      rt.forceDelete(ID);
    }
    assertEquals(9, sessions.get(0).exit(), "runc itself: " + sessions.get(0));
    assertEquals(sessions.get(0), sessions.get(1), "berth-runtime's exec -t session differs from runc's");
  }

  @Test
  void aDetachedContainerWithATerminalNeedsAConsoleSocket() {
    for (String command : List.of("create", "run --detach")) {
      List<String> args = new java.util.ArrayList<>(List.of(command.split(" ")));
      args.addAll(List.of("--bundle", bundle.dir().toString(), ID));
      Cmd.Result r = berth.run(args.toArray(String[]::new));
      assertNotEquals(0, r.exit(), r.toString());
      assertTrue(r.err().contains("cannot allocate a pty for process.terminal: the runtime would detach without "
          + "a console socket"), r.err());
      assertFalse(berth.hasState(ID), command + " left a state dir behind");
      assertEquals(List.of(), HostState.cgroupsNamed(ID), command + " left a cgroup behind");
    }
    // runc refuses the same way.
    assertTrue(runc.run("create", "--bundle", bundle.dir().toString(), ID).err()
        .contains("cannot allocate tty if runc will detach without setting console socket"));
  }
}
