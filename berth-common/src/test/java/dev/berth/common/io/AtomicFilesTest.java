package dev.berth.common.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  interface Write {
    void to(Path target, byte[] content) throws Exception;
  }

  @Test
  void replacesContentAndLeavesNoTemporaryFile() throws Exception {
    writesTwice(AtomicFiles::write);
  }

  @Test
  void replaceWithoutSyncIsAtomicToo() throws Exception {
    writesTwice(AtomicFiles::replace);
  }

  private void writesTwice(Write write) throws Exception {
    Path target = dir.resolve("state.json");
    write.to(target, "one".getBytes());
    write.to(target, "two".getBytes());
    assertArrayEquals("two".getBytes(), Files.readAllBytes(target));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    try (var s = Files.list(dir)) {
      assertEquals(List.of(target), s.toList());
    }
  }

  @Test
  void removeLeftoversDeletesOnlyTemporaryFiles() throws Exception {
    Path kept = dir.resolve("kept");
    Files.writeString(kept, "x");
    Path left = dir.resolve(AtomicFiles.TEMP_PREFIX + "123");
    Files.writeString(left, "half");
    AtomicFiles.removeLeftovers(dir);
    assertFalse(Files.exists(left));
    assertEquals("x", Files.readString(kept));
  }
}
