package dev.berth.images.snapshot;

import dev.berth.images.layer.UnpackedLayer;
import java.nio.file.Path;

/** What fills a new layer snapshot: typically a {@code LayerUnpacker} reading the layer's blob. */
@FunctionalInterface
public interface LayerSource {
  /**
   * Creates {@code destination} (which does not exist yet) and fills it with the layer's files in
   * overlayfs form. On failure it throws; whatever it left is removed by the caller.
   */
  UnpackedLayer unpackInto(Path destination);
}
