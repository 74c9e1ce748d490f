package dev.berth.images.service;

import dev.berth.images.gc.GarbageCollector;
import java.util.List;
import java.util.Set;

/**
 * Removes what no image, layer or container owns any more (the daemon's {@code GarbageCollector},
 * which needs the daemon's container ids); answers the bytes freed and which of the deleted images'
 * layers went.
 */
@FunctionalInterface
public interface Garbage {
  Garbage NONE = released -> new GarbageCollector.Collected(0, Set.of());

  /** @param released the layers of the images just deleted, whose fate the answer tells */
  GarbageCollector.Collected collect(List<GarbageCollector.Layer> released);
}
