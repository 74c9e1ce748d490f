package dev.berth.images.service;

import dev.berth.images.gc.GarbageCollector;
import dev.berth.images.reference.Reference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a removal did, line by line as Docker answers, and the layers of each image it deleted: which
 * of them went is known only once garbage collection has run, and their lines come then.
 */
final class RemovalLog {
  private final List<Removal> lines = new ArrayList<>();
  /** Each deleted image's layers, top first, in the order the images were deleted. */
  private final Map<String, List<GarbageCollector.Layer>> layers = new LinkedHashMap<>();

  void untagged(String imageId, Reference ref) {
    lines.add(new Removal.Untagged(imageId, ref.familiar()));
  }

  void deleted(String imageId, List<GarbageCollector.Layer> topFirst) {
    lines.add(new Removal.Deleted(imageId));
    layers.put(imageId, topFirst);
  }

  boolean deletedAny() {
    return !layers.isEmpty();
  }

  List<Removal> lines() {
    return List.copyOf(lines);
  }

  /** The layers of every image deleted: what garbage collection is asked about. */
  List<GarbageCollector.Layer> released() {
    return layers.values().stream().flatMap(List::stream).toList();
  }

  /**
   * The lines with each deleted image followed by its layers that went, top first, as dockerd lists
   * them. A layer several deleted images stood on is listed after the last of them, whose deletion
   * let it go.
   */
  List<Removal> withLayers(Set<String> gone) {
    Set<String> listedLater = new HashSet<>();
    Map<String, List<Removal>> after = new LinkedHashMap<>();
    List<String> ids = new ArrayList<>(layers.keySet());
    for (int i = ids.size() - 1; i >= 0; i--) {
      List<Removal> own = new ArrayList<>();
      for (GarbageCollector.Layer l : layers.get(ids.get(i))) {
        if (gone.contains(l.chainId()) && listedLater.add(l.chainId())) {
          own.add(new Removal.LayerDeleted(ids.get(i), l.chainId()));
        }
      }
      after.put(ids.get(i), own);
    }
    List<Removal> out = new ArrayList<>();
    for (Removal r : lines) {
      out.add(r);
      if (r instanceof Removal.Deleted d) out.addAll(after.get(d.imageId()));
    }
    return out;
  }
}
