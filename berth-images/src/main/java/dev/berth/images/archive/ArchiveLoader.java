package dev.berth.images.archive;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.Descriptor;
import dev.berth.images.model.ImageConfig;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.model.MediaTypes;
import dev.berth.images.reference.Reference;
import dev.berth.images.store.ImageStore;
import dev.berth.images.store.ImageUnpacker;
import dev.berth.images.store.StreamingUnpack;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Loads image archives: `docker save` output (the legacy layout with {@code <id>/layer.tar} and the
 * newer one with {@code blobs/sha256/…}, read through its manifest.json) and OCI image layouts (read
 * through index.json, {@link OciLayoutEntries}). Every config must hash to its name and every layer
 * to its diff_id, or nothing is loaded (blobs this load wrote are removed again). The tar is
 * untrusted: member names are checked, and only verified content is recorded as an image.
 */
public final class ArchiveLoader {
  /**
   * One image of an archive, by member paths.
   *
   * @param manifest the digest of the manifest kept as received (saved again byte for byte), or null
   * @param index the index or manifest list the image came in (kept too), or null
   */
  record ImageEntry(String configPath, List<String> layerPaths, List<String> names, String manifest,
      OciLayoutEntries.KeptIndex index) {}

  private static final ObjectMapper JSON = new ObjectMapper();
  private final ImageStore store;
  private final ImageUnpacker unpacker;

  /** A loader that only stores images; their layers are unpacked when a container first needs them. */
  public ArchiveLoader(ImageStore store) {
    this(store, null);
  }

  /**
   * A loader that also unpacks every image it loads, as `docker load` does, reading the archive once:
   * layers are unpacked on other cores while they are written to the content store.
   */
  public ArchiveLoader(ImageStore store, ImageUnpacker unpacker) {
    this.store = store;
    this.unpacker = unpacker;
  }

  /** Loads every image of the archive; returns the names (or ids, for untagged images) loaded. */
  public List<String> load(InputStream archive) {
    return store.adding(() -> loadAdding(archive));
  }

