package dev.berth.images.archive;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.berth.common.error.Internal;
import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageIndex;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.IndexBlobs;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Saves images as a docker-archive (what `docker save` writes and `docker load` reads) or as an OCI
 * image layout in a tar. Blobs are written as stored; the OCI manifest made for an image is stored
 * with it, so saving twice gives the same bytes.
 */
public final class ArchiveWriter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ImageStore store;

  public ArchiveWriter(ImageStore store) {
    this.store = store;
  }

  /** One image to save and the names to save it under (may be empty for an id). */
  public record Selection(ImageRecord image, List<Reference> names) {}

  public Selection select(String nameOrId) {
    ImageRecord image = store.resolve(nameOrId);
    List<Reference> names = nameOrId.startsWith("sha256:") || nameOrId.matches("[a-f0-9]{12,64}")
        ? store.tagsOf(image.id()) : List.of(Reference.parse(nameOrId));
    return new Selection(image, names);
  }

  public void dockerArchive(List<Selection> images, OutputStream out) {
    ContentStore content = store.content();
    try (TarWriter tar = new TarWriter(out)) {
      ArrayNode manifest = JSON.createArrayNode();
      Map<String, Map<String, String>> repositories = new LinkedHashMap<>();
      Set<String> written = new HashSet<>();
      for (Selection s : images) {
        Digest config = Digest.parse(s.image().id());
        String configName = config.hex() + ".json";
        if (written.add(configName)) {
          tar.file(configName, content.read(config));
        }
        ObjectNode entry = manifest.addObject();
        entry.put("Config", configName);
        ArrayNode tags = entry.putArray("RepoTags");
        List<Reference> tagged = s.names().stream().filter(r -> r.tag() != null).toList();
        tagged.forEach(r -> tags.add(r.familiar()));
        ArrayNode layers = entry.putArray("Layers");
        String parent = null;
        for (Descriptor layer : s.image().layers()) {
          Digest d = Digest.parse(layer.digest());
          String dir = d.hex();
          if (written.add(dir)) {
            tar.directory(dir);
            tar.file(dir + "/VERSION", "1.0");
            tar.file(dir + "/json", legacyJson(dir, parent));
            try (InputStream in = content.open(d)) {
              tar.file(dir + "/layer.tar", in, content.size(d));
            }
          }
          layers.add(dir + "/layer.tar");
          parent = dir;
        }
        for (Reference r : tagged) {
          if (parent != null) {
            repositories.computeIfAbsent(r.familiarRepository(), k -> new LinkedHashMap<>()).put(r.tag(), parent);
          }
        }
      }
      tar.file("manifest.json", JSON.writeValueAsBytes(manifest));
      if (!repositories.isEmpty()) {
        tar.file("repositories", JSON.writeValueAsBytes(repositories));
      }
    } catch (IOException e) {
      throw new Internal("cannot write the archive: " + e.getMessage(), e);
    }
  }

  private static String legacyJson(String id, String parent) {
    return parent == null ? "{\"id\":\"" + id + "\"}" : "{\"id\":\"" + id + "\",\"parent\":\"" + parent + "\"}";
  }

  public void ociLayout(List<Selection> images, OutputStream out) {
    ContentStore content = store.content();
    try (TarWriter tar = new TarWriter(out)) {
      tar.file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}");
      tar.directory("blobs");
      tar.directory("blobs/sha256");
      ObjectNode index = JSON.createObjectNode();
      index.put("schemaVersion", 2);
      index.put("mediaType", MediaTypes.OCI_INDEX);
      ArrayNode manifests = index.putArray("manifests");
      Set<String> written = new HashSet<>();
      for (Selection s : images) {
        IndexBlobs.Closure kept = indexOf(s.image());
        Descriptor manifest = kept != null ? indexDescriptor(s.image()) : manifestOf(s.image());
        for (Digest digest : kept != null ? kept.present() : blobsOf(s.image(), manifest)) {
          if (written.add(digest.hex())) {
            try (InputStream in = content.open(digest)) {
              tar.file("blobs/sha256/" + digest.hex(), in, content.size(digest));
            }
          }
        }
        if (s.names().isEmpty()) {
          manifests.addPOJO(manifest);
        }
        for (Reference r : s.names()) {
          Map<String, String> ann = new LinkedHashMap<>();
          ann.put("io.containerd.image.name", r.toString());
          ann.put("org.opencontainers.image.ref.name", r.tag() == null ? r.toString() : r.tag());
          manifests.addPOJO(new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size(), ann));
        }
      }
      tar.file("index.json", JSON.writeValueAsBytes(index));
    } catch (IOException e) {
      throw new Internal("cannot write the archive: " + e.getMessage(), e);
    }
  }

  private static List<Digest> blobsOf(ImageRecord image, Descriptor manifest) {
    List<Descriptor> all = new java.util.ArrayList<>(image.layers());
    all.add(image.config());
    all.add(manifest);
    return all.stream().map(d -> Digest.parse(d.digest())).toList();
  }

  /**
   * The index the image came in, when every blob it names is here: saved as it came. Otherwise
   * (another platform's layers were never fetched) null, and only this platform's manifest is saved,
   * as Docker does.
   */
  private IndexBlobs.Closure indexOf(ImageRecord image) {
    if (image.index() == null) return null;
    IndexBlobs.Closure closure = IndexBlobs.of(Digest.parse(image.index()), store.content());
    return closure.complete() ? closure : null;
  }

  private Descriptor indexDescriptor(ImageRecord image) {
    Digest d = Digest.parse(image.index());
    byte[] bytes = store.content().read(d);
    return new Descriptor(ImageIndex.parse(bytes).mediaType(), d.toString(), bytes.length);
  }

  /** The image's OCI manifest: made once, stored, then always the same bytes. */
  private Descriptor manifestOf(ImageRecord image) throws IOException {
    ContentStore content = store.content();
    if (image.manifest() != null && content.exists(Digest.parse(image.manifest()))) {
      Digest d = Digest.parse(image.manifest());
      byte[] bytes = content.read(d);
      // A Docker schema 2 manifest kept from an index or a layout goes back under its own type.
      String type = JSON.readTree(bytes).path("mediaType").asText(MediaTypes.OCI_MANIFEST);
      return new Descriptor(type, d.toString(), bytes.length);
    }
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2);
    m.put("mediaType", MediaTypes.OCI_MANIFEST);
    m.putPOJO("config", new Descriptor(MediaTypes.OCI_CONFIG, image.config().digest(), image.config().size()));
    ArrayNode layers = m.putArray("layers");
    image.layers().forEach(layers::addPOJO);
    byte[] bytes = JSON.writeValueAsBytes(m);
    Digest d = content.write(bytes);
    store.put(new ImageRecord(image.config(), image.layers(), d.toString(), image.index()));
    return new Descriptor(MediaTypes.OCI_MANIFEST, d.toString(), bytes.length);
  }
}
