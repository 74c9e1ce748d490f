package dev.berth.images.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The platform an image runs on, as an index's entries name it ({@code os}, {@code architecture},
 * {@code variant}) in Go's names: amd64, arm64, not x86_64 or aarch64.
 */
public record Platform(String os, String architecture, String variant) {
  /** This machine's: linux and the JVM's architecture in Go's words; no variant (any one will do). */
  public static Platform host() {
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      case "x86", "i386", "i486", "i586", "i686" -> "386";
      case "arm" -> "arm";
      default -> System.getProperty("os.arch");
    };
    return new Platform("linux", arch, null);
  }

  /** The {@code platform} object of an index entry, or null when it has none. */
  public static Platform of(JsonNode platform) {
    if (!platform.isObject()) return null;
    String variant = platform.path("variant").asText("");
    return new Platform(platform.path("os").asText(""), platform.path("architecture").asText(""),
        variant.isEmpty() ? null : variant);
  }

  /** Whether an image for {@code other} runs here: same os and architecture, and variant if this one names one. */
  public boolean runs(Platform other) {
    if (other == null || !os.equals(other.os) || !architecture.equals(other.architecture)) return false;
    return variant == null || variant.equals(other.variant) || (architecture.equals("arm64")
        && variant.equals("v8") && other.variant == null);
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
