package dev.berth.images.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of an image config the store reads. The config's bytes stay as received (its digest is
 * the image id); this is a view of them, never re-serialised.
 */
public record ImageConfig(List<String> diffIds, String created, String architecture, String os, JsonNode raw) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public static ImageConfig parse(byte[] bytes) {
    try {
      JsonNode root = JSON.readTree(bytes);
      if (root == null || !root.isObject()) {
        throw new InvalidArgument("image config is not a JSON object");
      }
      JsonNode rootfs = root.path("rootfs");
      if (!"layers".equals(rootfs.path("type").asText())) {
        throw new InvalidArgument("image config: rootfs.type must be \"layers\"");
      }
      List<String> diffIds = new ArrayList<>();
      rootfs.path("diff_ids").forEach(d -> diffIds.add(d.asText()));
      return new ImageConfig(diffIds, root.path("created").asText(null), root.path("architecture").asText(null),
          root.path("os").asText(null), root);
    } catch (IOException e) {
      throw new InvalidArgument("image config is not valid JSON: " + e.getMessage(), e);
    }
  }
}
