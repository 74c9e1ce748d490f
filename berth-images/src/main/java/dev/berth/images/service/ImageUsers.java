package dev.berth.images.service;

import java.util.List;

/**
 * Which containers use an image. The image library knows nothing of containers: the daemon answers
 * from its container store, and removal is refused (or only untags) while any container does.
 */
@FunctionalInterface
public interface ImageUsers {
  ImageUsers NONE = id -> List.of();

  record User(String containerId, boolean running) {}

  List<User> of(String imageId);
}
