package dev.berth.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Cmd;
import dev.berth.it.fixtures.DockerdExtension;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The local base images (no registry) load into a real dockerd and run, on runc and on berth-runtime. */
class BaseImagesIT {
  @RegisterExtension static final DockerdExtension DOCKER = new DockerdExtension();

  @BeforeAll
  static void makeAndLoad() {
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), DOCKER.dir().resolve("images").toString()),
        Map.of(), null, 120).ok();
    DOCKER.dockerd().docker("load", "-i", DOCKER.dir().resolve("images/busybox.tar").toString()).ok();
    DOCKER.dockerd().docker("load", "-i", DOCKER.dir().resolve("images/hello-world.tar").toString()).ok();
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void helloWorldRuns(String runtime) {
    String out = DOCKER.dockerd().docker("run", "--rm", "--network", "none", "--runtime", runtime, "hello-world").ok().out();
    assertTrue(out.contains("Hello from Berth!"), out);
  }

  @ParameterizedTest
  @ValueSource(strings = {"runc", "berth"})
  void busyboxRunsItsDefaultShell(String runtime) {
    assertEquals("ok\n", DOCKER.dockerd().docker("run", "--rm", "--network", "none", "--runtime", runtime, "busybox",
        "sh", "-c", "echo ok").ok().out());
    assertEquals("[sh]", DOCKER.dockerd().docker("image", "inspect", "-f", "{{.Config.Cmd}}", "busybox").ok().out().trim());
  }
}
