package dev.berth.images.snapshot;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What /proc/self/mountinfo says about overlay mounts of container snapshots. */
final class Mounts {
  private Mounts() {}

  /** Whether an overlay mount uses {@code upper} as its upper dir (its super options name it). */
  static boolean hasOverlayWithUpper(Path upper) {
    String needle = "upperdir=" + upper.toAbsolutePath();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
        int dash = line.indexOf(" - ");
        if (dash < 0) {
          continue;
        }
        String[] tail = line.substring(dash + 3).split(" ");
        if (tail.length >= 3 && tail[0].equals("overlay") && (("," + tail[2] + ",").contains("," + needle + ","))) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false; // no procfs: nothing to check against
    }
  }
}
