package dev.berth.images.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.berth.common.error.InvalidArgument;
import dev.berth.images.content.ContentStore;
import dev.berth.images.digest.Digest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Every blob an index names, through its manifests (and nested indexes) to their configs and layers:
 * what a load keeps of other platforms, what garbage collection counts as the image's, and whether a
 * save can write the index back as it came (only when nothing is missing).
 */
public final class IndexBlobs {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_DEPTH = 4;

  /** Where blobs are looked up: a content store, or an archive's members. */
  public interface Source {
    boolean exists(Digest digest);

    byte[] read(Digest digest);
  }

  /**
   * @param present the blobs there, the index first; every manifest's before its config and layers
   * @param missing the blobs named but not there (a manifest missing hides what it would name)
   */
  public record Closure(List<Digest> present, List<Digest> missing) {
    public boolean complete() {
      return missing.isEmpty();
    }
  }

  private IndexBlobs() {}

  /** The index's blobs in a content store. */
  public static Closure of(Digest index, ContentStore content) {
    return of(index, new Source() {
      @Override
      public boolean exists(Digest digest) {
        return content.exists(digest);
      }

      @Override
      public byte[] read(Digest digest) {
        return content.read(digest);
      }
    });
  }

  public static Closure of(Digest index, Source source) {
    Set<Digest> present = new LinkedHashSet<>();
    Set<Digest> missing = new LinkedHashSet<>();
    walk(index, source, present, missing, 0);
    return new Closure(List.copyOf(present), List.copyOf(missing));
  }

  /** An index (it has manifests) or a manifest (a config and layers), told apart by what it holds. */
  private static void walk(Digest digest, Source source, Set<Digest> present, Set<Digest> missing, int depth) {
    if (depth > MAX_DEPTH) throw new InvalidArgument("image indexes nest too deep at " + digest);
    if (present.contains(digest)) return;
    if (!source.exists(digest)) {
      missing.add(digest);
      return;
    }
    present.add(digest);
    byte[] bytes = source.read(digest);
    JsonNode doc = json(bytes, digest);
    if (doc.path("manifests").isArray()) {
      for (ImageIndex.Entry e : ImageIndex.parse(bytes).manifests()) {
        walk(Digest.parse(e.descriptor().digest()), source, present, missing, depth + 1);
      }
      return;
    }
    List<Digest> leaves = new ArrayList<>();
    leaves.add(Digest.parse(doc.path("config").path("digest").asText()));
    for (JsonNode l : doc.path("layers")) leaves.add(Digest.parse(l.path("digest").asText()));
    for (Digest leaf : leaves) (source.exists(leaf) ? present : missing).add(leaf);
  }

  private static JsonNode json(byte[] bytes, Digest digest) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new InvalidArgument("blob " + digest + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