  private List<String> loadAdding(InputStream archive) {
    ContentStore content = store.content();
    Map<String, Member> members = new HashMap<>();
    List<Digest> created = new ArrayList<>();
    boolean done = false;
    try (StreamingUnpack streaming = unpacker == null ? null : unpacker.streaming()) {
      // Members go straight into the content store, hashed on the way: nothing is copied twice.
      TarArchiveInputStream tar = new TarArchiveInputStream(archive);
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        if (!e.isFile()) {
          continue;
        }
        String name = safeName(e.getName());
        Digest d = streaming == null ? content.write(tar, null, e.getSize(), created, false)
            : streaming.write(content, tar, e.getSize(), created);
        members.put(name, new Member(d, e.getSize()));
      }
      List<String> loaded = new ArrayList<>();
      Set<Digest> used = new HashSet<>();
      for (ImageEntry entry : entries(members)) {
        loaded.addAll(loadImage(entry, members, used, streaming));
      }
      for (Digest d : created) {
        if (!used.contains(d)) {
          content.delete(d); // manifest.json, repositories, legacy json files: not image content
        }
      }
      done = true;
      return loaded;
    } catch (IOException e) {
      throw new InvalidArgument("cannot read the image archive: " + e.getMessage(), e);
    } finally {
      if (!done) {
        created.forEach(content::delete);
      }
    }
  }

  private record Member(Digest digest, long size) {}

  private static String safeName(String name) {
    String n = name.startsWith("./") ? name.substring(2) : name;
    if (n.isEmpty() || n.startsWith("/") || n.contains("\0") || List.of(n.split("/")).contains("..")) {
      throw new InvalidArgument("archive entry \"" + name + "\" has an unsafe name");
    }
    return n;
  }

  private List<ImageEntry> entries(Map<String, Member> members) throws IOException {
    ContentStore content = store.content();
    Member manifest = members.get("manifest.json");
    Member index = members.get("index.json");
    if (manifest != null) {
      List<ImageEntry> entries = new ArrayList<>();
      for (JsonNode e : JSON.readTree(content.read(manifest.digest()))) {
        List<String> layers = new ArrayList<>();
        e.path("Layers").forEach(l -> layers.add(l.asText()));
        List<String> names = new ArrayList<>();
        e.path("RepoTags").forEach(t -> names.add(t.asText()));
        entries.add(new ImageEntry(e.path("Config").asText(), layers, names, null, null));
      }
      return index == null ? entries : layout(members).withIndexes(entries, content.read(index.digest()));
    }
    if (index == null) {
      throw new InvalidArgument("not an image archive: it has neither manifest.json (docker save) nor index.json"
          + " (OCI image layout)");
    }
    return layout(members).entries(content.read(index.digest()));
  }

  private OciLayoutEntries layout(Map<String, Member> members) {
    ContentStore content = store.content();
    return new OciLayoutEntries(new OciLayoutEntries.Blobs() {
      @Override
      public byte[] read(String path) {
        return content.read(blob(members, path).digest());
      }

      @Override
      public boolean exists(String path) {
        return members.containsKey(path);
      }
    });
  }

  /** A member named by its digest ({@code blobs/<alg>/<hex>}), checked to hold what its name says. */
  private static Member blob(Map<String, Member> members, String path) {
    Member m = member(members, path);
    String hex = path.substring(path.lastIndexOf('/') + 1);
    if (!m.digest().hex().equals(hex)) {
      throw new InvalidArgument("digest mismatch: " + path + " hashes to " + m.digest());
    }
    return m;
  }

  private List<String> loadImage(ImageEntry entry, Map<String, Member> members, Set<Digest> used,
      StreamingUnpack streaming) throws IOException {
    ContentStore content = store.content();
    String configPath = entry.configPath();
    Member config = member(members, configPath);
    String expected = Path.of(configPath).getFileName().toString().replace(".json", "");
    if (!expected.equals(config.digest().hex())) {
      throw new InvalidArgument("digest mismatch: config " + configPath + " hashes to " + config.digest());
    }
    byte[] configBytes = content.read(config.digest());
    ImageConfig parsed = ImageConfig.parse(configBytes);
    List<String> layerPaths = entry.layerPaths();
    if (layerPaths.size() != parsed.diffIds().size()) {
      throw new InvalidArgument("the archive lists " + layerPaths.size() + " layers but the config has "
          + parsed.diffIds().size() + " diff_ids");
    }
    List<Descriptor> layers = new ArrayList<>();
    Set<Digest> blobs = new HashSet<>(); // this image's: synced before its record names them
    for (int i = 0; i < layerPaths.size(); i++) {
      Member layer = member(members, layerPaths.get(i));
      layers.add(verifyLayer(layer, Digest.parse(parsed.diffIds().get(i)), layerPaths.get(i), streaming));
      blobs.add(layer.digest());
    }
    blobs.add(config.digest());
    if (entry.manifest() != null) blobs.add(Digest.parse(entry.manifest()));
    if (entry.index() != null) entry.index().blobPaths().forEach(p -> blobs.add(blob(members, p).digest()));
    used.addAll(blobs);
    String index = entry.index() == null ? null : entry.index().digest();
    ImageRecord record = new ImageRecord(new Descriptor(MediaTypes.OCI_CONFIG, config.digest().toString(), config.size()),
        layers, entry.manifest(), index);
    if (unpacker != null && !layers.isEmpty()) {
      unpacker.unpack(record, streaming); // before the image is recorded: a layer that cannot unpack fails the load
    }
    store.content().sync(blobs); // written without an fsync each; the record must name durable ones
    store.put(record);
    List<String> names = new ArrayList<>();
    for (String tag : entry.names()) {
      // An image that came in an index is also named by the index's digest, as after a pull.
      if (index == null) store.tag(Reference.parse(tag), record.id());
      else store.nameFetched(Reference.parse(tag), record.id(), Digest.parse(index));
      names.add(tag);
    }
    if (names.isEmpty()) {
      names.add(record.id());
    }
    return names;
  }

  /** A layer as stored: the blob as it came, checked against its diff_id (the uncompressed digest). */
  private Descriptor verifyLayer(Member layer, Digest diffId, String name, StreamingUnpack streaming) throws IOException {
    byte[] head;
    try (InputStream in = store.content().open(layer.digest())) {
      head = in.readNBytes(4);
    }
    String mediaType = MediaTypes.ociLayerFor(head);
    Digest staged = streaming == null ? null : streaming.diffId(layer.digest());
    Digest uncompressed = mediaType.equals(MediaTypes.OCI_LAYER) ? layer.digest()
        : staged != null ? staged : uncompressedDigest(layer.digest(), mediaType);
    if (!uncompressed.equals(diffId)) {
      throw new InvalidArgument("digest mismatch: layer " + name + " is " + uncompressed + ", the config says " + diffId);
    }
    return new Descriptor(mediaType, layer.digest().toString(), layer.size());
  }

  private Digest uncompressedDigest(Digest blob, String mediaType) throws IOException {
    MessageDigest md = Digest.newDigester("sha256");
    try (InputStream raw = store.content().open(blob);
        InputStream in = mediaType.equals(MediaTypes.OCI_LAYER_GZIP) ? new GZIPInputStream(raw, 1 << 16)
            : new com.github.luben.zstd.ZstdInputStream(raw);
        InputStream hashing = new DigestInputStream(in, md)) {
      hashing.transferTo(java.io.OutputStream.nullOutputStream());
    }
    return Digest.of("sha256", md.digest());
  }

  private static Member member(Map<String, Member> members, String name) {
    Member m = members.get(safeName(name));
    if (m == null) {
      throw new InvalidArgument("the archive's manifest names " + name + ", which the archive does not contain");
    }
    return m;
  }
}
