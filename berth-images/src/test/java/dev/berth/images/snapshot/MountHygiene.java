package dev.berth.images.snapshot;

import dev.berth.images.fs.Sh;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The mounts under a test's directory, from /proc/self/mountinfo, and their removal. */
final class MountHygiene {
  private MountHygiene() {}

  static List<String> mountsUnder(Path dir) {
    List<String> points = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        String point = line.split(" ")[4];
        if (point.startsWith(dir.toString())) {
          points.add(point);
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return points;
  }

  /** Unmounts whatever a failed test left under {@code dir}; returns what it had to unmount. */
  static List<String> cleanUp(Path dir) {
    List<String> left = mountsUnder(dir);
    left.sort(Comparator.reverseOrder());
    for (String p : left) {
      Sh.exec(List.of("umount", "-l", p), java.util.Map.of(), 30);
    }
    return left;
  }
}
