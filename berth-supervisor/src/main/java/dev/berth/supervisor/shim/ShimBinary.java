package dev.berth.supervisor.shim;

import dev.berth.common.io.NativePrograms;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * Finds the berth-shim program: the system property {@code berth.shim}, else where
 * {@link NativePrograms} looks ({@code ${berth.home}/lib}, then the build output).
 */
public final class ShimBinary {
  public static final String NAME = "berth-shim";
  static final String PROPERTY = "berth.shim";

  private ShimBinary() {}

  public static Path locate() {
    return NativePrograms.locate(NAME, PROPERTY);
  }

  static Path locate(UnaryOperator<String> properties) {
    return NativePrograms.locate(NAME, PROPERTY, properties);
  }

  static List<Path> candidates(UnaryOperator<String> properties) {
    return NativePrograms.candidates(NAME, PROPERTY, properties);
  }
}
