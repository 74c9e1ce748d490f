package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.PrivateDockerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The local base images (no registry) load into a real dockerd and run, on runc and on berth-runtime. */
class BaseImagesIT {
  private static Path dir;
  private static PrivateDockerd dockerd;

  @BeforeAll
  static void makeAndLoad() throws Exception {
    dir = Files.createTempDirectory("berth-base");
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
        Map.of(), null, 120).ok();
    dockerd = PrivateDockerd.start(dir.resolve("d"));
    dockerd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
    dockerd.docker("load", "-i", dir.resolve("images/hello-world.tar").toString()).ok();
  }

  @AfterAll
  static void stop() {
    if (dockerd != null) {
      dockerd.close();
    }
    PrivateDockerd.deleteTree(dir);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void helloWorldRuns(String runtime) {
    String out = dockerd.docker("run", "--rm", "--network", "none", "--runtime", runtime, "hello-world").ok().out();
    assertTrue(out.contains("Hello from Berth!"), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void busyboxRunsItsDefaultShell(String runtime) {
    assertEquals("ok\n", dockerd.docker("run", "--rm", "--network", "none", "--runtime", runtime, "busybox",
        "sh", "-c", "echo ok").ok().out());
    assertEquals("[sh]", dockerd.docker("image", "inspect", "-f", "{{.Config.Cmd}}", "busybox").ok().out().trim());
  }
}
