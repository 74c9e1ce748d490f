package dev.berth.images.service;

/** One line of a removal's answer, as Docker reports it: a name taken off an image, or an image deleted. */
public sealed interface Removal {
  String imageId();

  record Untagged(String imageId, String reference) implements Removal {}

  record Deleted(String imageId) implements Removal {}
}
