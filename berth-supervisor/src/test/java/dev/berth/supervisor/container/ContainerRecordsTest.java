package dev.berth.supervisor.container;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.berth.common.error.Conflict;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerRecordsTest {
  @TempDir Path root;

  @Test
  void recordsAndSpecsAreKeptAsSent() {
    ContainerRecords records = new ContainerRecords(root);
    byte[] spec = "{ \"ociVersion\" : \"1.0.2\" }".getBytes();
    ContainerRecord r = new ContainerRecord("c1", "sha256:abc", "runc", Map.of("k", "v"), Instant.EPOCH);
    records.create(r, spec);
    assertEquals(r, records.get("c1"));
    assertArrayEquals(spec, records.spec("c1"));
    assertEquals(1, records.list().size());
    assertThrows(Conflict.class, () -> records.create(r, spec));
    records.delete("c1");
    assertThrows(NotFound.class, () -> records.get("c1"));
    assertTrue(records.list().isEmpty());
    assertTrue(Files.notExists(root.resolve("c1")));
  }

  @Test
  void aCreateCutShortIsNotListed() throws Exception {
    Files.createDirectories(root.resolve("half"));
    Files.writeString(root.resolve("half").resolve(ContainerRecords.SPEC), "{}");
    assertTrue(new ContainerRecords(root).list().isEmpty());
  }

  @Test
  void idsThatCouldEscapeAreRefused() {
    assertThrows(InvalidArgument.class, () -> ContainerRecords.checkId("../x"));
    assertThrows(InvalidArgument.class, () -> ContainerRecords.checkId(".hidden"));
    assertThrows(InvalidArgument.class, () -> ContainerRecords.checkId(""));
  }
}
