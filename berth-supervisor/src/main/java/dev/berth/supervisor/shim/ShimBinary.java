package dev.berth.supervisor.shim;

import dev.berth.common.error.Unavailable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Finds the berth-shim program: the system property {@code berth.shim}, else
 * {@code ${berth.home}/lib/berth-shim} (an installed tree), else the build output under
 * {@code ${berth.root}} (tests run from the source tree).
 */
public final class ShimBinary {
  public static final String NAME = "berth-shim";

  private ShimBinary() {}

  public static Path locate() {
    return locate(System::getProperty);
  }

  static Path locate(UnaryOperator<String> properties) {
    List<Path> candidates = candidates(properties);
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) return candidate;
    }
    throw new Unavailable(
        "cannot find " + NAME + " (looked at " + candidates + "); build berth-native or set -Dberth.shim=PATH");
  }

  static List<Path> candidates(UnaryOperator<String> properties) {
    List<Path> candidates = new ArrayList<>();
    String explicit = properties.apply("berth.shim");
    if (explicit != null && !explicit.isBlank()) return List.of(Path.of(explicit));
    String home = properties.apply("berth.home");
    if (home != null && !home.isBlank()) candidates.add(Path.of(home, "lib", NAME));
    String root = properties.apply("berth.root");
    if (root != null && !root.isBlank()) candidates.add(Path.of(root, "berth-native", "target", "native", NAME));
    return candidates;
  }
}
