package dev.berth.it.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.it.fixtures.BerthHome;
import dev.berth.it.fixtures.Berthd;
import dev.berth.it.fixtures.Cmd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Issue 4, acceptance 2: Testcontainers (docker-java underneath) starts a container from a local
 * image on berthd, waits for a log line and execs into it. Ryuk is off (it would need an image from
 * the internet); the host override stops Testcontainers from probing for a gateway, which it does
 * when it finds /.dockerenv, as it does on these machines. Testcontainers takes the daemon's address
 * only from the environment, so this test runs in a fork of its own (berth-it's pom) whose
 * DOCKER_HOST names {@link #SOCKET_DIR}.
 */
class BerthdTestcontainersIT {
  static final Path SOCKET_DIR = Path.of("/tmp/berth-tc");
  private static Berthd berthd;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createDirectories(SOCKET_DIR);
    assertEquals("unix://" + dir.resolve("berth.sock"), System.getenv("DOCKER_HOST"), "run through berth-it's pom");
    berthd = Berthd.start(dir);
    Cmd.run(List.of(BerthHome.root().resolve("scripts/make-base-images.sh").toString(), dir.resolve("images").toString()),
        Map.of(), null, 300).ok();
    berthd.docker("load", "-i", dir.resolve("images/busybox.tar").toString()).ok();
  }

  @AfterAll
  static void stop() throws Exception {
    if (berthd != null) berthd.close();
  }

  @Test
  void aGenericContainerStartsLogsAndExecs() throws Exception {
    assertTrue(DockerClientFactory.instance().isDockerAvailable(), "Testcontainers cannot reach berthd");
    try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse("busybox:latest"))
        .withCommand("sh", "-c", "echo ready to serve; exec sleep 1000")
        .waitingFor(Wait.forLogMessage(".*ready to serve.*\\n", 1).withStartupTimeout(Duration.ofSeconds(60)))) {
      c.start();
      assertTrue(c.isRunning());
      assertTrue(c.getLogs().contains("ready to serve"), c.getLogs());
      ExecResult r = c.execInContainer("sh", "-c", "echo from exec; echo to stderr >&2; exit 4");
      assertEquals("from exec", r.getStdout().strip());
      assertEquals("to stderr", r.getStderr().strip());
      assertEquals(4, r.getExitCode());
    }
    assertEquals("", berthd.docker("ps", "-q").ok().out().strip(), "Testcontainers' container was not stopped");
  }
}
