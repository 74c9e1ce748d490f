package dev.berth.images.store;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.Internal;
import dev.berth.common.error.InvalidArgument;
import dev.berth.common.error.NotFound;
import dev.berth.common.io.AtomicFiles;
import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import dev.berth.images.model.ImageRecord;
import dev.berth.images.reference.Reference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Images and their names. Records live in {@code images/<hex>.json}, names in {@code tags.json}, both
 * written atomically; blobs are written before the record that refers to them and the record before
 * the tag, so a crash at any point leaves at worst unreferenced blobs, never a name without an image.
 */
public final class ImageStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final Path root;
  private final ContentStore content;
  /** Adding content (read side, many at once) against garbage collection (write side). */
  private final java.util.concurrent.locks.ReentrantReadWriteLock adding =
      new java.util.concurrent.locks.ReentrantReadWriteLock();

  public ImageStore(Path root) {
    this.root = root;
    this.content = new ContentStore(root.resolve("content"));
    try {
      Files.createDirectories(root.resolve("images"));
      AtomicFiles.removeLeftovers(root.resolve("images"));
      AtomicFiles.removeLeftovers(root);
    } catch (IOException e) {
      throw new Internal("cannot open the image store at " + root + ": " + e.getMessage(), e);
    }
  }

  public ContentStore content() {
    return content;
  }

  public synchronized void put(ImageRecord image) {
    write(root.resolve("images").resolve(Digest.parse(image.id()).hex() + ".json"), image);
  }

  public ImageRecord get(String id) {
    Path p = root.resolve("images").resolve(Digest.parse(id).hex() + ".json");
    try {
      return JSON.readValue(p.toFile(), ImageRecord.class);
    } catch (java.io.FileNotFoundException | java.nio.file.NoSuchFileException e) {
      throw new NotFound("No such image: " + id);
    } catch (IOException e) {
      if (!Files.exists(p)) {
        throw new NotFound("No such image: " + id);
      }
      throw new Internal("cannot read image " + id + ": " + e.getMessage(), e);
    }
  }

  public List<ImageRecord> list() {
    List<ImageRecord> all = new ArrayList<>();
    try (Stream<Path> s = Files.list(root.resolve("images"))) {
      for (Path p : s.filter(f -> f.toString().endsWith(".json")).toList()) {
        all.add(JSON.readValue(p.toFile(), ImageRecord.class));
      }
    } catch (IOException e) {
      throw new Internal("cannot list images: " + e.getMessage(), e);
    }
    return all;
  }

  public synchronized void tag(Reference ref, String id) {
    get(id);
    Map<String, String> tags = tags();
    tags.put(ref.toString(), id);
    write(root.resolve("tags.json"), tags);
  }

  /**
   * Names an image as a pull or a load got it under {@code asked}: the tag, when {@code asked} has one,
   * and {@code repository@digest} for the index or manifest it came as (Docker's RepoDigests), so that
   * {@code name@sha256:…} resolves to it. A reference that carries a digest must carry this one.
   */
  public synchronized void nameFetched(Reference asked, String id, Digest digest) {
    if (asked.digest() != null && !asked.digest().equals(digest)) {
      throw new InvalidArgument("digest mismatch: " + asked.familiar() + " was asked for, " + digest + " came");
    }
    get(id);
    Map<String, String> tags = tags();
    if (asked.tag() != null) tags.put(new Reference(asked.domain(), asked.path(), asked.tag(), null).toString(), id);
    tags.put(new Reference(asked.domain(), asked.path(), null, digest).toString(), id);
    write(root.resolve("tags.json"), tags);
  }

  public synchronized void untag(Reference ref) {
    Map<String, String> tags = tags();
    if (tags.remove(ref.toString()) == null) {
      throw new NotFound("No such image: " + ref.familiar());
    }
    write(root.resolve("tags.json"), tags);
  }

  /**
   * Removes an image's record; its blobs stay until garbage collection, which knows what other
   * images share. Refused while a name still points at it.
   */
  public synchronized void remove(String id) {
    if (!tagsOf(id).isEmpty()) {
      throw new dev.berth.common.error.Conflict("image " + id + " still has names");
    }
    try {
      Files.deleteIfExists(root.resolve("images").resolve(Digest.parse(id).hex() + ".json"));
    } catch (IOException e) {
      throw new Internal("cannot remove image " + id + ": " + e.getMessage(), e);
    }
  }

  /**
   * Runs work that adds content (a load, an import, a commit, an unpack). Garbage collection waits
   * for it: between a blob's write and the record that refers to it, the blob is not garbage.
   */
  public <T> T adding(java.util.function.Supplier<T> work) {
    adding.readLock().lock();
    try {
      return work.get();
    } finally {
      adding.readLock().unlock();
    }
  }

  /** Runs garbage collection's work while nothing is being added. */
  public <T> T exclusively(java.util.function.Supplier<T> work) {
    adding.writeLock().lock();
    try {
      return work.get();
    } finally {
      adding.writeLock().unlock();
    }
  }

  /** Name (familiar or full) → image id, as every command taking an image name resolves it. */
  public ImageRecord resolve(String nameOrId) {
    if (nameOrId.startsWith("sha256:")) {
      return get(nameOrId);
    }
    if (nameOrId.matches("[a-f0-9]{12,64}")) {
      for (ImageRecord r : list()) {
        if (Digest.parse(r.id()).hex().startsWith(nameOrId)) {
          return r;
        }
      }
    }
    Reference ref = Reference.parse(nameOrId);
    String id = tags().get(ref.toString());
    if (id == null) {
      throw new NotFound("No such image: " + ref.familiar());
    }
    return get(id);
  }

  /** Full references naming {@code id}. */
  public List<Reference> tagsOf(String id) {
    return tags().entrySet().stream().filter(e -> e.getValue().equals(id)).map(e -> Reference.parse(e.getKey())).toList();
  }

  /** Every image's names, from one read of the names file (for listings over many images). */
  public Map<String, List<Reference>> tagsById() {
    Map<String, List<Reference>> byId = new java.util.HashMap<>();
    tags().forEach((name, id) -> byId.computeIfAbsent(id, k -> new ArrayList<>()).add(Reference.parse(name)));
    return byId;
  }

  public Map<String, String> tags() {
    Path p = root.resolve("tags.json");
    if (!Files.exists(p)) {
      return new TreeMap<>();
    }
    try {
      return new TreeMap<>(JSON.readValue(p.toFile(), new TypeReference<Map<String, String>>() {}));
    } catch (IOException e) {
      throw new Internal("cannot read the image names: " + e.getMessage(), e);
    }
  }

  /**
   * The store's consistency check: every blob matches its digest, every image's config and layers
   * are present, every name points at an image, and no temporary file is left. Returns the problems.
   */
  public List<String> check() {
    List<String> problems = new ArrayList<>();
    content.verify().forEach(d -> problems.add("blob " + d + " does not match its digest"));
    for (ImageRecord image : list()) {
      if (!content.exists(Digest.parse(image.id()))) {
        problems.add("image " + image.id() + ": config blob missing");
      }
      if (image.index() != null && !content.exists(Digest.parse(image.index()))) {
        problems.add("image " + image.id() + ": index blob " + image.index() + " missing");
      }
      for (var layer : image.layers()) {
        if (!content.exists(Digest.parse(layer.digest()))) {
          problems.add("image " + image.id() + ": layer " + layer.digest() + " missing");
        }
      }
    }
    tags().forEach((name, id) -> {
      if (!Files.exists(root.resolve("images").resolve(Digest.parse(id).hex() + ".json"))) {
        problems.add("name " + name + " points at a missing image " + id);
      }
    });
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(p -> p.getFileName().toString().startsWith(AtomicFiles.TEMP_PREFIX))
          .forEach(p -> problems.add("temporary file left: " + p));
    } catch (IOException e) {
      problems.add("cannot walk the store: " + e.getMessage());
    }
    return problems;
  }

  private static void write(Path file, Object value) {
    try {
      AtomicFiles.write(file, JSON.writeValueAsBytes(value));
    } catch (IOException e) {
      throw new Internal("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
