package dev.berth.images.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An OCI image index or a Docker manifest list: a view of its bytes, which are kept as received (their
 * digest is what {@code name@sha256:…} names). A pull or a load runs the entry for this platform.
 */
public record ImageIndex(String mediaType, List<Entry> manifests) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One entry: a manifest (or a nested index) and the platform it is for, null when unsaid. */
  public record Entry(Descriptor descriptor, Platform platform) {}

  public static boolean isIndex(String mediaType) {
    return MediaTypes.OCI_INDEX.equals(mediaType) || MediaTypes.DOCKER_MANIFEST_LIST.equals(mediaType);
  }

  public static boolean isManifest(String mediaType) {
    return MediaTypes.OCI_MANIFEST.equals(mediaType) || MediaTypes.DOCKER_MANIFEST.equals(mediaType);
  }

  /** Parses index bytes; an index without a mediaType field is an OCI index, as the spec allows. */
  public static ImageIndex parse(byte[] bytes) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (IOException e) {
      throw new InvalidArgument("image index is not valid JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject() || !root.path("manifests").isArray()) {
      throw new InvalidArgument("image index has no manifests array");
    }
    List<Entry> entries = new ArrayList<>();
    for (JsonNode m : root.path("manifests")) {
      Descriptor d = new Descriptor(m.path("mediaType").asText(""), m.path("digest").asText(""), m.path("size").asLong());
      entries.add(new Entry(d, Platform.of(m.path("platform"))));
    }
    return new ImageIndex(root.path("mediaType").asText(MediaTypes.OCI_INDEX), entries);
  }

  /** The entry for {@code platform}, the first when several are (as containerd and Docker pick). */
  public Descriptor manifestFor(Platform platform) {
    for (Entry e : manifests) {
      if (platform.runs(e.platform())) return e.descriptor();
    }
    throw new InvalidArgument("the image index has no " + platform + " image (it has "
        + String.join(", ", manifests.stream().map(e -> String.valueOf(e.platform())).toList()) + ")");
  }
}
