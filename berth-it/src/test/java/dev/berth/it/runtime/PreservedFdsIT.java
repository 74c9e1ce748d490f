package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.HostState;
import dev.berth.it.fixtures.OciRuntime;
import dev.berth.it.fixtures.Poll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --preserve-fds N under runc and berth-runtime: the runtime's caller opens fds 3 (a file), 4 (a pipe)
 * and 5 (another file); with N = 2 the container process sees exactly 0-4, the same open files, and
 * never fd 5 or any fd of the runtime's own.
 */
class PreservedFdsIT {
  private static final String ID = "fds-" + ProcessHandle.current().pid();
  /** What the process reports: its fds, where fd 3 points, and what fds 3 and 4 read. */
  private static final String REPORT = "ls /proc/$$/fd; readlink /proc/$$/fd/3; readlink /proc/$$/fd/4 | cut -c1-5; "
      + "cat <&3; cat <&4";

  @TempDir Path tmp;
  private OciRuntime runc;
  private OciRuntime berth;
  private BusyboxBundle bundle;
  private Path three;
  private Path five;

  @BeforeEach
  void setUp() throws Exception {
    runc = OciRuntime.runc(tmp.resolve("state"));
    berth = OciRuntime.berth(tmp.resolve("state"));
    Files.createDirectories(runc.root());
    bundle = BusyboxBundle.create(tmp.resolve("bundle"), "sh", "-c", REPORT);
    three = Files.writeString(tmp.resolve("three"), "fd three is a file\n");
    five = Files.writeString(tmp.resolve("five"), "fd five must not reach the container\n");
  }

  @AfterEach
  void cleanUp() {
    runc.forceDelete(ID);
    berth.forceDelete(ID);
  }

  /** Runs the runtime with fds 3, 4 and 5 open, as an engine that passes fds would. */
  private Cmd.Result withFds(OciRuntime runtime, String... args) {
    List<String> cmd = new ArrayList<>(List.of("bash", "-c",
        "exec 3<\"$1\" 4< <(printf 'fd four is a pipe\\n') 5<\"$2\"; shift 2; exec \"$@\"", "bash",
        three.toString(), five.toString()));
    cmd.addAll(runtime.prefix());
    cmd.addAll(List.of("--root", runtime.root().toString()));
    cmd.addAll(List.of(args));
    return Cmd.run(cmd);
  }

  private String expected() {
    return "0\n1\n2\n3\n4\n" + three + "\npipe:\nfd three is a file\nfd four is a pipe\n";
  }

  @Test
  void runPassesTheFirstNFdsAsRunc() {
    Cmd.Result r = withFds(runc, "run", "--preserve-fds", "2", "--bundle", bundle.dir().toString(), ID);
    runc.forceDelete(ID);
    Cmd.Result b = withFds(berth, "run", "--preserve-fds", "2", "--bundle", bundle.dir().toString(), ID);
    assertEquals(0, r.exit(), r.toString());
    assertEquals(expected(), r.out(), "runc itself: " + r);
    assertEquals(0, b.exit(), b.toString());
    assertEquals(r.out(), b.out(), "what the container saw differs from runc's; berth-runtime: " + b);
  }

  @Test
  void createKeepsThemForTheProcessUntilStart() throws Exception {
    bundle.edit(c -> ((com.fasterxml.jackson.databind.node.ObjectNode) c.get("root")).put("readonly", false))
        .args("sh", "-c", "exec > /report 2>&1; " + REPORT);
    Cmd.Result created = withFds(berth, "create", "--preserve-fds", "2", "--bundle", bundle.dir().toString(), ID);
    assertEquals(0, created.exit(), created.toString());
    // The caller and its fds are gone by now; the waiting process kept its own.
    berth.run("start", ID).ok();
    assertTrue(waitForStopped(berth), "the container did not finish");
    assertEquals(expected(), Files.readString(bundle.rootfs().resolve("report")));
  }

  @Test
  void execPassesTheFirstNFdsAsRunc() {
    bundle.args("sleep", "60");
    List<String> outputs = new ArrayList<>();
    for (OciRuntime rt : List.of(runc, berth)) {
      rt.run("run", "--detach", "--bundle", bundle.dir().toString(), ID).ok();
      Cmd.Result r = withFds(rt, "exec", "--preserve-fds", "2", ID, "sh", "-c", REPORT);
      assertEquals(0, r.exit(), r.toString());
      outputs.add(r.out());
      Cmd.Result none = withFds(rt, "exec", ID, "sh", "-c", "ls /proc/$$/fd; true");
      assertEquals("0\n1\n2\n", none.out(), rt.name() + " passed fds it was not asked to: " + none);
      rt.forceDelete(ID);
    }
    assertEquals(expected(), outputs.get(0), "runc itself");
    assertEquals(outputs.get(0), outputs.get(1), "what the exec'd process saw differs from runc's");
  }

  @Test
  void fdsTheCallerDidNotOpenAreRefusedAndNothingIsLeft() {
    // Cmd gives the runtime only fds 0-2: its JVM's own files sit on 3 and above.
    Cmd.Result r = berth.run("run", "--preserve-fds", "1", "--bundle", bundle.dir().toString(), ID);
    assertNotEquals(0, r.exit(), r.toString());
    assertTrue(r.err().contains("cannot preserve fd 3 (1 of 1)"), r.err());
    assertFalse(berth.hasState(ID), "a state dir was left behind");
    assertEquals(List.of(), HostState.cgroupsNamed(ID), "a cgroup was left behind");
    Cmd.Result negative = berth.run("run", "--preserve-fds", "-1", "--bundle", bundle.dir().toString(), ID);
    assertTrue(negative.err().contains("--preserve-fds must not be negative"), negative.toString());
  }

  private static boolean waitForStopped(OciRuntime rt) {
    return Poll.until(() -> rt.run("state", ID).out().contains("\"stopped\""), 5000);
  }
}
