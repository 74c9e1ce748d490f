package dev.berth.images.snapshot;

import java.nio.file.Path;

/**
 * A container's writable snapshot: its overlay upper and work directories over the layer stack
 * {@code topChainId} (null: over nothing).
 */
public record ContainerSnapshot(String key, String topChainId, Path upperDir, Path workDir) {}
