package dev.berth.daemon.images;

import java.util.List;

/** Which containers use an image: removing it is refused (or only untags) while any does. */
@FunctionalInterface
public interface ImageUsers {
  record User(String containerId, boolean running) {}

  List<User> of(String imageId);
}
