package dev.berth.images.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageIndex;
import dev.berth.images.model.IndexBlobs;
import dev.berth.images.model.Platform;
import dev.berth.images.reference.Reference;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The images of an OCI image layout ({@code index.json}, {@code blobs/<alg>/<hex>}), as the loader's
 * entries: each manifest the index names (through nested indexes and manifest lists, the host's
 * platform), its config and layers, and the names its annotations give it. An image that came in an
 * index or manifest list keeps it: its digest, and every blob of it the archive holds.
 */
final class OciLayoutEntries {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String CONTAINERD_NAME = "io.containerd.image.name";
  static final String REF_NAME = "org.opencontainers.image.ref.name";

  /** The archive's members by path, each verified against the digest in its name when used. */
  interface Blobs {
    byte[] read(String path) throws IOException;

    boolean exists(String path);
  }

  /**
   * The index an image came in: its digest, and the paths of the blobs it names (through its
   * manifests, to their configs and layers, other platforms' included) that the archive holds.
   */
  record KeptIndex(String digest, List<String> blobPaths) {}

  private final Blobs blobs;
  private final Platform platform = Platform.host();

  OciLayoutEntries(Blobs blobs) {
    this.blobs = blobs;
  }

  List<ArchiveLoader.ImageEntry> entries(byte[] indexJson) throws IOException {
    List<ArchiveLoader.ImageEntry> entries = new ArrayList<>();
    JsonNode index = JSON.readTree(indexJson);
    for (JsonNode d : index.path("manifests")) {
      // A layout may list each platform's image in index.json itself: the others are not for here.
      Platform p = Platform.of(d.path("platform"));
      if (p != null && !platform.runs(p)) continue;
      collect(d.path("digest").asText(), d.path("mediaType").asText(""), names(d.path("annotations")), entries, 0, null);
    }
    if (entries.isEmpty()) throw new InvalidArgument("the OCI layout's index.json names no " + platform + " image");
    return entries;
  }

  /**
   * The entries of a docker-archive's manifest.json, each given the index its config came in when the
   * archive also holds an OCI layout (as `docker save` writes since Docker 25). manifest.json is what
   * docker-archive readers go by: an index.json that does not read is no reason to refuse the archive.
   */
  List<ArchiveLoader.ImageEntry> withIndexes(List<ArchiveLoader.ImageEntry> entries, byte[] indexJson) {
    Map<String, ArchiveLoader.ImageEntry> byConfig = new HashMap<>();
    try {
      for (ArchiveLoader.ImageEntry e : entries(indexJson)) {
        if (e.index() != null) byConfig.put(e.configPath(), e);
      }
    } catch (IOException | InvalidArgument e) {
      return entries;
    }
    return entries.stream().map(e -> {
      ArchiveLoader.ImageEntry oci = byConfig.get(e.configPath());
      return oci == null ? e : new ArchiveLoader.ImageEntry(e.configPath(), e.layerPaths(), e.names(), oci.manifest(),
          oci.index());
    }).toList();
  }

  private void collect(String digest, String mediaType, List<String> names, List<ArchiveLoader.ImageEntry> out,
      int depth, KeptIndex index) throws IOException {
    if (depth > 4) throw new InvalidArgument("the OCI layout's indexes nest too deep");
    String path = blobPath(digest);
    byte[] bytes = blobs.read(path);
    JsonNode doc = JSON.readTree(bytes);
    String type = mediaType.isEmpty() ? doc.path("mediaType").asText("") : mediaType;
    if (ImageIndex.isIndex(type)) {
      // The outermost index is the one the names name: it is kept, nested ones are part of it.
      KeptIndex kept = index != null ? index : keep(digest);
      Descriptor m;
      try {
        m = ImageIndex.parse(bytes).manifestFor(platform);
      } catch (InvalidArgument e) {
        throw new InvalidArgument(path + ": " + e.getMessage(), e);
      }
      collect(m.digest(), m.mediaType(), names, out, depth + 1, kept);
      return;
    }
    if (!ImageIndex.isManifest(type)) {
      throw new InvalidArgument("unsupported manifest type \"" + type + "\" in the OCI layout (" + path + ")");
    }
    List<String> layers = new ArrayList<>();
    for (JsonNode l : doc.path("layers")) layers.add(blobPath(l.path("digest").asText()));
    out.add(new ArchiveLoader.ImageEntry(blobPath(doc.path("config").path("digest").asText()), layers, names, digest,
        index));
  }

  private KeptIndex keep(String digest) {
    IndexBlobs.Closure closure = IndexBlobs.of(Digest.parse(digest), new IndexBlobs.Source() {
      @Override
      public boolean exists(Digest d) {
        return blobs.exists(blobPath(d.toString()));
      }

      @Override
      public byte[] read(Digest d) {
        try {
          return blobs.read(blobPath(d.toString()));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    });
    return new KeptIndex(digest, closure.present().stream().map(d -> blobPath(d.toString())).toList());
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
