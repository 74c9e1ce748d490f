package dev.berth.daemon.containers;

import dev.berth.common.error.Unavailable;
import java.nio.file.Files;
import java.nio.file.Path;

/** berth-pid1 (berth-native/pid1), the init `--init` runs as the container's PID 1. */
final class Pid1 {
  static final String NAME = "berth-pid1";

  private Pid1() {}

  static Path binary() {
    String home = System.getProperty("berth.home");
    if (home != null && Files.isExecutable(Path.of(home, "lib", NAME))) return Path.of(home, "lib", NAME);
    String root = System.getProperty("berth.root");
    if (root != null && Files.isExecutable(Path.of(root, "berth-native", "target", "native", NAME))) {
      return Path.of(root, "berth-native", "target", "native", NAME);
    }
    throw new Unavailable("--init needs " + NAME + ", which is not installed (looked in ${berth.home}/lib)");
  }
}
