package dev.berth.images.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.reference.Reference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The images of an OCI image layout ({@code index.json}, {@code blobs/<alg>/<hex>}), as the loader's
 * entries: each manifest the index names (through nested indexes and manifest lists, the host's
 * platform), its config and layers, and the names its annotations give it.
 */
final class OciLayoutEntries {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CONTAINERD_NAME = "io.containerd.image.name";
  static final String REF_NAME = "org.opencontainers.image.ref.name";

  /** Reads a member's bytes, verified against the digest in its name. */
  interface Blobs {
    byte[] read(String path) throws IOException;
  }

  private final Blobs blobs;

  OciLayoutEntries(Blobs blobs) {
    this.blobs = blobs;
  }

  List<ArchiveLoader.ImageEntry> entries(byte[] indexJson) throws IOException {
    List<ArchiveLoader.ImageEntry> entries = new ArrayList<>();
    JsonNode index = JSON.readTree(indexJson);
    for (JsonNode d : index.path("manifests")) collect(d, names(d.path("annotations")), entries, 0);
    if (entries.isEmpty()) throw new InvalidArgument("the OCI layout's index.json names no image");
    return entries;
  }

  private void collect(JsonNode descriptor, List<String> names, List<ArchiveLoader.ImageEntry> out, int depth)
      throws IOException {
    if (depth > 4) throw new InvalidArgument("the OCI layout's indexes nest too deep");
    String path = blobPath(descriptor.path("digest").asText());
    byte[] bytes = blobs.read(path);
    JsonNode doc = JSON.readTree(bytes);
    String mediaType = descriptor.path("mediaType").asText(doc.path("mediaType").asText(""));
    if (mediaType.equals(MediaTypes.OCI_INDEX) || mediaType.equals(MediaTypes.DOCKER_MANIFEST_LIST)) {
      collect(forThisPlatform(doc, path), names, out, depth + 1);
      return;
    }
    if (!mediaType.equals(MediaTypes.OCI_MANIFEST) && !mediaType.equals(MediaTypes.DOCKER_MANIFEST)) {
      throw new InvalidArgument("unsupported manifest type \"" + mediaType + "\" in the OCI layout (" + path + ")");
    }
    List<String> layers = new ArrayList<>();
    for (JsonNode l : doc.path("layers")) layers.add(blobPath(l.path("digest").asText()));
    String keep = mediaType.equals(MediaTypes.OCI_MANIFEST) ? descriptor.path("digest").asText() : null;
    out.add(new ArchiveLoader.ImageEntry(blobPath(doc.path("config").path("digest").asText()), layers, names, keep));
  }

  /** The entry for linux and this machine's architecture, as docker load picks one. */
  private static JsonNode forThisPlatform(JsonNode index, String path) {
    String arch = switch (System.getProperty("os.arch")) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> System.getProperty("os.arch");
    };
    for (JsonNode m : index.path("manifests")) {
      JsonNode p = m.path("platform");
      if (p.path("os").asText().equals("linux") && p.path("architecture").asText().equals(arch)) return m;
    }
    throw new InvalidArgument("the image index " + path + " has no linux/" + arch + " image");
  }

  static String blobPath(String digest) {
    Digest d;
    try {
      d = Digest.parse(digest);
    } catch (RuntimeException e) {
      throw new InvalidArgument("invalid digest \"" + digest + "\" in the OCI layout");
    }
    return "blobs/" + d.algorithm() + "/" + d.hex();
  }

  /**
   * containerd's full name when there is one; otherwise the OCI ref name when it is a whole reference
   * (skopeo writes {@code name:tag} there). A bare tag names no repository: the image stays untagged.
   */
  private static List<String> names(JsonNode annotations) {
    String full = annotations.path(CONTAINERD_NAME).asText("");
    if (!full.isEmpty()) return List.of(Reference.parse(full).familiar());
    String ref = annotations.path(REF_NAME).asText("");
    if (ref.contains(":") || ref.contains("/")) return List.of(Reference.parse(ref).familiar());
    return List.of();
  }
}
