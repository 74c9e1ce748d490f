package dev.berth.runtime.cgroups;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.berth.runtime.spec.LinuxDeviceCgroup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The v2 device filter in the real kernel. The device hook runs on the task's cgroup2 cgroup whatever
 * controllers that hierarchy carries, so the hybrid host's /sys/fs/cgroup/unified is enough to test it.
 */
class BpfDeviceFilterIT {
  private Path dir;
  private java.lang.Process shell;

  @AfterEach
  void cleanUp() throws Exception {
    if (shell != null) {
      shell.destroyForcibly();
      shell.waitFor(10, TimeUnit.SECONDS);
    }
    if (dir != null) {
      for (int i = 0; i < 50 && Files.exists(dir); i++) {
        try {
          Files.delete(dir);
        } catch (java.nio.file.FileSystemException busy) {
          Thread.sleep(20);
        }
      }
    }
  }

  @Test
  void deniesWhatTheRulesDoNotAllow() throws Exception {
    CgroupLayout layout = Cgroups.hostLayout();
    assumeTrue(layout.unified() != null, "this host mounts no cgroup2 hierarchy");
    dir = Files.createDirectory(layout.unified().mountPoint().resolve("berth-it-dev-" + UUID.randomUUID().toString().substring(0, 8)));
    BpfDeviceFilter.attach(dir, List.of(
        new LinuxDeviceCgroup(false, null, null, null, "rwm"),
        new LinuxDeviceCgroup(true, "c", 1L, 5L, "rwm"),
        new LinuxDeviceCgroup(true, "c", 1L, 3L, "w")));
    shell = new ProcessBuilder("sh", "-c",
        "read go; head -c 1 /dev/zero >/dev/null && echo zero-ok; cat /dev/null && echo null-read-ok; exit 0")
        .redirectErrorStream(true).start();
    Files.writeString(dir.resolve("cgroup.procs"), Long.toString(shell.pid()));
    shell.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
    shell.getOutputStream().close();
    assertTrue(shell.waitFor(20, TimeUnit.SECONDS));
    String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(out.contains("zero-ok"), out);
    assertFalse(out.contains("null-read-ok"), out);
    assertTrue(out.contains("Operation not permitted"), out);

    // Re-attaching replaces the program: now /dev/null may be read too.
    BpfDeviceFilter.attach(dir, List.of(new LinuxDeviceCgroup(false, null, null, null, "rwm"),
        new LinuxDeviceCgroup(true, "c", 1L, 3L, "rw")));
    shell = new ProcessBuilder("sh", "-c", "read go; cat /dev/null && echo null-read-ok; exit 0")
        .redirectErrorStream(true).start();
    Files.writeString(dir.resolve("cgroup.procs"), Long.toString(shell.pid()));
    shell.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
    shell.getOutputStream().close();
    assertTrue(shell.waitFor(20, TimeUnit.SECONDS));
    String again = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals("null-read-ok", again.strip());
  }
}
