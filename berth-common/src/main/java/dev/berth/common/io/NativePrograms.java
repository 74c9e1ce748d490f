package dev.berth.common.io;

import dev.berth.common.error.Unavailable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Where Berth's native programs (berth-init, berth-shim, berth-pid1) are: a path given by a system
 * property, else {@code ${berth.home}/lib} (an installed tree, as the launchers set it), else the
 * build output under {@code ${berth.root}/berth-native/target/native}.
 */
public final class NativePrograms {
  private NativePrograms() {}

  /** The first executable candidate, or Unavailable naming where it looked. */
  public static Path locate(String name, String overrideProperty) {
    return locate(name, overrideProperty, System::getProperty);
  }

  public static Path locate(String name, String overrideProperty, UnaryOperator<String> properties) {
    List<Path> candidates = candidates(name, overrideProperty, properties);
    for (Path candidate : candidates) {
      if (Files.isExecutable(candidate)) return candidate;
    }
    throw new Unavailable("cannot find " + name + " (looked at " + candidates + "); build Berth with scripts/build.sh"
        + (overrideProperty == null ? "" : " or set -D" + overrideProperty + "=PATH"));
  }

  /** Where to look, in order; an override, when set, is the only place. */
  public static List<Path> candidates(String name, String overrideProperty, UnaryOperator<String> properties) {
    String explicit = overrideProperty == null ? null : properties.apply(overrideProperty);
    if (explicit != null && !explicit.isBlank()) return List.of(Path.of(explicit));
    List<Path> candidates = new ArrayList<>();
    String home = properties.apply("berth.home");
    if (home != null && !home.isBlank()) candidates.add(Path.of(home, "lib", name));
    String root = properties.apply("berth.root");
    if (root != null && !root.isBlank()) candidates.add(Path.of(root, "berth-native", "target", "native", name));
    return candidates;
  }
}
