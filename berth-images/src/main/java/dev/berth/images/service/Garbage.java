package dev.berth.images.service;

/**
 * Removes what no image, layer or container owns any more (the daemon's {@code GarbageCollector},
 * which needs the daemon's container ids); returns the bytes freed.
 */
@FunctionalInterface
public interface Garbage {
  Garbage NONE = () -> 0;

  long collect();
}
