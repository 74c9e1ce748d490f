package dev.berth.images.snapshot;

import dev.berth.common.io.FileTrees;
import dev.berth.common.error.Internal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/** Walks over snapshot directories, which hold untrusted layer content: symlinks are never followed. */
final class Trees {
  private Trees() {}

  static void delete(Path dir) {
    try {
      FileTrees.delete(dir);
    } catch (IOException e) {
      throw new Internal("cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }


  /** Apparent size of the files and symlinks under {@code dir}, each inode once (hardlinks share). */
  static long size(Path dir) {
    Set<Object> seen = new HashSet<>();
    long total = 0;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.toList()) {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,size,ino,nlink", LinkOption.NOFOLLOW_LINKS);
        int type = (int) a.get("mode") & 0170000;
        if ((type == 0100000 || type == 0120000) && ((int) a.get("nlink") == 1 || seen.add(a.get("ino")))) {
          total += (long) a.get("size");
        }
      }
    } catch (IOException | UncheckedIOException e) {
      throw new Internal("cannot measure " + dir + ": " + e.getMessage(), e);
    }
    return total;
  }
}
