package dev.berth.runtime.defaults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.runtime.spec.SpecLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Our default config against the one Debian's runc writes, field by field, but for version and hostname. */
class DefaultSpecIT {
  @TempDir Path dir;

  private JsonNode runcSpec(boolean rootless) throws Exception {
    Path d = Files.createDirectory(dir.resolve(rootless ? "rootless" : "rootful"));
    ProcessBuilder pb = rootless ? new ProcessBuilder("runc", "spec", "--rootless") : new ProcessBuilder("runc", "spec");
    java.lang.Process p = pb.directory(d.toFile()).redirectErrorStream(true).start();
    try {
      assertTrue(p.waitFor(30, TimeUnit.SECONDS), "runc spec timed out");
      assertEquals(0, p.exitValue(), new String(p.getInputStream().readAllBytes()));
    } finally {
      p.destroyForcibly();
    }
    return normalise(SpecLoader.mapper().readTree(Files.readAllBytes(d.resolve("config.json"))));
  }

  private static JsonNode normalise(JsonNode spec) {
    ObjectNode o = (ObjectNode) spec;
    o.remove("ociVersion");
    o.remove("hostname");
    return o;
  }

  @Test
  void sameContentAsRuncSpec() throws Exception {
    assertEquals(runcSpec(false), normalise(SpecLoader.mapper().readTree(DefaultSpec.bytes(false))));
    assertEquals(runcSpec(true), normalise(SpecLoader.mapper().readTree(DefaultSpec.bytes(true))));
  }
}
