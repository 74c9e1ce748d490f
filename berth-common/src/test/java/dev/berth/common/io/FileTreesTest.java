package dev.berth.common.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
  @TempDir Path dir;

  @Test
  void removesATreeWithoutFollowingItsSymlinks() throws Exception {
    Path outside = Files.createDirectory(dir.resolve("outside"));
    Files.writeString(outside.resolve("kept"), "x");
    Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
    Files.writeString(tree.resolve("f"), "y");
    Files.createSymbolicLink(dir.resolve("tree/link"), outside);
    FileTrees.delete(dir.resolve("tree"));
    assertFalse(Files.exists(dir.resolve("tree")));
    assertTrue(Files.exists(outside.resolve("kept")), "the symlink's target was removed");
    FileTrees.delete(dir.resolve("tree")); // absent: nothing to do
  }
}
