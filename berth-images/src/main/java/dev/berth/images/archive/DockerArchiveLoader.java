package dev.berth.images.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Loads `docker save` archives (the legacy layout with {@code <id>/layer.tar} and the newer one with
 * {@code blobs/sha256/…}): every config must hash to its name and every layer to its diff_id, or
 * nothing is loaded. The tar is untrusted: entries are staged by safe relative names only.
 */
public final class DockerArchiveLoader {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ImageStore store;

  public DockerArchiveLoader(ImageStore store) {
    this.store = store;
  }

  /** Loads every image of the archive; returns the names (or ids, for untagged images) loaded. */
  public List<String> load(InputStream archive, Path stagingParent) {
    Path staging = null;
    try {
      Files.createDirectories(stagingParent);
      staging = Files.createTempDirectory(stagingParent, ".tmp-load-");
      stage(archive, staging);
      Path manifest = staging.resolve("manifest.json");
      if (!Files.exists(manifest)) {
        throw new InvalidArgument("not a docker-archive: it has no manifest.json");
      }
      List<String> loaded = new ArrayList<>();
      for (JsonNode entry : JSON.readTree(manifest.toFile())) {
        loaded.addAll(loadImage(entry, staging));
      }
      return loaded;
    } catch (IOException e) {
      throw new InvalidArgument("cannot read the image archive: " + e.getMessage(), e);
    } finally {
      deleteTree(staging);
    }
  }

  private static void stage(InputStream archive, Path staging) throws IOException {
    TarArchiveInputStream tar = new TarArchiveInputStream(archive);
    for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
      if (!e.isFile()) {
        continue;
      }
      Path target = staging.resolve(safeName(e.getName())).normalize();
      if (!target.startsWith(staging)) {
        throw new InvalidArgument("archive entry " + e.getName() + " points outside the archive");
      }
      Files.createDirectories(target.getParent());
      Files.copy(tar, target);
    }
  }

  private static String safeName(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name;
    if (n.isEmpty() || n.startsWith("/") || n.contains("\0") || List.of(n.split("/")).contains("..")) {
      throw new InvalidArgument("archive entry \"" + name + "\" has an unsafe name");
    }
    return n;
  }

  private List<String> loadImage(JsonNode entry, Path staging) throws IOException {
    String configPath = entry.path("Config").asText();
    byte[] configBytes = Files.readAllBytes(staged(staging, configPath));
    Digest configDigest = Digest.sha256(configBytes);
    String expected = Path.of(configPath).getFileName().toString().replace(".json", "");
    if (!expected.equals(configDigest.hex())) {
      throw new InvalidArgument("digest mismatch: config " + configPath + " hashes to " + configDigest);
    }
    ImageConfig config = ImageConfig.parse(configBytes);
    List<Descriptor> layers = new ArrayList<>();
    JsonNode layerPaths = entry.path("Layers");
    if (layerPaths.size() != config.diffIds().size()) {
      throw new InvalidArgument("the archive lists " + layerPaths.size() + " layers but the config has "
          + config.diffIds().size() + " diff_ids");
    }
    for (int i = 0; i < layerPaths.size(); i++) {
      layers.add(importLayer(staged(staging, layerPaths.get(i).asText()), Digest.parse(config.diffIds().get(i))));
    }
    ContentStore content = store.content();
    content.write(configBytes);
    ImageRecord record = new ImageRecord(new Descriptor(MediaTypes.OCI_CONFIG, configDigest.toString(), configBytes.length),
        layers, null);
    store.put(record);
    List<String> names = new ArrayList<>();
    for (JsonNode tag : entry.path("RepoTags")) {
      store.tag(Reference.parse(tag.asText()), record.id());
      names.add(tag.asText());
    }
    if (names.isEmpty()) {
      names.add(record.id());
    }
    return names;
  }

  /** A layer as stored: the blob as it came, verified against its diff_id (uncompressed digest). */
  private Descriptor importLayer(Path file, Digest diffId) throws IOException {
    byte[] head = new byte[4];
    try (InputStream in = Files.newInputStream(file)) {
      in.readNBytes(head, 0, 4);
    }
    String mediaType = MediaTypes.ociLayerFor(head);
    Digest uncompressed = mediaType.equals(MediaTypes.OCI_LAYER) ? null : uncompressedDigest(file, mediaType);
    Digest blob;
    try (InputStream in = Files.newInputStream(file)) {
      blob = store.content().write(in, uncompressed == null ? diffId : null, Files.size(file));
    }
    if (uncompressed != null && !uncompressed.equals(diffId)) {
      throw new InvalidArgument("digest mismatch: layer " + file.getFileName() + " uncompresses to " + uncompressed
          + ", the config says " + diffId);
    }
    return new Descriptor(mediaType, blob.toString(), Files.size(file));
  }

  private static Digest uncompressedDigest(Path file, String mediaType) throws IOException {
    MessageDigest md = Digest.newDigester("sha256");
    try (InputStream raw = Files.newInputStream(file);
        InputStream in = mediaType.equals(MediaTypes.OCI_LAYER_GZIP) ? new GZIPInputStream(raw, 1 << 16)
            : new com.github.luben.zstd.ZstdInputStream(raw);
        InputStream hashing = new DigestInputStream(in, md)) {
      hashing.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return Digest.of("sha256", md.digest());
  }

  private static Path staged(Path staging, String name) {
    Path p = staging.resolve(safeName(name)).normalize();
    if (!p.startsWith(staging) || !Files.isRegularFile(p)) {
      throw new InvalidArgument("the archive's manifest names " + name + ", which the archive does not contain");
    }
    return p;
  }

  private static void deleteTree(Path dir) {
    if (dir == null) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new Internal("cannot remove the staging directory " + dir + ": " + e.getMessage(), e);
    }
  }
}
