package dev.berth.images.service;

/**
 * One line of a removal's answer, as Docker reports it: a name taken off an image, an image deleted,
 * or a layer that went with it.
 */
public sealed interface Removal {
  String imageId();

  record Untagged(String imageId, String reference) implements Removal {}

  record Deleted(String imageId) implements Removal {}

  /** A layer of the deleted image {@code imageId} that nothing else stood on: Docker lists its chain id as Deleted. */
  record LayerDeleted(String imageId, String chainId) implements Removal {}
}
