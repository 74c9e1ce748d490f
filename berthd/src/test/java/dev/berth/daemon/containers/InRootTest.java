package dev.berth.daemon.containers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InRootTest {
  @TempDir Path root;

  @Test
  void linksAndDotDotStayInsideTheRoot() throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.createDirectories(root.resolve("data"));
    Files.createSymbolicLink(root.resolve("data/abs"), Path.of("/etc"));
    Files.createSymbolicLink(root.resolve("data/up"), Path.of("../../../../etc"));
    Files.createSymbolicLink(root.resolve("data/loop"), Path.of("loop"));
    assertEquals(root.resolve("etc/passwd"), InRoot.resolve(root, "/data/abs/passwd", false));
    assertEquals(root.resolve("etc/passwd"), InRoot.resolve(root, "/data/up/passwd", false));
    assertEquals(root.resolve("etc"), InRoot.resolve(root, "/../../etc", true));
    assertEquals(root.resolve("data/abs"), InRoot.resolve(root, "/data/abs", false));
    assertEquals(root.resolve("etc"), InRoot.resolve(root, "/data/abs", true));
    org.junit.jupiter.api.Assertions.assertThrows(dev.berth.common.error.InvalidArgument.class,
        () -> InRoot.resolve(root, "/data/loop/x", false));
  }

  @Test
  void goModesCarryTheTypeBitsTheCliReads() {
    assertEquals((1L << 31) | 0755, ContainerArchive.goMode(0040755));
    assertEquals((1L << 27) | 0777, ContainerArchive.goMode(0120777));
    assertEquals(0644, ContainerArchive.goMode(0100644));
  }
}
