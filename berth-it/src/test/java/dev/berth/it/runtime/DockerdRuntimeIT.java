package dev.berth.it.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BusyboxBundle;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.DockerdExtension;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 2, acceptance 2: a real dockerd (Debian's docker.io) runs containers with
 * `--runtime berth`. Every case also runs with `--runtime runc`, which validates the harness.
 */
class DockerdRuntimeIT {
  @RegisterExtension static final DockerdExtension DOCKER = new DockerdExtension();

  @BeforeAll
  static void importBusybox() {
    BusyboxBundle bundle = BusyboxBundle.create(DOCKER.dir().resolve("bundle"));
    DOCKER.dockerd().importBusybox(bundle.rootfs());
  }

  private static Cmd.Result run(String runtime, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("run", "--network", "none", "--runtime", runtime));
    cmd.addAll(List.of(args));
    return DOCKER.dockerd().docker(cmd.toArray(String[]::new));
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void runRemoveEcho(String runtime) {
    assertEquals("hi\n", run(runtime, "--rm", "busybox", "echo", "hi").ok().out());
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void exitCodesPropagate(String runtime) {
    assertEquals(42, run(runtime, "--rm", "busybox", "sh", "-c", "exit 42").exit());
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void detachedLogsStopRemove(String runtime) throws Exception {
    String id = run(runtime, "-d", "busybox", "sh", "-c", "echo started; while true; do sleep 1; done").ok().out().trim();
    try {
      waitForLog(id, "started");
      assertTrue(DOCKER.dockerd().docker("logs", id).ok().out().contains("started"));
      assertEquals("from-exec\n", DOCKER.dockerd().docker("exec", id, "echo", "from-exec").ok().out());
      assertEquals(3, DOCKER.dockerd().docker("exec", id, "sh", "-c", "exit 3").exit());
      DOCKER.dockerd().docker("stop", "-t", "2", id).ok();
      assertEquals("exited", DOCKER.dockerd().docker("inspect", "-f", "{{.State.Status}}", id).ok().out().trim());
    } finally {
      DOCKER.dockerd().docker("rm", "-f", id).ok();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void interactiveThroughAPty(String runtime) {
    String docker = "/usr/bin/docker run -it --rm --network none --runtime " + runtime
        + " busybox sh -c 'tty; exit 7'";
    Cmd.Result r = Cmd.run(List.of("script", "-qfec", docker, "/dev/null"), DOCKER.dockerd().env(), null, 60);
    assertEquals(7, r.exit(), r.toString());
    assertTrue(r.out().contains("/dev/pts/0"), r.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void memoryAndPidsLimits(String runtime) {
    String out = run(runtime, "--rm", "--memory", "64m", "--pids-limit", "20", "busybox", "sh", "-c",
        "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max").ok().out();
    assertEquals("67108864\n20\n", out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void capabilitiesAddAndDrop(String runtime) {
    String added = run(runtime, "--rm", "--cap-add", "SYS_ADMIN", "busybox", "grep", "CapEff", "/proc/self/status").ok().out();
    String plain = run(runtime, "--rm", "busybox", "grep", "CapEff", "/proc/self/status").ok().out();
    String dropped = run(runtime, "--rm", "--cap-drop", "ALL", "busybox", "grep", "CapEff", "/proc/self/status").ok().out();
    long sysAdmin = 1L << 21;
    assertEquals(sysAdmin, capEff(added) & sysAdmin);
    assertEquals(0, capEff(plain) & sysAdmin);
    assertEquals(0, capEff(dropped));
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void readOnlyRoot(String runtime) {
    Cmd.Result r = run(runtime, "--rm", "--read-only", "busybox", "sh", "-c", "touch /x");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("Read-only file system"), r.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void defaultSeccompProfileIsLoaded(String runtime) {
    assertTrue(run(runtime, "--rm", "busybox", "grep", "Seccomp:", "/proc/self/status").ok().out().contains("2"));
  }

  private static long capEff(String line) {
    return Long.parseLong(line.trim().split("\\s+")[1], 16);
  }

  private static void waitForLog(String id, String text) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (DOCKER.dockerd().docker("logs", id).out().contains(text)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no \"" + text + "\" in the logs of " + id);
  }
}
